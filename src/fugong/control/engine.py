"""The composite-index engine: indicator values → 0–100 scores → indices, raw and display series.

Pure functions over plain data (no database, no web): the CLI's stateless ``compute`` and the
store-backed ``run`` call the same ``compute``. Arithmetic is exact (fractions) until the single
rounding step, so a published value such as 57.1875 → 57.19 or a tie such as 41.125 → 41.12
(half to even) comes out the same on every machine.

For each region and date, for each index of the model (OxCGRT index methodology v3.6):

1. every indicator present that day gets its score (``score``); a missing one counts as 0 in the
   mean (``missing.score = "zero"``, OxCGRT) or is left out of it (``"skip"``);
2. ``present`` = how many of the index's k indicators have a value (a value of 0 is present);
   the raw index is null when ``present < required`` (OxCGRT: k−1, economic support k);
3. recency rule (``missing.recent_rule``): inside the last ``recent_days`` days up to ``as_of`` a
   day is also null when another day of that window had more indicators present — a day still
   being filled in does not move the series;
4. the display series: inside the last ``display_days`` days, a null day shows the last good
   value before it, marked with the date it was carried from (``carried_from``).

Dates: each region gets every day from its first observation to ``as_of`` (default: the latest
date in the input), so a region that stopped reporting shows null days, not a silent end.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Iterable

from fugong.control.model import Index, Indicator, Model

HALF = Fraction(1, 2)


@dataclass(frozen=True)
class Observation:
    """One indicator value of one region on one day (the tidy feed row, parsed)."""

    region_code: str
    date: dt.date
    indicator: str
    value: Fraction
    flag: int | None = None  # None: no flag recorded


@dataclass(frozen=True)
class Result:
    region_code: str
    date: dt.date
    index: str
    value: Decimal | None  # rounded as the model says; None = null
    present: int
    required: int
    exact: Fraction | None = None  # before rounding (tests, diagnostics)
    display: Decimal | None = None
    carried_from: dt.date | None = None  # set when ``display`` is a value carried forward

    def as_row(self, *, display: bool = False) -> dict:
        row = {"region_code": self.region_code, "date": self.date, "index": self.index, "value": self.value,
               "present": self.present, "required": self.required}
        if display:
            row["display"] = self.display
            row["carried_forward"] = self.carried_from
        return row


def score(indicator: Indicator, value: Fraction, flag: int | None, *, missing_flag: int = 0) -> Fraction:
    """The 0–100 score of one value (the model's normalisation; see fugong.control.model)."""
    if indicator.kind == "ordinal":
        if value == 0:
            return Fraction(0)  # no policy: the flag is blank and the score is 0 (OxCGRT)
        if indicator.flag:
            recorded = missing_flag if flag is None else flag
            return 100 * (value - HALF * (1 - recorded)) / indicator.max
        return 100 * value / indicator.max
    span = indicator.upper - indicator.lower
    clamped = min(max(value, indicator.lower), indicator.upper)
    if indicator.direction == "up":
        return 100 * (clamped - indicator.lower) / span
    return 100 * (indicator.upper - clamped) / span


def round_exact(value: Fraction, decimals: int = 2, mode: str = "half_even") -> Decimal:
    """Round an exact fraction to ``decimals`` places; a tie goes to the even digit (or up)."""
    scaled = value * 10 ** decimals
    whole = scaled.numerator // scaled.denominator  # floor
    rest = scaled - whole
    if rest > HALF or (rest == HALF and (mode == "half_up" or whole % 2 == 1)):
        whole += 1
    return Decimal(whole).scaleb(-decimals)


def _mean(index: Index, scores: dict[str, Fraction], missing: str) -> Fraction | None:
    total = weight = Fraction(0)
    for code, w in zip(index.indicators, index.weights):
        if code in scores:
            total += w * scores[code]
            weight += w
        elif missing == "zero":
            weight += w
    return total / weight if weight else None


def compute(model: Model, observations: Iterable[Observation], *, as_of: dt.date | None = None) -> list[Result]:
    """Every index of the model for every region and date (raw and display series)."""
    indicators = {i.code: i for i in model.indicators}
    by_day: dict[str, dict[dt.date, dict[str, Fraction]]] = defaultdict(lambda: defaultdict(dict))
    latest = None
    scores: dict[tuple, Fraction] = {}  # policies repeat day after day: score each value once
    for obs in observations:
        indicator = indicators.get(obs.indicator)
        if indicator is None:
            continue  # a feed may carry indicators of other models
        if as_of is not None and obs.date > as_of:
            continue
        key = (obs.indicator, obs.value, obs.flag)
        value = scores.get(key)
        if value is None:
            value = scores[key] = score(indicator, obs.value, obs.flag, missing_flag=model.missing.flag)
        by_day[obs.region_code][obs.date][obs.indicator] = value
        latest = obs.date if latest is None or obs.date > latest else latest
    as_of = as_of or latest
    results: list[Result] = []
    for region in sorted(by_day):
        days = by_day[region]
        first = min(days)
        dates = [first + dt.timedelta(days=n) for n in range((as_of - first).days + 1)]
        for index in model.indices:
            results.extend(_series(model, index, region, dates, days, as_of))
    return results


def _series(model: Model, index: Index, region: str, dates: list[dt.date],
            days: dict[dt.date, dict[str, Fraction]], as_of: dt.date) -> list[Result]:
    missing = model.missing
    present = {d: sum(1 for code in index.indicators if code in days.get(d, {})) for d in dates}
    recent_start = as_of - dt.timedelta(days=missing.recent_days - 1)
    recent_best = max((present[d] for d in dates if d >= recent_start), default=0)
    display_start = as_of - dt.timedelta(days=missing.display_days - 1)
    out: list[Result] = []
    last_good: tuple[dt.date, Decimal] | None = None
    means: dict[tuple, Fraction | None] = {}  # the same scores on many days: one exact mean each
    for day in dates:
        exact = None
        if present[day] >= index.required and not (
                missing.recent_rule and day >= recent_start and present[day] < recent_best):
            scores = days.get(day, {})
            key = tuple(scores.get(code) for code in index.indicators)
            if key not in means:
                means[key] = _mean(index, scores, missing.score)
            exact = means[key]
        value = round_exact(exact, model.rounding.decimals, model.rounding.mode) if exact is not None else None
        display, carried = value, None
        if value is not None:
            last_good = (day, value)
        elif missing.display_days and day >= display_start and last_good is not None:
            carried, display = last_good
        out.append(Result(region, day, index.code, value, present[day], index.required, exact, display, carried))
    return out
