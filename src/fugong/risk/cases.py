"""Case data: the tidy input, its validation, and preparation for grading.

The tidy input is one row per region and day (CSV, UTF-8)::

    region_code,date,new_confirmed,cumulative_confirmed,new_local,new_imported,cluster_events,population,tests,positives
    330110,2020-02-10,2,,,,,1170000,,
    ,2020-02-10,,3,,,,,,            ← no region code: needs province_code, counts to the province only

Optional columns: ``name`` (shown in reports), ``province_code`` and ``label`` (for rows without a
region code, e.g. 境外输入 / 未公布来源). Every count column is optional; give at least one of
``new_confirmed`` or ``cumulative_confirmed``. A bad row is rejected, not the file: ``read_cases``
returns the good rows with the rejected ones in ``frame.attrs["rejects"]`` (``CaseIssue``: file, row,
field, reason; row = line number, header = 1), which the CLI writes to a rejects file. A file that
cannot be read at all (missing, a folder, not UTF-8/UTF-16/GBK, a bad header, no valid row) raises
``CaseFileError`` naming it. Codes must be GB/T 2260 codes of some vintage (not 000000, not 999999),
counts plain ASCII whole numbers, dates YYYY-MM-DD between 2000 and 2100.

Preparation (``prepare``), in this order:

1. **Repair.** A cumulative count that goes down is raised to the highest earlier value (a
   cumulative count cannot fall; the drop is treated as a reporting error, and the day's new count
   becomes 0 until the series passes its old maximum). Every changed value is listed in ``repairs``
   (region, date, reported, repaired) — never silently.
2. **Daily new.** Where only cumulative counts are given, new = today's repaired cumulative − the
   previous report's (the first report counts in full: series start with the outbreak). Missing
   days are not zeros: the region is marked unreported that day (staleness is judged from it).
3. **Roll-up.** County → prefecture city → province, by code structure (GB/T 2260: ``xx90xx``
   and the four municipalities' districts sit directly under the province). A parent that reports
   its own numbers keeps them; the parent minus the sum of its children (and of its rows without
   region code) is reported in ``gaps`` as unassigned. A parent without its own rows gets the sum.
4. **Population** from the ``population`` column (latest value per region), else from the region
   attribute file (``fugong.reference.regions.population``), else missing (rates are then grey).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from fugong.errors import shorten, shown

COUNT_COLUMNS = ("new_confirmed", "cumulative_confirmed", "new_local", "new_imported", "cluster_events",
                 "population", "tests", "positives")
ADDITIVE = ("new_confirmed", "cumulative_confirmed", "new_local", "new_imported", "cluster_events", "tests", "positives")
OPTIONAL_COLUMNS = ("name", "province_code", "label")
MUNICIPALITIES = ("11", "12", "31", "50")
_CODE = re.compile(r"^[0-9]{6}$")  # ASCII: \d and str.isdigit() also take full-width ６
_COUNT = re.compile(r"^[0-9]{1,12}(\.0*)?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


@dataclass(frozen=True)
class CaseIssue:
    file: str
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.field}: {self.reason}"


class CaseFileError(ValueError):
    """A case file has bad rows; ``issues`` lists each with file, row, field and reason."""

    def __init__(self, issues: list[CaseIssue]):
        self.issues = issues
        shown = "\n".join(str(i) for i in issues[:50])
        more = f"\n… and {len(issues) - 50} more" if len(issues) > 50 else ""
        super().__init__(f"{len(issues)} problem(s) in case data:\n{shown}{more}")


@dataclass(frozen=True)
class Repair:
    region_code: str
    date: dt.date
    field: str
    reported: float
    repaired: float
    rule: str = "cumulative-never-falls: raised to the highest earlier value"


@dataclass(frozen=True)
class Gap:
    parent_code: str
    date: dt.date
    field: str
    parent_value: float
    children_sum: float
    labelled: dict  # e.g. {"境外输入": 3.0}: rows without region code, counted to the province only
    unassigned: float  # parent − children − labelled


@dataclass
class PreparedCases:
    daily: object  # pandas.DataFrame: region_code, date, reported, level, COUNT_COLUMNS
    repairs: list[Repair] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    source: str = ""


# ---------------------------------------------------------------- regions by code structure


def region_level(code: str) -> str:
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "city"
    return "county"


def parent_code(code: str) -> str | None:
    """GB/T 2260 parent by code structure: county → city (or province), city → province."""
    level = region_level(code)
    if level == "province":
        return None
    if level == "city" or code[:2] in MUNICIPALITIES or code[2:4] == "90":
        return code[:2] + "0000"
    return code[:4] + "00"


DEFAULT_VINTAGE = "2020"  # case data of 2020 uses the GB/T 2260 codes of early 2020


def reference_population(code: str, vintage: str | None = DEFAULT_VINTAGE) -> float | None:
    """Population from the region attribute file, if the reference package provides it."""
    try:
        from fugong.reference import regions
    except ImportError:  # the reference helper's module may not be installed yet
        return None
    try:
        value = regions.population(code, vintage=vintage) if vintage else regions.population(code)
    except (KeyError, LookupError, ValueError):
        return None
    return float(value) if value else None


def reference_name(code: str, vintage: str | None = DEFAULT_VINTAGE) -> str | None:
    try:
        from fugong.reference import regions

        region = regions.find(code, vintage=vintage)
    except Exception:  # noqa: BLE001 - unknown code or module not there yet: no name
        return None
    return getattr(region, "name", None) if region else None


# ---------------------------------------------------------------- reading


def _known_code(code: str) -> bool:
    try:
        from fugong.reference.regions import find_in_any_vintage
    except ImportError:  # pragma: no cover
        return True
    return find_in_any_vintage(code) is not None


def read_cases(path: str | Path):
    """Read and validate a tidy case CSV: the good rows, with every bad row in ``attrs["rejects"]``.

    Raises CaseFileError (file, row, field) only when the file as a whole cannot be used."""
    import pandas as pd

    from fugong.store.textfiles import TextFileError, csv_rows, read_text

    path = Path(path)
    source = str(path)
    try:
        text = read_text(path)
    except TextFileError as exc:
        raise CaseFileError([CaseIssue(source, 0, "file", str(exc).removeprefix(f"{source}: "))]) from None
    issues: list[CaseIssue] = []
    rejects: list[CaseIssue] = []
    rows_in = csv_rows(text.lstrip("\ufeff"), source=source)
    try:
        header = [h.strip() for h in next(rows_in, (1, []))[1]]
        allowed = {"region_code", "date", *COUNT_COLUMNS, *OPTIONAL_COLUMNS}
        for column in header:
            if column not in allowed:
                issues.append(CaseIssue(source, 1, shorten(column), "unknown column; allowed: " + ", ".join(sorted(allowed))))
        for column in sorted({c for c in header if header.count(c) > 1}):
            issues.append(CaseIssue(source, 1, column, "duplicated column"))
        for column in ("region_code", "date"):
            if column not in header:
                issues.append(CaseIssue(source, 1, column, "required column is missing"))
        if not {"new_confirmed", "cumulative_confirmed"} & set(header):
            issues.append(CaseIssue(source, 1, "new_confirmed", "give new_confirmed or cumulative_confirmed"))
        if issues:
            raise CaseFileError(issues)
        rows, seen = [], {}
        for line, fields in rows_in:
            if not any(f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                rejects.append(CaseIssue(source, line, "(row)", f"{len(fields)} fields, the header has {len(header)}"))
                continue
            row = _validate_row(dict(zip(header, fields)), source, line, rejects)
            if row is None:
                continue
            key = (row["region_code"] or f"{row['province_code']}:{row['label']}", row["date"])
            if key in seen and row["region_code"]:
                rejects.append(CaseIssue(source, line, "region_code",
                                         f"duplicate of row {seen[key]} ({key[0]} on {key[1]})"))
                continue
            seen[key] = line
            rows.append(row)
    except TextFileError as exc:
        raise CaseFileError([CaseIssue(source, 0, "file", str(exc).removeprefix(f"{source}: "))]) from None
    if not rows:
        raise CaseFileError(rejects or [CaseIssue(source, 2, "(rows)", "no data rows")])
    frame = pd.DataFrame(rows, columns=["region_code", "date", "name", "province_code", "label", *COUNT_COLUMNS])
    frame.attrs["source"] = source
    frame.attrs["rejects"] = rejects
    return frame


def write_case_rejects(frame_or_issues, rejects_dir: Path, *, source: str) -> Path | None:
    """The rejected rows of a case file (``read_cases``' ``attrs["rejects"]``, or a CaseFileError's
    issues) in a rejects file of their own; None when there are none."""
    from fugong.store.rejects import write_rejects

    issues = frame_or_issues.attrs.get("rejects", []) if hasattr(frame_or_issues, "attrs") else frame_or_issues
    return write_rejects(rejects_dir, source=source, label="risk-cases", fields=["file", "row", "field", "reason"],
                         rows=[{"file": i.file, "row": i.row, "field": i.field, "reason": i.reason} for i in issues])


def _validate_row(raw: dict, source: str, line: int, issues: list[CaseIssue]) -> dict | None:
    before = len(issues)
    code = (raw.get("region_code") or "").strip()
    province = (raw.get("province_code") or "").strip()
    if code and not (_CODE.match(code) and _known_code(code)):
        issues.append(CaseIssue(source, line, "region_code", f"{shown(code)} is not a six-digit GB/T 2260 code"))
    if not code:
        if not _CODE.match(province) or province[2:] != "0000" or not _known_code(province):
            issues.append(CaseIssue(source, line, "province_code",
                                    "a row without region_code needs a province code like 330000"))
    text = (raw.get("date") or "").strip()
    date = None
    try:
        if _DATE.match(text):
            date = dt.date.fromisoformat(text)
    except ValueError:
        pass
    if date is None or not FIRST_DAY <= date <= LAST_DAY:
        issues.append(CaseIssue(source, line, "date", f"{shown(text)} is not a date YYYY-MM-DD between 2000 and 2100"))
        date = None
    counts = {}
    for column in COUNT_COLUMNS:
        value = (raw.get(column) or "").strip()
        if value == "":
            counts[column] = None
            continue
        if not _COUNT.match(value):
            issues.append(CaseIssue(source, line, column, f"{shown(value)} is not a whole number ≥ 0"))
            continue
        counts[column] = float(value)
    if len(issues) > before:
        return None
    if counts.get("new_confirmed") is None and counts.get("cumulative_confirmed") is None:
        issues.append(CaseIssue(source, line, "new_confirmed", "row has neither new_confirmed nor cumulative_confirmed"))
        return None
    return {"region_code": code, "date": date, "name": shorten((raw.get("name") or "").strip(), 80),
            "province_code": province or (code[:2] + "0000" if code else ""),
            "label": shorten((raw.get("label") or "").strip(), 80), **counts}


# ---------------------------------------------------------------- preparation


def prepare(raw, *, end: dt.date | None = None, population_of=reference_population, source: str = "") -> PreparedCases:
    """Repair, derive daily new counts, roll up, attach population (see the module docstring)."""
    import numpy as np
    import pandas as pd

    source = source or raw.attrs.get("source", "")
    raw = raw.copy()
    for column in COUNT_COLUMNS:
        if column not in raw:
            raw[column] = np.nan
        raw[column] = pd.to_numeric(raw[column], errors="coerce")
    for column in OPTIONAL_COLUMNS:
        if column not in raw:
            raw[column] = ""
    raw["date"] = pd.to_datetime(raw["date"]).dt.date
    last_day = end or max(raw["date"])
    names = {r.region_code: r.name for r in raw.itertuples() if r.region_code and r.name}

    # One key per series: the region code, or "<province>:<label>" for rows without a code
    # (several rows of one label on one day are summed).
    raw["key"] = raw["region_code"].where(raw["region_code"] != "",
                                          raw["province_code"] + ":" + raw["label"].replace("", "未标注"))
    raw = raw.groupby(["key", "date"], as_index=False)[list(COUNT_COLUMNS)].sum(min_count=1)
    repairs: list[Repair] = []
    grid = _daily_frame(raw, last_day, repairs)
    is_labelled = grid["key"].str.contains(":")
    labelled = grid[is_labelled].copy()
    labelled["parent"] = labelled["key"].str[:6]
    labelled["label"] = labelled["key"].str[7:]
    series = grid[~is_labelled].rename(columns={"key": "region_code"})

    gaps: list[Gap] = []
    series = _roll_up(series, labelled, gaps)

    populations = series.groupby("region_code")["population"].last()
    lookup = {}
    for code in series["region_code"].unique():
        value = populations.get(code)
        if value is None or pd.isna(value):
            value = population_of(code) if population_of else None
        lookup[code] = np.nan if value is None else float(value)
    series["population"] = series["region_code"].map(lookup)
    series["level"] = series["region_code"].map(region_level)
    daily = series.sort_values(["region_code", "date"]).reset_index(drop=True)
    return PreparedCases(daily=daily, repairs=repairs, gaps=gaps, names=names, source=source)


def _daily_frame(raw, last_day: dt.date, repairs: list[Repair]):
    """Every series on a complete daily grid from its first report to ``last_day``.

    ``raw``: key, date, COUNT_COLUMNS (one row per key and day). Returns key, date, reported and the
    counts, with cumulative counts repaired and forward-filled and new counts derived from them.
    """
    import numpy as np
    import pandas as pd

    firsts = raw.groupby("key")["date"].min()
    keys, days = [], []
    for key, first in firsts.items():
        span = pd.date_range(first, max(last_day, first), freq="D").date
        keys.append(np.full(len(span), key, dtype=object))
        days.append(span)
    grid = pd.DataFrame({"key": np.concatenate(keys), "date": np.concatenate(days)})
    merged = grid.merge(raw.assign(reported=True), on=["key", "date"], how="left")
    merged["reported"] = merged["reported"].eq(True)

    known = merged["cumulative_confirmed"]
    highest = known.groupby(merged["key"]).cummax()  # skips NaN: the highest report so far
    for row in merged[known < highest].itertuples():
        repairs.append(Repair(row.key, row.date, "cumulative_confirmed", float(row.cumulative_confirmed),
                              float(highest[row.Index])))
    filled = highest.groupby(merged["key"]).ffill()
    previous = filled.groupby(merged["key"]).shift(1).fillna(0.0)
    derived = (filled - previous).where(filled.notna())
    merged["new_confirmed"] = merged["new_confirmed"].where(merged["new_confirmed"].notna(), derived)
    merged["cumulative_confirmed"] = filled
    return merged


def _roll_up(series, labelled, gaps: list[Gap]):
    """Add parents (city, then province); report parent − children − labelled gaps."""
    import pandas as pd

    def aggregate(frame):
        grouped = frame.groupby(["parent", "date"])
        out = grouped[list(ADDITIVE)].sum(min_count=1)
        out["reported"] = grouped["reported"].any()
        return out.reset_index()

    for level in ("county", "city"):
        kids = series[series["region_code"].map(region_level) == level].copy()
        kids["parent"] = kids["region_code"].map(parent_code)
        if level == "city" and len(labelled):
            sums = aggregate(pd.concat([kids, labelled[["parent", "date", "reported", *ADDITIVE]]]))
        else:
            sums = aggregate(kids)
        present = set(series["region_code"])
        new_parents = sums[~sums["parent"].isin(present)].rename(columns={"parent": "region_code"})
        new_parents["population"] = float("nan")
        own = series[series["region_code"].isin(set(sums["parent"])) & series["reported"]]
        if len(own):
            kid_cum = kids.groupby(["parent", "date"])["cumulative_confirmed"].sum()
            lab_cum = (labelled.groupby(["parent", "date", "label"])["cumulative_confirmed"].sum()
                       if level == "city" and len(labelled) else pd.Series(dtype=float))
            lab_by = {}
            for (parent, day, label), value in lab_cum.items():
                if value:
                    lab_by.setdefault((parent, day), {})[label] = float(value)
            for row in own.itertuples():
                if pd.isna(row.cumulative_confirmed):
                    continue
                children = float(kid_cum.get((row.region_code, row.date), 0.0))
                lab = lab_by.get((row.region_code, row.date), {})
                gap = float(row.cumulative_confirmed) - children - sum(lab.values())
                if gap != 0 or lab:
                    gaps.append(Gap(row.region_code, row.date, "cumulative_confirmed",
                                    float(row.cumulative_confirmed), children, lab, gap))
        series = pd.concat([series, new_parents[series.columns.intersection(new_parents.columns)]],
                           ignore_index=True)
    return series


def load_prepared(path: str | Path, *, end: dt.date | None = None) -> PreparedCases:
    """Read a tidy case CSV and prepare it."""
    frame = read_cases(path)
    return prepare(frame, end=end, source=str(path))


def repairs_frame(prepared: PreparedCases):
    import pandas as pd

    return pd.DataFrame([r.__dict__ for r in prepared.repairs],
                        columns=["region_code", "date", "field", "reported", "repaired", "rule"])


def gaps_frame(prepared: PreparedCases):
    import pandas as pd

    return pd.DataFrame([g.__dict__ for g in prepared.gaps],
                        columns=["parent_code", "date", "field", "parent_value", "children_sum", "labelled", "unassigned"])


def name_of(code: str, prepared: PreparedCases | None = None) -> str:
    """The region's name: from the reference, else from the case file, else the code."""
    return reference_name(code) or (prepared.names.get(code) if prepared else None) or code
