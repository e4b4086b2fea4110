"""First-resumption date (k = 3 consecutive working days from 2020-02-10; rest days neither break
nor extend a run; a working day without a reading breaks it) and the never-stopped cohort.

Calendar: 2020-02-10..14 and 17..21 are working days, 15 and 16 a weekend. B = 100 for all, θ = 0.3.
"""

import datetime as dt

import pyarrow as pa

from fugong.index.compute import IndexParams, Window
from fugong.index.service import enterprise_results

D = lambda day: dt.date(2020, 2, day)  # noqa: E731
BASE = dt.date(2019, 12, 2)
ON, OFF = 50.0, 5.0

PLANS = {
    # a run Thu 13, Fri 14, (weekend at zero), Mon 17 → 13
    "across-weekend": {D(13): ON, D(14): ON, D(15): 0.0, D(16): 0.0, D(17): ON},
    "from-the-start": {D(10): ON, D(11): ON, D(12): ON},
    # 10, 11 then a stop; 13, 14 then no reading on 17; 18, 19, 20 → 18
    "broken-runs": {D(10): ON, D(11): ON, D(12): OFF, D(13): ON, D(14): ON, D(18): ON, D(19): ON, D(20): ON},
    # weekends do not extend: Fri 14, Sat, Sun, Mon 17, then off
    "weekend-only": {D(14): ON, D(15): ON, D(16): ON, D(17): ON, D(18): OFF},
    # ran through the holiday core (ratio 1.0 ≥ 0.9), and on
    "never-stopped": {**{dt.date(2020, 1, 25) + dt.timedelta(days=n): 100.0 for n in range(16)}, D(10): ON, D(11): ON, D(12): ON},
    # ran at 0.8·B through the holiday: below 0.9, not never-stopped
    "mostly-stopped": {dt.date(2020, 1, 25) + dt.timedelta(days=n): 80.0 for n in range(16)},
}


def _results():
    rows = [(eid, BASE, 100.0) for eid in PLANS] + [(eid, day, kwh) for eid, plan in PLANS.items() for day, kwh in plan.items()]
    rows.append(("no-baseline", D(10), ON))
    readings = pa.table({"enterprise_id": [r[0] for r in rows], "date": pa.array([r[1] for r in rows], pa.date32()),
                         "kwh": [r[2] for r in rows]})
    ids = [*PLANS, "no-baseline"]
    enterprises = pa.table({"enterprise_id": ids, "region_code": ["330102"] * len(ids), "industry_code": ["3731"] * len(ids)})
    table = enterprise_results(readings=readings, enterprises=enterprises, period=Window(D(10), D(21)),
                               params=IndexParams(baseline=Window(BASE, BASE)))
    return {r["enterprise_id"]: r for r in table.to_pylist()}


def test_it_finds_the_first_working_day_of_three_consecutive_resumed_working_days():
    r = _results()
    assert r["across-weekend"]["first_resumption"] == D(13)
    assert r["from-the-start"]["first_resumption"] == D(10)
    assert r["broken-runs"]["first_resumption"] == D(18)
    assert r["weekend-only"]["first_resumption"] is None


def test_it_reports_never_stopped_plants_as_their_own_cohort():
    r = _results()
    assert r["never-stopped"]["never_stopped"] is True and r["never-stopped"]["cohort"] == "never-stopped"
    assert r["never-stopped"]["holiday_ratio"] == 1.0
    assert r["mostly-stopped"]["never_stopped"] is False and r["mostly-stopped"]["cohort"] == "not-resumed"
    assert r["from-the-start"]["cohort"] == "resumed"
    assert r["no-baseline"]["cohort"] == "ineligible" and r["no-baseline"]["eligible"] is False
