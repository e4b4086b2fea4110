"""GB/T 2260 regions with a vintage: lookups by code and name, descendants by prefix, vintage mapping.

Codes change (Hangzhou's districts were redrawn in March 2021), so every lookup takes a vintage:
``"2020"`` (the list of early 2020) or ``"2021"`` (the list after the 2021 changes, the default).
Data: ``data/regions/regions-<vintage>.csv`` with rows ``code,name,level,parent``, e.g.::

    330000,浙江省,province,
    330100,杭州市,city,330000
    330110,余杭区,county,330100

Level and parent rules (docs/reference-regions-maps.md): ``DD0000`` province, ``DDDD00`` city, else
county; municipalities have a ``DD0100`` 市辖区 city row; county-level units directly under a
province (429004 仙桃市 …) have the ``DD9000`` 省直辖县级行政区划 row as their city; cities without
districts (441900 东莞市) are cities with no county children.

Only the standard library is used; tables load once (functools caches) in a few milliseconds.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

VINTAGES: tuple[str, ...] = ("2020", "2021")
DEFAULT_VINTAGE = "2021"
LEVELS: tuple[str, ...] = ("province", "city", "county")

_DATA = resources.files("fugong.reference") / "data" / "regions"


class UnknownRegion(LookupError):
    """A region code that the chosen vintage does not have."""


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # province | city | county
    parent: str | None
    vintage: str


def _vintage(vintage: str | None) -> str:
    chosen = DEFAULT_VINTAGE if vintage is None else str(vintage)
    if chosen not in VINTAGES:
        raise ValueError(f"unknown vintage {chosen!r}: accepted values are {', '.join(VINTAGES)}")
    return chosen


def _normalise(code: str | int) -> str:
    """'33' → '330000', '3301' → '330100', 330110 → '330110'; anything else is an error."""
    text = str(code).strip()
    if not text.isdigit() or len(text) not in (2, 4, 6):
        raise ValueError(f"region code {code!r} is not 2, 4 or 6 digits (GB/T 2260)")
    return text.ljust(6, "0")


def _prefix(code_or_prefix: str | int) -> str:
    """The significant prefix: '330100' → '3301', '330000' → '33', '3301' → '3301'."""
    code = _normalise(code_or_prefix)
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


@lru_cache(maxsize=None)
def _table(vintage: str) -> dict[str, Region]:
    # csv.reader and the header's positions: DictReader's dict per row was 0.1 s of `index run --date`.
    with (_DATA / f"regions-{vintage}.csv").open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        at = {column: number for number, column in enumerate(next(rows))}
        code, name, level, parent = at["code"], at["name"], at["level"], at["parent"]
        return {row[code]: Region(row[code], row[name], row[level], row[parent] or None, vintage) for row in rows}


def find(code: str | int, *, vintage: str | None = None) -> Region | None:
    """The region with this code in the vintage, or None."""
    return _table(_vintage(vintage)).get(_normalise(code))


def find_in_any_vintage(code: str | int) -> Region | None:
    """The region with this code in the newest vintage that has it, or None.

    Meter and enterprise data carry the codes of their own time (Feb 2020 data uses 330103 下城区,
    abolished in 2021), so ingest accepts a code known to any shipped vintage.
    """
    for vintage in sorted(VINTAGES, reverse=True):
        region = find(code, vintage=vintage)
        if region is not None:
            return region
    return None


def get(code: str | int, *, vintage: str | None = None) -> Region:
    """The region with this code in the vintage; UnknownRegion if there is none."""
    chosen = _vintage(vintage)
    region = find(code, vintage=chosen)
    if region is None:
        elsewhere = [f"{r.name} in vintage {r.vintage}" for v in VINTAGES if v != chosen
                     for r in [find(code, vintage=v)] if r is not None]
        hint = f"; it exists as {', '.join(elsewhere)} (see map_code)" if elsewhere else ""
        raise UnknownRegion(
            f"未知行政区划代码 / unknown region code {str(code)!r} in vintage {chosen} (GB/T 2260){hint}"
        )
    return region


def all_regions(*, vintage: str | None = None, level: str | None = None) -> list[Region]:
    """Every region of the vintage in code order, optionally of one level."""
    regions = _table(_vintage(vintage)).values()
    if level is not None:
        _check_level(level)
        return [r for r in regions if r.level == level]
    return list(regions)


def children(code_or_prefix: str | int, *, vintage: str | None = None, level: str | None = None) -> list[Region]:
    """Descendants by code prefix ('3301' or '330100' → Hangzhou's districts; '33' → all of Zhejiang).

    With ``level`` only that level is returned, e.g. ``children('33', level='city')`` gives Zhejiang's
    eleven cities (the direct children) and ``children('33', level='county')`` its 90 counties.
    """
    prefix = _prefix(code_or_prefix)
    own = prefix.ljust(6, "0")
    found = [r for r in all_regions(vintage=vintage, level=level) if r.code.startswith(prefix) and r.code != own]
    return found


def search(name: str, *, vintage: str | None = None) -> list[Region]:
    """Regions whose name contains ``name``: exact matches first, then by level and code."""
    needle = name.strip()
    if not needle:
        return []
    hits = [r for r in all_regions(vintage=vintage) if needle in r.name]
    return sorted(hits, key=lambda r: (r.name != needle, LEVELS.index(r.level), r.code))


def chain(code: str | int, *, vintage: str | None = None) -> list[Region]:
    """The region and its ancestors, province first: [浙江省, 杭州市, 余杭区]."""
    region = get(code, vintage=vintage)
    out = [region]
    while out[-1].parent:
        out.append(get(out[-1].parent, vintage=region.vintage))
    return out[::-1]


def rollup(code: str | int) -> dict[str, str | None]:
    """Province, city and county codes of a code by GB/T 2260 prefix rules (no table lookup).

    ``rollup('330110')`` → ``{'province': '330000', 'city': '330100', 'county': '330110'}``;
    a city code has ``county`` None, a province code also ``city`` None. Municipal districts roll up
    to the 市辖区 row (110101 → 110100) and 省直辖 units to their grouping row (429004 → 429000).
    """
    full = _normalise(code)
    return {
        "province": full[:2] + "0000",
        "city": full[:4] + "00" if full[2:4] != "00" else None,
        "county": full if full[4:] != "00" else None,
    }


@lru_cache(maxsize=None)
def _changes() -> tuple[tuple[str, str], ...]:
    """Pairs (code in 2020, code in 2021): part of the old unit's area lies in the new one."""
    with (_DATA / "changes-2020-2021.csv").open(encoding="utf-8", newline="") as fh:
        return tuple((row["old_code"], row["new_code"]) for row in csv.DictReader(fh))


def map_code(code: str | int, *, from_vintage: str, to_vintage: str) -> list[str]:
    """Codes in ``to_vintage`` covering the area of ``code`` in ``from_vintage``.

    Unchanged codes map to themselves; abolished codes map to their successors (330104 江干区 →
    ['330102', '330114']), and backwards (330113 临平区 → ['330110']). A code that exists only in one
    vintage and has no recorded successor or predecessor raises UnknownRegion.
    """
    source, target = _vintage(from_vintage), _vintage(to_vintage)
    full = get(code, vintage=source).code
    if source == target:
        return [full]
    pairs = _changes()
    if (source, target) == ("2020", "2021"):
        mapped = sorted({new for old, new in pairs if old == full})
    else:
        mapped = sorted({old for old, new in pairs if new == full})
    if mapped:
        return mapped
    if find(full, vintage=target) is not None:
        return [full]
    raise UnknownRegion(
        f"region code {full} of vintage {source} has no counterpart in vintage {target} "
        "(not in data/regions/changes-2020-2021.csv)"
    )


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}: accepted values are {', '.join(LEVELS)}")


# --- population (a region attribute file) -------------------------------------------------------


@lru_cache(maxsize=None)
def _population(vintage: str) -> dict[str, int]:
    """Rows of data/regions/population.csv for one vintage: {code: population}."""
    with (_DATA / "population.csv").open(encoding="utf-8", newline="") as fh:
        return {row["code"]: int(row["population"]) for row in csv.DictReader(fh) if row["vintage"] == vintage}


def population(code: str | int, *, vintage: str | None = None) -> int | None:
    """Resident population of a region, or None when neither it nor its descendants have a figure.

    A region without a row of its own gets the sum over its children that have figures (recursively).
    The shipped file holds 2020 census totals for provinces and demo figures for Zhejiang's counties
    (see data/regions/SOURCES.md): good enough for rates per 100k in the demo, not official statistics.
    """
    chosen = _vintage(vintage)
    full = _normalise(code)
    return _population_of(full, chosen)


@lru_cache(maxsize=None)
def _population_of(code: str, vintage: str) -> int | None:
    figures = _population(vintage)
    if code in figures:
        return figures[code]
    if find(code, vintage=vintage) is None:
        return None
    direct = [r for r in children(code, vintage=vintage) if r.parent == code]
    counts = [n for n in (_population_of(r.code, vintage) for r in direct) if n is not None]
    return sum(counts) if counts else None


def population_source(code: str | int, *, vintage: str | None = None) -> str | None:
    """Where the figure for this code comes from (the ``source`` column), or 'sum of children'."""
    chosen = _vintage(vintage)
    full = _normalise(code)
    for row in _population_rows():
        if row["code"] == full and row["vintage"] == chosen:
            return f"{row['source']} ({row['year']})"
    return "sum of children" if population(full, vintage=chosen) is not None else None


@lru_cache(maxsize=1)
def _population_rows() -> tuple[dict[str, str], ...]:
    with (_DATA / "population.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))
