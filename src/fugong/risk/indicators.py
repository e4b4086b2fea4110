"""Indicators per region and day, computed from the prepared daily case frame (``cases.prepare``).

A window of n days ends on the grading day, inclusive: ``new_14d`` on day t sums days t−13..t.
Indicator names (n is any whole number of days)::

    cumulative                 cumulative confirmed cases
    new_<n>d                   new confirmed cases in the n-day window
    clusters_<n>d              cluster events (聚集性疫情) in the window
    days_since_last_new        days since the last day with a new case (None if never)
    ever_had_case              true once any case was confirmed
    local_share_pct            local cases as % of local + imported (cumulative)
    rate_<n>d_per_100k         new cases in the window per 100,000 people
    avg_daily_<n>d_per_100k    mean daily new cases over the window per 100,000 people
    testing_rate_<n>d_per_100k tests in the window per 100,000 people
    positivity_<n>d_pct        positives as % of tests in the window

Analytics here run on pandas, not Ibis: a case series is small (≈3,000 counties × 365 days) and
grading walks each region's days in order (hysteresis), which is not a set-based query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_PATTERNS: dict[str, tuple[str, ...]] = {
    r"cumulative": ("new_confirmed",),
    r"new_(\d+)d": ("new_confirmed",),
    r"clusters_(\d+)d": ("cluster_events",),
    r"days_since_last_new": ("new_confirmed",),
    r"ever_had_case": ("new_confirmed",),
    r"local_share_pct": ("new_local", "new_imported"),
    r"rate_(\d+)d_per_100k": ("new_confirmed", "population"),
    r"avg_daily_(\d+)d_per_100k": ("new_confirmed", "population"),
    r"testing_rate_(\d+)d_per_100k": ("tests", "population"),
    r"positivity_(\d+)d_pct": ("tests", "positives"),
}

# Labels for reasons: (zh, en); {n} is the window.
LABELS: dict[str, tuple[str, str]] = {
    r"cumulative": ("累计确诊", "cumulative confirmed cases"),
    r"new_(\d+)d": ("{n} 天内新增确诊", "new confirmed cases in {n} days"),
    r"clusters_(\d+)d": ("{n} 天内聚集性疫情", "cluster outbreaks in {n} days"),
    r"days_since_last_new": ("距最近新增天数", "days since the last new case"),
    r"ever_had_case": ("曾有确诊", "ever had a case"),
    r"local_share_pct": ("本地病例占比 %", "local case share %"),
    r"rate_(\d+)d_per_100k": ("{n} 天每 10 万人新增", "{n}-day cases per 100k"),
    r"avg_daily_(\d+)d_per_100k": ("{n} 天日均每 10 万人新增", "{n}-day average daily cases per 100k"),
    r"testing_rate_(\d+)d_per_100k": ("{n} 天每 10 万人检测", "{n}-day tests per 100k"),
    r"positivity_(\d+)d_pct": ("{n} 天检测阳性率 %", "{n}-day test positivity %"),
}

INPUT_LABELS = {
    "new_confirmed": ("新增确诊", "new confirmed cases"),
    "cumulative_confirmed": ("累计确诊", "cumulative confirmed cases"),
    "new_local": ("本地病例", "local cases"),
    "new_imported": ("输入病例", "imported cases"),
    "cluster_events": ("聚集性疫情", "cluster events"),
    "population": ("常住人口", "population"),
    "tests": ("检测数", "tests"),
    "positives": ("阳性数", "positive tests"),
}


def _match(name: str) -> tuple[str, re.Match] | None:
    for pattern in _PATTERNS:
        m = re.fullmatch(pattern, name)
        if m:
            return pattern, m
    return None


def is_known_indicator(name: str) -> bool:
    found = _match(name)
    return found is not None and all(int(g) >= 1 for g in found[1].groups())


def indicator_inputs(name: str) -> tuple[str, ...]:
    found = _match(name)
    if found is None:
        raise KeyError(f"unknown indicator {name!r}")
    return _PATTERNS[found[0]]


def label(name: str, lang: str = "zh") -> str:
    found = _match(name)
    if found is None:
        return name
    zh, en = LABELS[found[0]]
    n = found[1].group(1) if found[1].groups() else ""
    return (zh if lang == "zh" else en).format(n=n)


def compute(daily, names: Iterable[str], *, fallbacks: dict[str, float] | None = None):
    """Indicators for every region-day of ``daily``.

    ``daily`` has one row per region and day on a complete date grid (``cases.prepare``): columns
    region_code, date, reported, and the input columns (NaN where the source has nothing).
    ``fallbacks`` maps an input column or an indicator name to the value used when the region lacks it.

    Returns the frame with one column per indicator, plus ``missing`` (inputs lacking, no fallback)
    and ``fallbacks`` (fallback keys used), both tuples, and ``last_reported`` (date).
    """
    import numpy as np
    import pandas as pd

    fallbacks = dict(fallbacks or {})
    names = sorted(set(names))
    frame = daily.sort_values(["region_code", "date"]).reset_index(drop=True).copy()
    for column in INPUT_LABELS:
        if column not in frame:
            frame[column] = np.nan
    group = frame.groupby("region_code", sort=False)

    # Which inputs each region has at all (a source either reports a column for a region or not).
    has = {column: group[column].transform(lambda s: s.notna().any()) for column in INPUT_LABELS}
    used: dict[str, pd.Series] = {}
    for column, value in fallbacks.items():
        if column in INPUT_LABELS:
            lacking = ~has[column]
            frame.loc[lacking, column] = value
            used[column] = lacking
            has[column] = has[column] | lacking

    def rolling(column: str, n: int) -> pd.Series:
        values = frame[column].fillna(0.0)
        return values.groupby(frame["region_code"], sort=False).transform(
            lambda s: s.rolling(n, min_periods=1).sum())

    out = frame[["region_code", "date"]].copy()
    missing: list[set] = [set() for _ in range(len(frame))]
    fallback_used: list[set] = [set() for _ in range(len(frame))]
    for column, mask in used.items():
        for i in np.flatnonzero(mask.to_numpy()):
            fallback_used[i].add(column)

    population = frame["population"]
    new = frame["new_confirmed"].fillna(0.0)
    for name in names:
        pattern, m = _match(name)
        n = int(m.group(1)) if m.groups() else 0
        if pattern == r"cumulative":
            values = new.groupby(frame["region_code"], sort=False).cumsum()
            if frame["cumulative_confirmed"].notna().any():
                values = frame["cumulative_confirmed"].where(frame["cumulative_confirmed"].notna(), values)
        elif pattern == r"new_(\d+)d":
            values = rolling("new_confirmed", n)
        elif pattern == r"clusters_(\d+)d":
            values = rolling("cluster_events", n)
        elif pattern == r"days_since_last_new":
            values = _days_since_last_positive(frame, new)
        elif pattern == r"ever_had_case":
            values = (new.groupby(frame["region_code"], sort=False).cumsum() > 0)
        elif pattern == r"local_share_pct":
            local = frame["new_local"].fillna(0).groupby(frame["region_code"], sort=False).cumsum()
            imported = frame["new_imported"].fillna(0).groupby(frame["region_code"], sort=False).cumsum()
            total = local + imported
            values = (100.0 * local / total.where(total > 0)).fillna(0.0)
        elif pattern == r"rate_(\d+)d_per_100k":
            values = rolling("new_confirmed", n) / population * 1e5
        elif pattern == r"avg_daily_(\d+)d_per_100k":
            values = rolling("new_confirmed", n) / n / population * 1e5
        elif pattern == r"testing_rate_(\d+)d_per_100k":
            values = rolling("tests", n) / population * 1e5
        else:  # positivity
            tests = rolling("tests", n)
            values = 100.0 * rolling("positives", n) / tests.where(tests > 0)
        lacking = np.zeros(len(frame), dtype=bool)
        for column in _PATTERNS[pattern]:
            absent = ~has[column].to_numpy()
            for i in np.flatnonzero(absent):
                missing[i].add(column)
            lacking |= absent
        if name in fallbacks:
            idx = np.flatnonzero(lacking | values.isna().to_numpy())
            values = values.copy()
            values.iloc[idx] = fallbacks[name]
            for i in idx:
                fallback_used[i].add(name)
                missing[i].difference_update(_PATTERNS[pattern])
        else:
            values = values.where(~pd.Series(lacking, index=values.index))
        out[name] = values

    reported_dates = frame["date"].where(frame["reported"].astype(bool))
    out["last_reported"] = reported_dates.groupby(frame["region_code"], sort=False).ffill()
    out["missing"] = [tuple(sorted(s)) for s in missing]
    out["fallbacks"] = [tuple(sorted(s)) for s in fallback_used]
    return out


def _days_since_last_positive(frame, new):
    """Days since the last day with new > 0, per region; NaN before the first case."""
    import pandas as pd

    last = frame["date"].where(new > 0).groupby(frame["region_code"], sort=False).ffill()
    return (pd.to_datetime(frame["date"]) - pd.to_datetime(last)).dt.days
