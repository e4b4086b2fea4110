"""The demo's risk stage: synthetic county cases from the real city totals, graded and published.

Zhejiang's public data of early 2020 is per prefecture city, not per county. The demo needs the 90
counties, so it *synthesises* county series: each city's daily new cases (real, after repair) are
shared among its counties at random in proportion to their population (seeded, so the demo is
reproducible). City totals therefore follow the real series exactly; the county split is invented
and labelled so everywhere ("合成县级数据 / synthetic county series").
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

CITY_EXTRACT = "zj-city-2020q1.csv"
SYNTHETIC_SOURCE = "合成县级数据（由真实地市数据分配）/ synthetic county series from real city totals (canghailan/Wuhan-2019-nCoV, MIT)"
VINTAGE = "2020"


def city_cases():
    """The shipped Zhejiang city extract as a tidy frame (read_cases)."""
    from fugong.risk.cases import read_cases

    path = resources.files("fugong.risk") / "data" / CITY_EXTRACT
    return read_cases(str(path))


def synthetic_county_cases(city_frame, *, seed: int = 20200210):
    """Tidy rows for every Zhejiang county and day: new_confirmed and population, names included."""
    import numpy as np
    import pandas as pd

    from fugong.reference import regions
    from fugong.risk.cases import prepare

    prepared = prepare(city_frame, population_of=None)
    daily = prepared.daily[prepared.daily["level"] == "city"]
    rng = np.random.default_rng(seed)
    rows = []
    for city_code, series in daily.groupby("region_code"):
        counties = [r for r in regions.children(city_code, vintage=VINTAGE, level="county")]
        if not counties:
            continue
        weights = np.array([regions.population(c.code, vintage=VINTAGE) or 1 for c in counties], dtype=float)
        weights /= weights.sum()
        for day, new in zip(series["date"], series["new_confirmed"].fillna(0).astype(int)):
            split = rng.multinomial(max(new, 0), weights)
            for county, n in zip(counties, split):
                rows.append({"region_code": county.code, "date": day, "name": county.name, "province_code": "330000",
                             "label": "", "new_confirmed": float(n),
                             "population": float(regions.population(county.code, vintage=VINTAGE) or 0) or None})
    return pd.DataFrame(rows)


def grade_and_publish(session, county_frame, *, rule_names: list[str], start: dt.date, end: dt.date) -> dict:
    """Grade, publish and store the county series for each rule set; returns {rule: publications}."""
    from fugong.access import SYSTEM
    from fugong.risk import services
    from fugong.risk.cases import prepare
    from fugong.risk.grading import grade
    from fugong.risk.publication import publish
    from fugong.risk.rules import load_rules

    prepared = prepare(county_frame, population_of=None)
    names = {**prepared.names, "330000": "浙江省"}
    from fugong.reference import regions

    for region in regions.children("33", vintage=VINTAGE, level="city"):
        names[region.code] = region.name
    counties = prepared.daily[prepared.daily["level"] == "county"]
    out = {}
    for name in rule_names:
        rules = load_rules(name)
        graded = grade(counties, rules, end=end)
        pubs = publish(graded, rules, start=start, end=end, names=names)
        services.store_publications(session, pubs, principal=SYSTEM, source=SYNTHETIC_SOURCE)
        out[rules.name] = len(pubs)
    return out


def _published_already(session, rule_names: list[str]) -> dict | None:
    """{rule set: publications stored} when every rule set has its publications (a second ``fugong
    demo`` on the same data, its cases unchanged: grading them again would only store the same
    publications anew, with new times and audit entries); None otherwise."""
    from fugong.risk import services
    from fugong.risk.rules import load_rules

    counts = {}
    for name in rule_names:
        rule_set = load_rules(name).name
        count = services.publication_version(session, rule_set=rule_set)[0]
        if not count:
            return None
        counts[rule_set] = count
    return counts


def run_demo_stage(ctx) -> str:
    """Demo stage: ingest the synthetic county cases, grade with the active and national rules, publish."""
    from fugong.access import SYSTEM
    from fugong.risk import services
    from fugong.store.db import connect, session_scope

    counties = synthetic_county_cases(city_cases(), seed=ctx.seed)
    counties.attrs["source"] = SYNTHETIC_SOURCE
    engine = connect(ctx.settings.resolved_database_url)
    rule_names = list(dict.fromkeys([ctx.settings.risk_rules, "cn-national-2020"]))
    try:
        with session_scope(engine) as session:
            loaded = services.ingest_cases(session, counties, principal=SYSTEM, source=SYNTHETIC_SOURCE)
            published = _published_already(session, rule_names) if not (loaded["inserted"] or loaded["updated"]) else None
            if published is None:
                published = grade_and_publish(session, counties, rule_names=rule_names,
                                              start=dt.date(2020, 2, 1), end=dt.date(2020, 3, 31))
    finally:
        engine.dispose()
    ctx.results["risk"] = published
    return (f"{loaded['inserted']} county-day case rows (synthetic from real city totals); publications: "
            + ", ".join(f"{k} {v}" for k, v in published.items()))
