"""``fugong publish`` on the demo scenario: a versioned bundle with a manifest, the risk map as SVG
and PNG, the index tables with counts and denominators, the control index and quadrant, and a
print-ready HTML and PDF — the PDF checked for pages, embedded fonts and tables.

The PDF and PNG bundle is Hangzhou's (scope 3301, 13 counties): WeasyPrint lays out and subsets the
CJK font in about 8 s for it against about 19 s for the whole province, and a regional bundle is
what most command centres publish; the province-wide tables are checked on a version without PDF."""

import csv
import datetime as dt
import hashlib
import json

import pytest
from pypdf import PdfReader

from fugong.access import Principal
from fugong.publish.bundle import publish_bundle

from tests.control.conftest import AS_OF

pytestmark = pytest.mark.xdist_group("control-world")  # one demo_world (tests/control/conftest.py)


@pytest.fixture(scope="module")
def bundle(demo_world, tmp_path_factory):
    settings, engine = demo_world
    out = tmp_path_factory.mktemp("publications")
    result = publish_bundle(settings=settings, engine=engine, date=AS_OF, out=out, lang="zh", principal=HANGZHOU)
    return out, result


HANGZHOU = Principal(user_id="hz-publisher", role="officer", region_prefix="3301")


def _rows(path):
    with path.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_the_bundle_is_version_one_with_a_manifest_of_every_file(bundle):
    out, result = bundle
    assert result.folder == out / AS_OF.isoformat() / "v1"
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    names = {f["name"] for f in manifest["files"]}
    assert {"report.html", "report.pdf", "risk-map.svg", "risk-map.png", "risk-changes.csv", "risk-grades.csv",
            "resumption-city.csv", "resumption-county.csv", "control-index.csv",
            "quadrant.csv", "quadrant.svg"} <= names
    assert manifest["scope"] == "3301"
    # industry totals span the whole province: a regional bundle leaves them out and says so
    assert "resumption-industry.csv" not in names and any("行业表为全省合计" in n for n in manifest["notes"])
    for entry in manifest["files"]:
        data = (result.folder / entry["name"]).read_bytes()
        assert entry["bytes"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["rules"]["risk"]["name"] == "zj-five-colour-2020" and len(manifest["rules"]["risk"]["sha256"]) == 64
    assert manifest["rules"]["control"]["name"] == "zj-precision-control-2020"
    assert manifest["data"]["risk_publication"]["date"] <= AS_OF.isoformat()
    assert manifest["data"]["control_run"]["model_digest"] == manifest["rules"]["control"]["sha256"]
    assert manifest["data"]["index_results"]["files"]["county"]["sha256"]
    assert manifest["renderer"]["pdf"].startswith("weasyprint")
    assert any("企业名录中无企业" in n for n in manifest["notes"])  # notes in the bundle's language


def test_the_pdf_has_pages_embedded_fonts_and_the_tables(bundle):
    _, result = bundle
    reader = PdfReader(result.folder / "report.pdf")
    assert len(reader.pages) >= 4  # risk, index, control sections each start a page; long tables run on
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts  # every font embedded
    assert any("Noto-Sans-CJK" in name for name in fonts)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for heading in ("县域疫情风险", "复工电力指数", "精密智控指数", "分县（市、区）", "复工率", "复产率", "余杭区"):
        assert heading in text, heading
    assert "海曙区" not in text  # Ningbo's county: outside the bundle's scope


def test_the_html_has_the_tables_with_counts_and_denominators(bundle):
    _, result = bundle
    html = (result.folder / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert html.count('<table class="index-county">') == 1
    with (result.folder / "resumption-county.csv").open(encoding="utf-8-sig") as handle:
        counties = list(csv.DictReader(handle))
    assert counties and {"index", "resumed_share", "energy_ratio", "resumed", "reporting", "enterprises",
                         "resumed_kwh", "baseline_kwh"} <= set(counties[0])
    first = counties[0]
    assert f"<td>{first['code']}</td><td>{first['name']}</td>" in html
    quadrant = {r["region_code"] for r in _rows(result.folder / "quadrant.csv")}
    assert quadrant == {r["region_code"] for r in _rows(result.folder / "control-index.csv")}
    assert len(quadrant) > 1 and all(code.startswith("3301") for code in quadrant)
    assert "<svg" in html and 'data-adcode="330110"' in html  # the map is inline
    assert 'data-adcode="330203"' not in html  # and draws the bundle's own counties only


def test_republishing_makes_a_new_version_and_keeps_the_old(bundle, demo_world):
    out, first = bundle
    settings, engine = demo_world
    before = (first.folder / "report.html").read_bytes()
    again = publish_bundle(settings=settings, engine=engine, date=AS_OF, out=out, lang="en", png=False, pdf=False)
    assert again.version == 2 and again.folder == out / AS_OF.isoformat() / "v2"
    assert (first.folder / "report.html").read_bytes() == before
    assert "Daily publication on work resumption" in (again.folder / "report.html").read_text(encoding="utf-8")
    # the province-wide version: all 90 counties of the 2020 vintage, and the industry totals
    assert len(_rows(again.folder / "quadrant.csv")) == 90
    industries = _rows(again.folder / "resumption-industry.csv")
    assert industries and {"index", "resumed", "reporting", "enterprises"} <= set(industries[0])
    assert not list((out / AS_OF.isoformat()).glob(".staging-*"))


def test_without_the_pdf_renderer_html_and_csv_are_still_written(demo_world, tmp_path, monkeypatch):
    import sys

    settings, engine = demo_world
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint → ImportError
    result = publish_bundle(settings=settings, engine=engine, date=AS_OF, out=tmp_path, png=False, lang="en")
    assert (result.folder / "report.html").exists() and not (result.folder / "report.pdf").exists()
    assert (result.folder / "control-index.csv").exists()
    advice = [n for n in result.notes if "no PDF" in n]
    assert len(advice) == 1 and "pip install 'fugong[publish]'" in advice[0] and "fonts-noto-cjk" in advice[0]


def test_a_day_without_data_is_published_with_its_gaps_named(demo_world, tmp_path):
    settings, engine = demo_world
    result = publish_bundle(settings=settings, engine=engine, date=dt.date(2020, 1, 5), out=tmp_path, png=False,
                            pdf=False, lang="en")
    assert any("no control index for this date" in n for n in result.notes)
    assert any("no risk publication" in n for n in result.notes)
