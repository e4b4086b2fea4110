"""Indicators fugong computes from its own data, per county and day (see fugong.control.sources).

    risk        new_local_7d_per_100k, days_since_local_case      (stored case rows, prepared as the
                                                                   risk map prepares them)
    healthcode  hc_coverage, hc_green_share, hc_red_people,        (each person's colour on the day,
                hc_red_per_100k                                    from the colour events)
    index       resumption_index, resumption_N, resumption_E      (stored county results)

"Local" cases are ``new_local`` where the case data separates local from imported cases, else all
new confirmed cases (the demo's synthetic county series has no split). Population is the case
data's, else the reference file's (county figures there are demo figures, labelled so).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from fugong.control.sources import SourceContext, indicator_source

# ---------------------------------------------------------------- risk: cases


def _cases(ctx: SourceContext):
    """The prepared county case series (one row per county and day), computed once per run."""
    if "cases" not in ctx.cache:
        from fugong.access import SYSTEM
        from fugong.risk import services
        from fugong.risk.cases import prepare

        frame = services.case_frame(ctx.session, principal=SYSTEM)
        if frame.empty:
            ctx.cache["cases"] = None
        else:
            daily = prepare(frame, end=ctx.end).daily
            daily = daily[daily["level"] == "county"].sort_values(["region_code", "date"])
            local = daily["new_local"].notna().groupby(daily["region_code"]).transform("any")
            daily = daily.assign(local_new=daily["new_local"].where(local, daily["new_confirmed"]).fillna(0.0))
            ctx.cache["cases"] = daily
    return ctx.cache["cases"]


@indicator_source("new_local_7d_per_100k", zh="近7日新增本地病例（每10万人）", en="New local cases in 7 days per 100,000",
                  unit="per 100,000", package="risk")
def new_local_7d_per_100k(ctx: SourceContext):
    daily = _cases(ctx)
    if daily is None:
        return
    for code, series in daily.groupby("region_code", sort=False):
        sums = series["local_new"].rolling(7, min_periods=1).sum()
        for day, total, population in zip(series["date"], sums, series["population"]):
            if population and population == population and population > 0:
                yield code, _day(day), 100_000 * float(total) / float(population)


@indicator_source("days_since_local_case", zh="距最近本地病例天数", en="Days since the last local case", unit="days", package="risk")
def days_since_local_case(ctx: SourceContext):
    daily = _cases(ctx)
    if daily is None:
        return
    for code, series in daily.groupby("region_code", sort=False):
        last = None
        first = None
        for day, new in zip(series["date"], series["local_new"]):
            day = _day(day)
            first = first or day
            if new > 0:
                last = day
            # never a case: the days since the series began (the county has been clean all along)
            yield code, day, float((day - (last or first)).days + (0 if last else 1))


def _day(value) -> dt.date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# ---------------------------------------------------------------- health codes


def _colour_counts(ctx: SourceContext) -> dict:
    """{(county, day): {"green": n, "yellow": n, "red": n}} of the people with a colour that day."""
    if "colours" in ctx.cache:
        return ctx.cache["colours"]
    from sqlalchemy import select

    from fugong.healthcode.models import ColourEvent, Person

    region_of = dict(ctx.session.execute(select(Person.id, Person.region_code)).all())
    events = defaultdict(list)
    query = select(ColourEvent.person_id, ColourEvent.day, ColourEvent.to_colour, ColourEvent.id).where(
        ColourEvent.day <= ctx.end).order_by(ColourEvent.person_id, ColourEvent.day, ColourEvent.id)
    for person_id, day, colour, _id in ctx.session.execute(query):
        events[person_id].append((day, colour))
    counts: dict = defaultdict(lambda: {"green": 0, "yellow": 0, "red": 0})
    days = ctx.days()
    for person_id, changes in events.items():
        region = region_of.get(person_id)
        if not region:
            continue
        i, colour = 0, None
        for day in days:
            while i < len(changes) and changes[i][0] <= day:
                colour = changes[i][1]
                i += 1
            if colour in ("green", "yellow", "red"):
                counts[(region, day)][colour] += 1
    ctx.cache["colours"] = counts
    return counts


def _population(code: str) -> float | None:
    from fugong.reference import regions

    for vintage in (None, "2020"):
        try:
            value = regions.population(code, vintage=vintage) if vintage else regions.population(code)
        except (LookupError, ValueError):
            value = None
        if value:
            return float(value)
    return None


@indicator_source("hc_coverage", zh="健康码覆盖率（每人口）", en="Health-code coverage (codes per resident)", unit="share", package="healthcode")
def hc_coverage(ctx: SourceContext):
    for (region, day), c in _colour_counts(ctx).items():
        population = _population(region)
        if population:
            yield region, day, sum(c.values()) / population


@indicator_source("hc_green_share", zh="健康码绿码占比", en="Green share of health codes", unit="share", package="healthcode")
def hc_green_share(ctx: SourceContext):
    for (region, day), c in _colour_counts(ctx).items():
        total = sum(c.values())
        if total:
            yield region, day, c["green"] / total


@indicator_source("hc_red_people", zh="红码管控人数", en="Red-coded people under management", unit="people", package="healthcode")
def hc_red_people(ctx: SourceContext):
    for (region, day), c in _colour_counts(ctx).items():
        yield region, day, float(c["red"])


@indicator_source("hc_red_per_100k", zh="红码管控人员（每10万人）", en="Red-coded people per 100,000", unit="per 100,000", package="healthcode")
def hc_red_per_100k(ctx: SourceContext):
    for (region, day), c in _colour_counts(ctx).items():
        population = _population(region)
        if population:
            yield region, day, 100_000 * c["red"] / population


# ---------------------------------------------------------------- resumption index


def _county_index(ctx: SourceContext) -> list[dict]:
    if "county_index" not in ctx.cache:
        from fugong.index.service import read_results

        table = read_results(settings=ctx.settings, level="county")
        rows = []
        if table.num_rows and "index" in table.column_names:
            for row in table.select(["code", "date", "index", "resumed_share", "energy_ratio"]).to_pylist():
                day = row["date"] if isinstance(row["date"], dt.date) else dt.date.fromisoformat(str(row["date"])[:10])
                if ctx.start <= day <= ctx.end:
                    rows.append({**row, "date": day})
        ctx.cache["county_index"] = rows
    return ctx.cache["county_index"]


@indicator_source("resumption_index", zh="复工电力指数 R", en="Electricity resumption index R", unit="index 0–100", package="index")
def resumption_index(ctx: SourceContext):
    for row in _county_index(ctx):
        yield row["code"], row["date"], row["index"]


@indicator_source("resumption_N", zh="复工率 N（%）", en="Share of enterprises resumed N (%)", unit="%", package="index")
def resumption_n(ctx: SourceContext):
    for row in _county_index(ctx):
        yield row["code"], row["date"], row["resumed_share"]


@indicator_source("resumption_E", zh="复产率 E（%）", en="Energy recovered E (%)", unit="%", package="index")
def resumption_e(ctx: SourceContext):
    for row in _county_index(ctx):
        yield row["code"], row["date"], row["energy_ratio"]
