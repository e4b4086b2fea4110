"""The methodology's display example (index of k = 14, "today" 22 October): a recent day with
fewer indicators than another recent day is null in the raw series, and the display series fills
the last seven days with the last good value, marked with the day it comes from."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from fugong.control.engine import Observation, compute

from tests.control.helpers import model_of

K = 14
# date: (indicators present, raw index wanted when computed)
TABLE = {10: (12, None), 11: (13, 60), 12: (11, None), 13: (14, 65), 14: (11, None), 15: (11, None),
         16: (11, None), 17: (14, 70), 18: (14, 75), 19: (13, None), 20: (13, None), 21: (7, None), 22: (5, None)}
RAW = {10: None, 11: "60.00", 12: None, 13: "65.00", 14: None, 15: None, 16: None, 17: "70.00", 18: "75.00",
       19: None, 20: None, 21: None, 22: None}
DISPLAY = {10: None, 11: "60.00", 12: None, 13: "65.00", 14: None, 15: None, 16: "65.00", 17: "70.00",
           18: "75.00", 19: "75.00", 20: "75.00", 21: "75.00", 22: "75.00"}


def _model():
    indicators = [{"code": f"I{n}", "kind": "continuous", "lower": 0, "upper": 100, "direction": "up",
                   "zh": f"指标{n}", "en": f"indicator {n}"} for n in range(K)]
    return model_of(indicators, [{"code": "overall", "zh": "总", "en": "overall",
                                  "indicators": [f"I{n}" for n in range(K)], "required": "k-1"}])


def _observations():
    out = []
    for day, (present, wanted) in TABLE.items():
        # each present indicator scores 14·wanted/present, so the mean over k = 14 is ``wanted``
        each = Fraction(K * (wanted or 50), present)
        for n in range(present):
            out.append(Observation("X", dt.date(2020, 10, day), f"I{n}", each))
    return out


def test_raw_and_display_series_of_the_methodology_table():
    results = {r.date.day: r for r in compute(_model(), _observations(), as_of=dt.date(2020, 10, 22))}
    assert {d: (str(r.value) if r.value is not None else None) for d, r in results.items()} == RAW
    assert {d: (str(r.display) if r.display is not None else None) for d, r in results.items()} == DISPLAY


def test_carried_values_are_marked_with_their_day():
    results = {r.date.day: r for r in compute(_model(), _observations(), as_of=dt.date(2020, 10, 22))}
    assert results[16].carried_from == dt.date(2020, 10, 13)
    assert all(results[d].carried_from == dt.date(2020, 10, 18) for d in (19, 20, 21, 22))
    assert all(results[d].carried_from is None for d in (11, 13, 17, 18, 14, 15))


def test_days_after_the_last_report_are_filled_up_to_as_of():
    observations = [o for o in _observations() if o.date.day <= 18]
    results = {r.date.day: r for r in compute(_model(), observations, as_of=dt.date(2020, 10, 22))}
    assert results[22].present == 0 and results[22].value is None
    assert results[22].display == Decimal("75.00")
