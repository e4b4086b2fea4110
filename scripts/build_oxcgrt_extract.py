"""Build tests/control/data/oxcgrt/: OxCGRT's published data for the United Kingdom and its four
nations, every day of 2020, in fugong's tidy indicator format, plus the published index values.

    python scripts/build_oxcgrt_extract.py --git-dir /work/.mirror/OxCGRT+covid-policy-dataset/repo
    python scripts/build_oxcgrt_extract.py --source OxCGRT_raw_GBR_v1.csv --commit <sha>

Run at development time only; fugong never reads OxCGRT's files at run time. The source is
``data/subnat_raw/OxCGRT_raw_GBR_v1.csv`` of github.com/OxCGRT/covid-policy-dataset (the final
data, June 2023; CC BY 4.0), read from a git checkout or mirror of that repository (``--git-dir``,
``--commit``, default HEAD) or from a downloaded copy of the file (``--source``; then ``--commit``
names the commit it was downloaded from).

What it writes (the tests read these through ``read_feed(..., model=load_model("oxcgrt-v3.6"))``):

- ``gbr-2020-indicators.csv``: ``region_code,date,indicator,value,flag``, one row per region, day
  and indicator: the 16 indicators of the four indices (C1–C8, E1, E2, H1–H3, H6–H8).
- ``gbr-2020-published.csv``: ``region_code,date,index,value``, OxCGRT's four published index
  values with their two decimals as published (``stringency``, ``containment_health``,
  ``economic_support``, ``government_response``: the preset's index codes).
- ``README.md``: source file, repository, commit, file hash, licence and attribution, this command.

Rows taken (the file's ``CountryCode``/``RegionCode`` and ``Jurisdiction``):

    GBR     NAT_TOTAL    → GBR     the United Kingdom, all policies in force (what OxCGRT's national files carry)
    UK_ENG  STATE_WIDE   → UK_ENG  England; UK_NIR, UK_SCO, UK_WAL likewise (the only rows the file has for the nations)

``NAT_GOV`` (the UK government's own policies only) is left out. Columns: for the ten indicators
OxCGRT splits by vaccination status (C1–C8, H6, H8) the ``E`` ("everyone") value and flag; in 2020
no policy was differentiated, which the script checks (the ``NV`` and ``V`` columns are empty).
Indicators without a flag (C8, E2, H2, H3) get an empty flag. Values are whole numbers ("2.00" →
"2"). The published index is the ``_WeightedAverage`` column (the ``_Average`` of OxCGRT's compact
files); the script checks that the four variants agree on every row of 2020. Anything unexpected
(a missing column, a duplicate or missing day, a fractional value) stops the build with the row.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "tests" / "control" / "data" / "oxcgrt"
SOURCE_PATH = "data/subnat_raw/OxCGRT_raw_GBR_v1.csv"
SOURCE_REPO = "https://github.com/OxCGRT/covid-policy-dataset"
YEAR = 2020

# (region code written, the file's RegionCode, Jurisdiction), in the order written. The national
# rows have CountryCode GBR and RegionCode "NAT_TOTAL" (RegionName "Country-wide") or empty (NAT_GOV).
REGIONS = (("GBR", "NAT_TOTAL", "NAT_TOTAL"), ("UK_ENG", "UK_ENG", "STATE_WIDE"),
           ("UK_NIR", "UK_NIR", "STATE_WIDE"), ("UK_SCO", "UK_SCO", "STATE_WIDE"),
           ("UK_WAL", "UK_WAL", "STATE_WIDE"))


def _split(code: str, name: str, flag: bool) -> tuple:
    empty = [f"{code}{v}_{name}" for v in ("NV", "V")] + ([f"{code}{v}_Flag" for v in ("NV", "V")] if flag else [])
    return f"{code}E_{name}", f"{code}E_Flag" if flag else None, tuple(empty)


# indicator → (value column, flag column or None, columns that must be empty in 2020).
INDICATORS = {
    "C1": _split("C1", "School closing", True),
    "C2": _split("C2", "Workplace closing", True),
    "C3": _split("C3", "Cancel public events", True),
    "C4": _split("C4", "Restrictions on gatherings", True),
    "C5": _split("C5", "Close public transport", True),
    "C6": _split("C6", "Stay at home requirements", True),
    "C7": _split("C7", "Restrictions on internal movement", True),
    "C8": _split("C8", "International travel controls", False),
    "E1": ("E1_Income support", "E1_Flag", ()),
    "E2": ("E2_Debt/contract relief", None, ()),
    "H1": ("H1_Public information campaigns", "H1_Flag", ()),
    "H2": ("H2_Testing policy", None, ()),
    "H3": ("H3_Contact tracing", None, ()),
    "H6": _split("H6", "Facial Coverings", True),
    "H7": ("H7_Vaccination policy", "H7_Flag", ()),
    "H8": _split("H8", "Protection of elderly people", True),
}

# preset index code → OxCGRT's column stem; the variants must agree in 2020.
INDICES = {"stringency": "StringencyIndex", "containment_health": "ContainmentHealthIndex",
           "government_response": "GovernmentResponseIndex"}
VARIANTS = ("_WeightedAverage", "_SimpleAverage", "_NonVaccinated", "_Vaccinated")
ECONOMIC = ("economic_support", "EconomicSupportIndex")  # never differentiated: one column


class ExtractError(ValueError):
    pass


def _git(git_dir: str, *args: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True).stdout


def _whole(text: str, where: str) -> str:
    number = float(text)
    if number != int(number) or number < 0:
        raise ExtractError(f"{where}: {text!r} is not a whole number")
    return str(int(number))


def extract(text: str) -> tuple[list[list[str]], list[list[str]]]:
    """(indicator rows, published rows) from the source CSV's text."""
    reader = csv.DictReader(io.StringIO(text))
    needed = {"CountryCode", "RegionCode", "Jurisdiction", "Date", "EconomicSupportIndex"}
    for value, flag, empty in INDICATORS.values():
        needed.update([value, *([flag] if flag else []), *empty])
    needed.update(stem + variant for stem in INDICES.values() for variant in VARIANTS)
    missing = sorted(needed - set(reader.fieldnames or ()))
    if missing:
        raise ExtractError(f"{SOURCE_PATH}: missing column(s) {', '.join(missing)}")
    wanted = {(file_code, jurisdiction): region for region, file_code, jurisdiction in REGIONS}
    days: dict[str, dict[dt.date, dict]] = {region: {} for region, _, _ in REGIONS}
    for row in reader:
        region = wanted.get((row["RegionCode"], row["Jurisdiction"]))
        if region is None or row["CountryCode"] != "GBR" or not row["Date"].startswith(str(YEAR)):
            continue
        day = dt.date(int(row["Date"][:4]), int(row["Date"][4:6]), int(row["Date"][6:8]))
        if day in days[region]:
            raise ExtractError(f"{SOURCE_PATH}:{reader.line_num}: second row for {region} {day}")
        days[region][day] = {**row, "_line": reader.line_num}
    year = [dt.date(YEAR, 1, 1) + dt.timedelta(days=n) for n in range((dt.date(YEAR + 1, 1, 1) - dt.date(YEAR, 1, 1)).days)]
    indicators, published = [], []
    for region, _, _ in REGIONS:
        absent = [d for d in year if d not in days[region]]
        if absent:
            raise ExtractError(f"{SOURCE_PATH}: {region} has no row for {len(absent)} day(s) of {YEAR}, first {absent[0]}")
        for day in year:
            row = days[region][day]
            where = f"{SOURCE_PATH}:{row['_line']} ({region} {day})"
            for code, (value_column, flag_column, empty) in INDICATORS.items():
                stray = [c for c in empty if row[c].strip()]
                if stray:
                    raise ExtractError(f"{where}: vaccine-differentiated value in {', '.join(stray)}")
                if not row[value_column].strip():
                    continue  # not recorded: the engine counts it missing, as OxCGRT does
                flag = row[flag_column].strip() if flag_column else ""
                if flag not in ("", "0", "1"):
                    raise ExtractError(f"{where}: {flag_column} is {flag!r}")
                indicators.append([region, day.isoformat(), code, _whole(row[value_column], f"{where}: {value_column}"), flag])
            for index, stem in INDICES.items():
                values = {row[stem + v].strip() for v in VARIANTS}
                if len(values) != 1:
                    raise ExtractError(f"{where}: {stem} variants disagree: {sorted(values)}")
                if row[stem + VARIANTS[0]].strip():
                    published.append([region, day.isoformat(), index, row[stem + VARIANTS[0]].strip()])
            if row[ECONOMIC[1]].strip():
                published.append([region, day.isoformat(), ECONOMIC[0], row[ECONOMIC[1]].strip()])
    return indicators, published


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


README = """# OxCGRT extract: the United Kingdom and its four nations, 2020

Test data for `tests/control/test_oxcgrt_published_values_are_reproduced.py`: OxCGRT's published
indicator values go through `read_feed(..., model=load_model("oxcgrt-v3.6"))` and fugong's engine,
and must give OxCGRT's published index values exactly.

| file | rows | columns |
|---|---|---|
| `gbr-2020-indicators.csv` | {n_indicators:,} indicator values | `region_code,date,indicator,value,flag` (fugong's tidy indicator format) |
| `gbr-2020-published.csv` | {n_published:,} index values | `region_code,date,index,value` (two decimals, as published) |

Regions: `GBR` (jurisdiction `NAT_TOTAL`: all policies in force in the United Kingdom) and
`UK_ENG`, `UK_NIR`, `UK_SCO`, `UK_WAL` (jurisdiction `STATE_WIDE`); every day from 2020-01-01 to
2020-12-31. Indicators: C1–C8, E1, E2, H1–H3, H6–H8 (the `E`, "everyone", columns of the
vaccine-differentiated ones; nothing was differentiated in 2020). Published indices: the
`_WeightedAverage` columns (equal to the other variants on every row of 2020) and
`EconomicSupportIndex`, under the preset's codes `stringency`, `containment_health`,
`economic_support`, `government_response`.

## Source

- Repository: {repo} (the final OxCGRT dataset, June 2023)
- Commit: `{commit}`
- File: `{path}` (git blob `{blob}`, SHA-256 `{sha256}`)

## Licence and attribution

The data is OxCGRT's, published under the Creative Commons Attribution 4.0 International licence
(CC BY 4.0, https://creativecommons.org/licenses/by/4.0/). Credit: **Oxford COVID-19 Government
Response Tracker, Blavatnik School of Government, University of Oxford.** Recommended reference:
Hale, T. et al. (2021), "A global panel database of pandemic policies (Oxford COVID-19 Government
Response Tracker)", Nature Human Behaviour, https://doi.org/10.1038/s41562-021-01079-8.
Changes made: rows and columns selected, reshaped to one row per region, day and indicator, values
written as whole numbers; no value changed.

## Rebuilding

Generated by `scripts/build_oxcgrt_extract.py` (do not edit by hand):

    {command}

(`--git-dir`: a clone of the repository; or download
{repo}/raw/{commit}/{path} and pass it as `--source … --commit {commit}`.)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--git-dir", help="a git checkout or mirror of OxCGRT/covid-policy-dataset")
    parser.add_argument("--commit", default="HEAD", help="the commit to read (with --git-dir), or the one --source came from")
    parser.add_argument("--source", type=Path, help=f"a downloaded copy of {SOURCE_PATH}")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if bool(args.git_dir) == bool(args.source):
        parser.error("give either --git-dir or --source")
    if args.git_dir:
        commit = _git(args.git_dir, "rev-parse", "--verify", f"{args.commit}^{{commit}}").decode().strip()
        data = _git(args.git_dir, "show", f"{commit}:{SOURCE_PATH}")
        command = f"python scripts/build_oxcgrt_extract.py --git-dir <covid-policy-dataset checkout> --commit {commit}"
    else:
        if args.commit == "HEAD":
            parser.error("with --source, --commit names the commit the file was downloaded from")
        commit, data = args.commit, args.source.read_bytes()
        command = f"python scripts/build_oxcgrt_extract.py --source OxCGRT_raw_GBR_v1.csv --commit {commit}"
    blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    try:
        indicators, published = extract(data.decode("utf-8-sig"))
    except ExtractError as exc:
        print(f"build_oxcgrt_extract: {exc}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    _write_csv(args.out / "gbr-2020-indicators.csv", ["region_code", "date", "indicator", "value", "flag"], indicators)
    _write_csv(args.out / "gbr-2020-published.csv", ["region_code", "date", "index", "value"], published)
    (args.out / "README.md").write_text(README.format(
        n_indicators=len(indicators), n_published=len(published), repo=SOURCE_REPO, commit=commit,
        path=SOURCE_PATH, blob=blob, sha256=hashlib.sha256(data).hexdigest(), command=command), encoding="utf-8")
    print(f"{args.out}: {len(indicators):,} indicator values, {len(published):,} published index values")
    return 0


if __name__ == "__main__":
    sys.exit(main())
