"""Every message used in code or templates has a translation; every shipped region name has an English
name; the build compiles the catalogues into the package (a fresh install translates)."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from fugong.web.i18n import LOCALE_DIR, Translator, compile_catalogues
from fugong.web.i18n_cli import extract, missing

REPO = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def used():
    return extract()


def test_the_extraction_finds_messages_in_code_and_templates(used):
    locations = {path for message in used for path, _ in message.locations}
    assert any(path.endswith(".html") for path in locations) and any(path.endswith(".py") for path in locations)
    assert "Resumption overview" in used and "Risk map" in used  # a template's and a page registration's


def test_the_chinese_catalogue_translates_every_message_used(used):
    assert missing("zh", used) == []


def test_a_translation_keeps_the_placeholders_of_its_message(used):
    with (LOCALE_DIR / "zh" / "LC_MESSAGES" / "fugong.po").open("rb") as fh:
        po = read_po(fh, locale="zh")
    for message in used:
        entry = po.get(message.id)
        if entry is not None and entry.string:
            assert set(PLACEHOLDER.findall(entry.string)) == set(PLACEHOLDER.findall(message.id)), message.id


def test_a_message_missing_from_the_catalogue_is_reported(used, tmp_path):
    from babel.messages.catalog import Catalog

    catalogue = Catalog()
    for message in list(used)[1:5]:
        catalogue.add(message.id, None)
    catalogue.add("A message nobody has translated yet", None)
    assert missing("zh", catalogue) == ["A message nobody has translated yet"]


def test_every_region_name_shipped_has_an_english_name():
    import csv

    names = set()
    for path in (REPO / "src" / "fugong" / "reference" / "data" / "regions").glob("regions-*.csv"):
        with path.open(encoding="utf-8") as fh:
            names |= {row["name"] for row in csv.DictReader(fh)}
    english = Translator("en")
    untranslated = sorted(n for n in names if english.name("region", n) == n or re.search(r"[\u4e00-\u9fff]", english.name("region", n)))
    assert not untranslated, untranslated[:20]
    assert english.name("region", "浙江省") == "Zhejiang" and english.name("region", "杭州市") == "Hangzhou"
    assert english.name("region", "西湖区") == "Xihu District" and english.name("region", "西安市") == "Xi'an"
    assert english.name("region", "内蒙古自治区") == "Inner Mongolia"


def test_bands_sizes_categories_and_sections_have_english_names():
    from fugong.index.compute import IndexParams
    from fugong.web import labels

    english = Translator("en")
    for band in IndexParams().band_names:
        assert not re.search(r"[\u4e00-\u9fff]", english.name("band", band)), band
    assert labels.group_name("size", "large", None, "en") == "Large"
    assert labels.group_name("size", "large", None, "zh") == "大型"
    assert labels.group_name("category", "building_materials", None, "en") == "Building materials"
    assert labels.group_name("category", "building_materials", None, "zh") == "建材"
    assert labels.group_name("section", "C", "制造业", "en") == "Manufacturing"


def test_the_generated_names_catalogue_is_what_the_generator_makes():
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import build_names_catalogue as build
    finally:
        sys.path.pop(0)
    with (LOCALE_DIR / "en" / "LC_MESSAGES" / "names.po").open("rb") as fh:
        po = read_po(fh, locale="en")
    regions = build.region_names()
    for zh in ("杭州市", "余杭区", "景宁畲族自治县", "恩施土家族苗族自治州", "北京市市辖区"):
        assert po.get(zh, context="region").string == regions[zh]


def test_compiling_writes_a_catalogue_that_translates(tmp_path):
    import gettext
    import shutil

    shutil.copytree(LOCALE_DIR, tmp_path / "locale")
    written = compile_catalogues(tmp_path / "locale")
    assert {p.name for p in written} == {"fugong.mo", "names.mo"}
    with (tmp_path / "locale" / "zh" / "LC_MESSAGES" / "fugong.mo").open("rb") as fh:
        assert gettext.GNUTranslations(fh).gettext("Resumption overview") == "复工复产总览"


def test_a_built_wheel_carries_compiled_catalogues(tmp_path):
    """What `pip install fugong` gets: built from a checkout without any .mo (as git has it), the wheel
    holds the .mo files the build step compiled."""
    import shutil

    source = tmp_path / "checkout"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "src", source / "src", ignore=shutil.ignore_patterns("*.mo", "__pycache__", "*.egg-info"))
    assert not list((source / "src").rglob("*.mo"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=900)
    wheel = next(tmp_path.glob("fugong-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert "fugong/locale/zh/LC_MESSAGES/fugong.mo" in names
        assert "fugong/locale/en/LC_MESSAGES/names.mo" in names
        mo = archive.read("fugong/locale/zh/LC_MESSAGES/fugong.mo")
    import gettext
    import io

    assert gettext.GNUTranslations(io.BytesIO(mo)).gettext("Sign in") == "登录"
