"""Convert the public daily city files (canghailan/Wuhan-2019-nCoV, MIT) into tidy case rows.

Input: a folder with one CSV per day, columns
``date,country,countryCode,province,provinceCode,city,cityCode,confirmed,suspected,cured,dead``;
``confirmed`` is cumulative. Rows of other countries and the national total are skipped.

Mapping to GB/T 2260 (vintage 2020), row by row:

- a province row (no city) keeps ``provinceCode``;
- a city row keeps ``cityCode`` when it is a 2020 code inside the province (杭州市 330100);
- otherwise its name is looked up inside the province, also with 市 appended (公主岭 → 220381
  公主岭市, 韩城 → 610581 韩城市, whose source codes 136100 / 715400 are not GB/T 2260);
- otherwise the row has no region code and counts to its province only, labelled by its name
  (未公布来源 3300xx, 境外输入 3300y1, 两江新区, 第七师 …);
- a city row that repeats the province (香港特别行政区 810000) is dropped.

Two source rows landing on the same code and day keep the larger count; every such merge and
every name-based or unassigned mapping is listed in the report. Note that Zhejiang's rows are per
prefecture city, not per county (see docs/risk.md on grading at city level).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

SOURCE = "canghailan/Wuhan-2019-nCoV (MIT), daily city files"
TIDY_COLUMNS = ("region_code", "date", "name", "province_code", "label", "cumulative_confirmed")


@dataclass(frozen=True)
class Mapping:
    province_code: str
    city: str
    source_code: str
    region_code: str  # "" when the row counts to the province only
    how: str  # "code" | "name" | "unassigned" | "merged"


def _lookup(province_code: str, city: str, code: str, vintage: str) -> tuple[str, str]:
    from fugong.reference import regions

    prefix = province_code[:2]
    if code.isdigit() and len(code) == 6 and code.startswith(prefix) and regions.find(code, vintage=vintage):
        return code, "code"
    for name in (city, city + "市"):
        for region in regions.search(name, vintage=vintage):
            if region.name == name and region.code.startswith(prefix) and region.code != province_code:
                return region.code, "name"
    return "", "unassigned"


def convert(folder: str | Path, *, vintage: str = "2020", start: str | None = None, end: str | None = None):
    """Tidy rows (list of dicts, TIDY_COLUMNS) and the mapping report (list of Mapping)."""
    folder = Path(folder)
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"{folder}: no daily CSV files")
    cache: dict[tuple[str, str, str], tuple[str, str]] = {}
    report: dict[tuple[str, str, str], Mapping] = {}
    rows: dict[tuple[str, str], dict] = {}
    for path in files:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for line, raw in enumerate(csv.DictReader(fh), start=2):
                if raw.get("countryCode") != "CN" or not raw.get("provinceCode"):
                    continue
                day = raw["date"]
                if (start and day < start) or (end and day > end):
                    continue
                province_code = raw["provinceCode"].strip()
                city = (raw.get("city") or "").strip()
                city_code = (raw.get("cityCode") or "").strip()
                try:
                    confirmed = int(float(raw["confirmed"]))
                except (TypeError, ValueError):
                    raise ValueError(f"{path}:{line}: confirmed: {raw.get('confirmed')!r} is not a number") from None
                if not city:
                    code, label, name = province_code, "", raw["province"].strip()
                else:
                    if city_code == province_code:
                        continue
                    key = (province_code, city, city_code)
                    if key not in cache:
                        cache[key] = _lookup(province_code, city, city_code, vintage)
                        report[key] = Mapping(province_code, city, city_code, *cache[key])
                    code, _how = cache[key]
                    label, name = ("" if code else city), city
                row_key = (code or f"{province_code}:{label}", day)
                row = {"region_code": code, "date": day, "name": name, "province_code": province_code,
                       "label": label, "cumulative_confirmed": confirmed}
                if row_key in rows:
                    kept = rows[row_key]
                    report[(province_code, city, f"{city_code}@{day}")] = Mapping(
                        province_code, city, city_code, code, "merged")
                    kept["cumulative_confirmed"] = max(kept["cumulative_confirmed"], confirmed)
                else:
                    rows[row_key] = row
    ordered = sorted(rows.values(), key=lambda r: (r["date"], r["province_code"], r["region_code"], r["label"]))
    return ordered, sorted(report.values(), key=lambda m: (m.province_code, m.city, m.how))


def write_tidy(rows: list[dict], out: str | Path) -> None:
    with Path(out).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=TIDY_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
