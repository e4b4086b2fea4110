"""Case data: the tidy input, its validation, and preparation for grading.

The tidy input is one row per region and day (CSV, UTF-8)::

    region_code,date,new_confirmed,cumulative_confirmed,new_local,new_imported,cluster_events,population,tests,positives
    330110,2020-02-10,2,,,,,1170000,,
    ,2020-02-10,,3,,,,,,            ← no region code: needs province_code, counts to the province only

Optional columns: ``name`` (shown in reports), ``province_code`` and ``label`` (for rows without a
region code, e.g. 境外输入 / 未公布来源). Every count column is optional; give at least one of
``new_confirmed`` or ``cumulative_confirmed``. Bad input raises ``CaseFileError`` listing every
problem as ``file:row: field: reason`` (row = line number in the file, header = 1).

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

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

COUNT_COLUMNS = ("new_confirmed", "cumulative_confirmed", "new_local", "new_imported", "cluster_events",
                 "population", "tests", "positives")
ADDITIVE = ("new_confirmed", "cumulative_confirmed", "new_local", "new_imported", "cluster_events", "tests", "positives")
OPTIONAL_COLUMNS = ("name", "province_code", "label")
MUNICIPALITIES = ("11", "12", "31", "50")
_CODE = re.compile(r"^\d{6}$")


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


def read_cases(path: str | Path):
    """Read and validate a tidy case CSV; raise CaseFileError naming file, row and field."""
    import pandas as pd

    path = Path(path)
    source = str(path)
    issues: list[CaseIssue] = []
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise CaseFileError([CaseIssue(source, 0, "file", "not found")]) from None
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        allowed = {"region_code", "date", *COUNT_COLUMNS, *OPTIONAL_COLUMNS}
        for column in header:
            if column not in allowed:
                issues.append(CaseIssue(source, 1, column, "unknown column; allowed: " + ", ".join(sorted(allowed))))
        for column in ("region_code", "date"):
            if column not in header:
                issues.append(CaseIssue(source, 1, column, "required column is missing"))
        if not {"new_confirmed", "cumulative_confirmed"} & set(header):
            issues.append(CaseIssue(source, 1, "new_confirmed", "give new_confirmed or cumulative_confirmed"))
        if issues:
            raise CaseFileError(issues)
        rows, seen = [], {}
        for line, raw in enumerate(reader, start=2):
            row = _validate_row(raw, source, line, issues)
            if row is None:
                continue
            key = (row["region_code"] or f"{row['province_code']}:{row['label']}", row["date"])
            if key in seen and row["region_code"]:
                issues.append(CaseIssue(source, line, "region_code",
                                        f"duplicate of row {seen[key]} ({key[0]} on {key[1]})"))
                continue
            seen[key] = line
            rows.append(row)
    if issues:
        raise CaseFileError(issues)
    frame = pd.DataFrame(rows, columns=["region_code", "date", "name", "province_code", "label", *COUNT_COLUMNS])
    frame.attrs["source"] = source
    return frame


def _validate_row(raw: dict, source: str, line: int, issues: list[CaseIssue]) -> dict | None:
    before = len(issues)
    code = (raw.get("region_code") or "").strip()
    province = (raw.get("province_code") or "").strip()
    if code and not _CODE.match(code):
        issues.append(CaseIssue(source, line, "region_code", f"{code!r} is not a six-digit GB/T 2260 code"))
    if not code:
        if not _CODE.match(province) or province[2:] != "0000":
            issues.append(CaseIssue(source, line, "province_code",
                                    "a row without region_code needs a province code like 330000"))
    text = (raw.get("date") or "").strip()
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        issues.append(CaseIssue(source, line, "date", f"{text!r} is not a date YYYY-MM-DD"))
        date = None
    counts = {}
    for column in COUNT_COLUMNS:
        value = (raw.get(column) or "").strip()
        if value == "":
            counts[column] = None
            continue
        try:
            number = float(value)
        except ValueError:
            issues.append(CaseIssue(source, line, column, f"{value!r} is not a number"))
            continue
        if number < 0 or not number.is_integer():
            issues.append(CaseIssue(source, line, column, f"{value!r} is not a whole number ≥ 0"))
            continue
        counts[column] = number
    if len(issues) > before:
        return None
    if counts.get("new_confirmed") is None and counts.get("cumulative_confirmed") is None:
        issues.append(CaseIssue(source, line, "new_confirmed", "row has neither new_confirmed nor cumulative_confirmed"))
        return None
    return {"region_code": code, "date": date, "name": (raw.get("name") or "").strip(),
            "province_code": province or (code[:2] + "0000" if code else ""),
            "label": (raw.get("label") or "").strip(), **counts}


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

    repairs: list[Repair] = []
    coded = raw[raw["region_code"] != ""]
    series: dict[str, pd.DataFrame] = {}
    for code, rows in coded.groupby("region_code", sort=True):
        series[code] = _daily_series(code, rows, last_day, repairs)

    # Rows without region code: one series per (province, label); they count to the province only.
    labelled: dict[str, dict[str, pd.DataFrame]] = {}
    uncoded = raw[raw["region_code"] == ""]
    for (province, label), rows in uncoded.groupby(["province_code", "label"], sort=True):
        rows = rows.groupby("date", as_index=False)[list(COUNT_COLUMNS)].sum(min_count=1)
        key = f"{province}:{label or '未标注'}"
        labelled.setdefault(province, {})[label or "未标注"] = _daily_series(key, rows, last_day, repairs)

    gaps: list[Gap] = []
    _roll_up(series, labelled, gaps, last_day)

    frames = []
    for code, frame in series.items():
        frame = frame.copy()
        frame.insert(0, "region_code", code)
        population = frame["population"].dropna()
        value = float(population.iloc[-1]) if len(population) else (population_of(code) if population_of else None)
        frame["population"] = np.nan if value is None else value
        frame["level"] = region_level(code)
        frames.append(frame)
    daily = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["region_code", "date", "reported", *COUNT_COLUMNS, "level"])
    return PreparedCases(daily=daily, repairs=repairs, gaps=gaps, names=names, source=source)


def _daily_series(code: str, rows, last_day: dt.date, repairs: list[Repair]):
    """One region's complete daily grid from its first report to ``last_day``."""
    import pandas as pd

    rows = rows.sort_values("date").set_index("date")
    days = pd.date_range(rows.index.min(), max(last_day, rows.index.max()), freq="D").date
    frame = pd.DataFrame(index=pd.Index(days, name="date"))
    frame["reported"] = frame.index.isin(rows.index)
    for column in COUNT_COLUMNS:
        frame[column] = rows[column].reindex(frame.index) if column in rows else float("nan")

    cumulative = frame["cumulative_confirmed"]
    if cumulative.notna().any():
        known = cumulative.dropna()
        highest = known.cummax()
        for day in known.index[known < highest]:
            repairs.append(Repair(code, day, "cumulative_confirmed", float(known[day]), float(highest[day])))
        filled = highest.reindex(frame.index).ffill()
        derived = filled.diff().fillna(filled)
        derived = derived.where(filled.notna())
        new = frame["new_confirmed"]
        frame["new_confirmed"] = new.where(new.notna(), derived)
        frame["cumulative_confirmed"] = filled
    return frame.reset_index()


def _roll_up(series: dict, labelled: dict, gaps: list[Gap], last_day: dt.date) -> None:
    """Add parents (city, province) to ``series``; report parent − children gaps (in place)."""
    import pandas as pd

    for level in ("county", "city"):
        children_by_parent: dict[str, list[str]] = {}
        for code in list(series):
            if region_level(code) == level:
                children_by_parent.setdefault(parent_code(code), []).append(code)
        if level == "city":  # provinces with only labelled rows still exist
            for province in labelled:
                children_by_parent.setdefault(province, [])
        for parent, children in sorted(children_by_parent.items()):
            extra = labelled.get(parent, {}) if region_level(parent) == "province" else {}
            parts = [series[c] for c in children] + list(extra.values())
            start = min(p["date"].min() for p in parts)
            if parent in series:
                start = min(start, series[parent]["date"].min())
            days = pd.date_range(start, last_day, freq="D").date
            total = pd.DataFrame({"date": days})
            summed = {c: pd.Series(0.0, index=days) for c in ADDITIVE}
            present = {c: pd.Series(False, index=days) for c in ADDITIVE}
            reported = pd.Series(False, index=days)
            for part in parts:
                indexed = part.set_index("date").reindex(days)
                reported |= indexed["reported"].eq(True)
                for column in ADDITIVE:
                    values = indexed[column]
                    if column == "cumulative_confirmed":
                        values = values.ffill()
                    present[column] |= values.notna()
                    summed[column] = summed[column] + values.fillna(0.0)
            if parent not in series:
                total["reported"] = reported.to_numpy()
                for column in ADDITIVE:
                    total[column] = summed[column].where(present[column]).to_numpy()
                total["population"] = float("nan")
                series[parent] = total
                continue
            own = series[parent].set_index("date").reindex(days)
            own_cum = own["cumulative_confirmed"].ffill()
            if own_cum.notna().any():
                labelled_cum = {label: frame.set_index("date").reindex(days)["cumulative_confirmed"].ffill().fillna(0.0)
                                for label, frame in extra.items()}
                children_cum = summed["cumulative_confirmed"] - sum(labelled_cum.values(), pd.Series(0.0, index=days))
                own_reported = own["reported"].eq(True)
                for day in days:
                    if pd.isna(own_cum[day]) or not own_reported[day]:
                        continue
                    lab = {k: float(v[day]) for k, v in labelled_cum.items() if v[day]}
                    gap = float(own_cum[day]) - float(children_cum[day]) - sum(lab.values())
                    if gap != 0 or lab:
                        gaps.append(Gap(parent, day, "cumulative_confirmed", float(own_cum[day]),
                                        float(children_cum[day]), lab, gap))


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
