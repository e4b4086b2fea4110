"""Industries: GB/T 4754-2017 (国民经济行业分类) sections and divisions, and configured categories.

The standard has four levels: 20 sections (门类, letters A–T), 97 divisions (大类, 2 digits 01–97),
groups (中类, 3 digits) and classes (小类, 4 digits). The first two digits of a group or class code
are its division, so ``section_of("3731")`` needs only the division table shipped here
(``data/industries/gbt4754-2017.csv``). Written codes often carry the section letter in front
("C3731"); both forms are accepted.

Local governments group divisions into their own "industry categories" (Jiangsu's grid analysis
of 27 Feb 2020 used ten). A category set is a TOML file (``data/industries/categories/*.toml``
or any path) mapping categories onto division, group or class prefixes; an enterprise's category
is the one with the longest matching prefix, so a class ("3825") wins over its division ("38").

    >>> section_of("C3731")
    'C'
    >>> load_categories("jiangsu-2020").category_of("3731")
    'shipbuilding'
"""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

__all__ = [
    "Category",
    "CategoryError",
    "CategorySet",
    "Industry",
    "UnknownIndustry",
    "available_category_sets",
    "division_of",
    "divisions",
    "get",
    "load_categories",
    "section_of",
    "sections",
]

DATA = resources.files("fugong.reference") / "data" / "industries"
TABLE = "gbt4754-2017.csv"
DEFAULT_CATEGORY_SET = "jiangsu-2020"

# Optional section letter, then a division (2 digits), group (3) or class (4).
_CODE = re.compile(r"^(?P<section>[A-T])?(?P<digits>\d{2,4})$")


class UnknownIndustry(LookupError):
    """A code that is not a GB/T 4754-2017 section, division, group or class of a known division."""


class CategoryError(ValueError):
    """A category-set TOML file that is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Industry:
    code: str  # "C" for a section, "37" for a division
    name_zh: str
    name_en: str
    level: str  # "section" | "division"
    section: str  # the section letter ("C"); a section's own letter for a section


@cache
def _table() -> dict[str, Industry]:
    with (DATA / TABLE).open(encoding="utf-8", newline="") as handle:
        return {
            row["code"]: Industry(
                code=row["code"],
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                level=row["level"],
                section=row["section"],
            )
            for row in csv.DictReader(handle)
        }


def sections() -> list[Industry]:
    """The 20 sections A–T, in order."""
    return [i for i in _table().values() if i.level == "section"]


def divisions() -> list[Industry]:
    """The 97 divisions 01–97, in order."""
    return [i for i in _table().values() if i.level == "division"]


def get(code: str) -> Industry:
    """The section ('C') or division ('37', 'C37') with this code; raises UnknownIndustry."""
    text = str(code).strip()
    match = _CODE.match(text)
    if match and len(match["digits"]) == 2:
        text = match["digits"]
    try:
        industry = _table()[text]
    except KeyError:
        raise UnknownIndustry(
            f"未知行业代码 unknown GB/T 4754-2017 section or division: {code!r} "
            "(a section is a letter A–T, a division two digits 01–97)"
        ) from None
    if match and match["section"] and match["section"] != industry.section:
        raise UnknownIndustry(f"行业代码不一致 {code!r}: division {text} is in section {industry.section}, not {match['section']}")
    return industry


def _division_digits(code: str) -> str:
    """The division ('37') of a division, group or class code with optional section letter."""
    text = str(code).strip()
    match = _CODE.match(text)
    if not match:
        raise UnknownIndustry(
            f"未知行业代码 not a GB/T 4754-2017 code: {code!r} "
            "(expected a section letter A–T, or 2–4 digits with an optional section letter, e.g. 'C3731')"
        )
    division = get(match["digits"][:2])
    if match["section"] and match["section"] != division.section:
        raise UnknownIndustry(
            f"行业代码不一致 {code!r}: division {division.code} is in section {division.section}, not {match['section']}"
        )
    return match["digits"]


def division_of(code: str) -> str:
    """The two-digit division of a division, group or class code: 'C3731' → '37'."""
    return _division_digits(code)[:2]


def section_of(code: str) -> str:
    """The section letter of a section, division, group or class code: '3731' → 'C', 'C3731' → 'C'."""
    text = str(code).strip()
    if len(text) == 1:
        return get(text).section
    return get(_division_digits(text)[:2]).section


# --- configured categories ------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    code: str  # a short stable key, e.g. "shipbuilding"
    name_zh: str
    name_en: str
    prefixes: tuple[str, ...]  # GB/T 4754 division/group/class codes, e.g. ("373",)


@dataclass(frozen=True)
class CategorySet:
    name: str
    title_zh: str
    title_en: str
    source: str
    note: str
    categories: list[Category]

    def category_of(self, industry_code: str) -> str | None:
        """The category code with the longest prefix of this division/group/class code, or None.

        A bare section letter has no digits to match and gives None.
        """
        text = str(industry_code).strip()
        if len(text) == 1:
            get(text)  # validate the letter
            return None
        digits = _division_digits(text)
        for length in range(len(digits), 1, -1):
            found = self._by_prefix().get(digits[:length])
            if found is not None:
                return found
        return None

    def get(self, code: str) -> Category:
        for category in self.categories:
            if category.code == code:
                return category
        raise KeyError(f"category set {self.name!r} has no category {code!r}")

    def _by_prefix(self) -> dict[str, str]:
        return {prefix: c.code for c in self.categories for prefix in c.prefixes}


def available_category_sets() -> list[str]:
    """Names of the category sets shipped with fugong (TOML files in data/industries/categories)."""
    folder = DATA / "categories"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load_categories(name_or_path: str | Path = DEFAULT_CATEGORY_SET) -> CategorySet:
    """A category set by shipped name ('jiangsu-2020') or from a TOML file path.

    Raises CategoryError naming the file and field for a malformed file.
    """
    text_name = str(name_or_path)
    if text_name in available_category_sets():
        resource = DATA / "categories" / f"{text_name}.toml"
        label = f"categories/{text_name}.toml"
        raw = resource.read_text(encoding="utf-8")
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise CategoryError(
                f"行业分类集不存在 no category set {text_name!r}: not a shipped name "
                f"({', '.join(available_category_sets())}) and not a file"
            )
        label = str(path)
        raw = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise CategoryError(f"{label}: not valid TOML: {exc}") from None
    return _parse_category_set(data, label)


def _required_text(table: dict, field: str, where: str) -> str:
    value = table.get(field)
    if not isinstance(value, str) or not value.strip():
        raise CategoryError(f"{where}: field {field!r} is missing or empty (缺少字段)")
    return value.strip()


def _parse_category_set(data: dict, label: str) -> CategorySet:
    name = _required_text(data, "name", label)
    entries = data.get("category")
    if not isinstance(entries, list) or not entries:
        raise CategoryError(f"{label}: no [[category]] tables (需要至少一个类别)")
    categories: list[Category] = []
    owner: dict[str, str] = {}  # prefix -> category code, to catch a prefix claimed twice
    for number, entry in enumerate(entries, start=1):
        where = f"{label}: [[category]] #{number}"
        code = _required_text(entry, "code", where)
        where = f"{label}: category {code!r}"
        if any(c.code == code for c in categories):
            raise CategoryError(f"{where}: field 'code' is used by two categories (类别代码重复)")
        name_zh = _required_text(entry, "name_zh", where)
        name_en = _required_text(entry, "name_en", where)
        prefixes = entry.get("prefixes")
        if not isinstance(prefixes, list) or not prefixes:
            raise CategoryError(f"{where}: field 'prefixes' must be a non-empty list of GB/T 4754 codes")
        for prefix in prefixes:
            if not isinstance(prefix, str) or not re.fullmatch(r"\d{2,4}", prefix):
                raise CategoryError(
                    f"{where}: field 'prefixes': {prefix!r} is not a 2–4 digit division/group/class code (as a string)"
                )
            if prefix[:2] not in _table():
                raise CategoryError(f"{where}: field 'prefixes': {prefix!r} is in unknown division {prefix[:2]} (未知大类)")
            if prefix in owner:
                raise CategoryError(
                    f"{where}: field 'prefixes': {prefix!r} is also in category {owner[prefix]!r} (前缀重复)"
                )
            owner[prefix] = code
        categories.append(Category(code=code, name_zh=name_zh, name_en=name_en, prefixes=tuple(prefixes)))
    return CategorySet(
        name=name,
        title_zh=str(data.get("title_zh", "")),
        title_en=str(data.get("title_en", "")),
        source=str(data.get("source", "")),
        note=str(data.get("note", "")),
        categories=categories,
    )
