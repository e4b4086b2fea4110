"""The engine reproduces the three days State Grid Zhejiang published (DESIGN.md §2).

Synthetic enterprise-level inputs are built to have exactly the published aggregates; the expected
values below are the published figures, not outputs of the code. The inputs also hold what a wrong
definition of N or E would count, so such a definition fails here: eligible enterprises without a
reading that day (in neither N's nor E's denominator), enterprises without a baseline that do have
a reading (not eligible: in nothing), and not-resumed enterprises that do use electricity (E counts
the kWh of the resumed only).
"""

import datetime as dt

import pyarrow as pa
import pytest

from fugong.index.compute import IndexParams, Window
from fugong.index.service import compute

BASE_DAY = dt.date(2019, 12, 2)  # one baseline day: its reading is B_i
PARAMS = IndexParams(baseline=Window(BASE_DAY, BASE_DAY))


def _split(total: int, parts: int) -> list[int]:
    """parts integers summing exactly to total (the remainder on the first)."""
    each = total // parts
    return [each + (total - each * parts)] + [each] * (parts - 1)


def _scenario(day: dt.date, *, enterprises: int, resumed: int, baseline_total: int, resumed_total: int):
    baselines = _split(baseline_total, enterprises)
    resumed_kwh = _split(resumed_total, resumed)
    ids = [f"E{i:06d}" for i in range(enterprises)]
    # Not resumed: zero, or just under 0.3·B (both count in the denominator).
    day_kwh = resumed_kwh + [0 if i % 2 else int(0.29 * b) for i, b in enumerate(baselines[resumed:])]
    assert all(k >= 0.3 * b for k, b in zip(resumed_kwh, baselines[:resumed]))
    absent = [f"A{i:06d}" for i in range(max(1, enterprises // 10))]  # eligible, no reading that day
    unbased = [f"Z{i:06d}" for i in range(max(1, enterprises // 20))]  # a reading that day, B = 0: not eligible
    readings = pa.table(
        {
            "enterprise_id": ids + ids + absent + unbased + unbased,
            "date": [BASE_DAY] * enterprises + [day] * enterprises + [BASE_DAY] * len(absent) + [BASE_DAY] * len(unbased)
                    + [day] * len(unbased),
            "kwh": [float(b) for b in baselines] + [float(k) for k in day_kwh] + [1000.0] * len(absent)
                   + [0.0] * len(unbased) + [500.0] * len(unbased),
        }
    )
    everyone = ids + absent + unbased
    companies = pa.table(
        {
            "enterprise_id": everyone,
            "region_code": ["330102" if i % 3 else "330302" for i in range(len(everyone))],
            "industry_code": ["3731"] * len(everyone),
            "size_class": ["small"] * len(everyone),
        }
    )
    return readings, companies


def _province(day, **kwargs):
    readings, companies = _scenario(day, **kwargs)
    out = compute(readings=readings, enterprises=companies, period=Window(day, day), params=PARAMS, levels=("province",))
    rows = out["province"].to_pylist()
    assert len(rows) == 1
    return rows[0]


def test_it_reproduces_2020_02_10_from_the_published_counts_and_kwh():
    # 64,590 of 333,427 enterprises resumed; 40,541.65 of 128,807.02 万kWh (1 万kWh = 10,000 kWh).
    row = _province(dt.date(2020, 2, 10), enterprises=333_427, resumed=64_590,
                    baseline_total=1_288_070_200, resumed_total=405_416_500)
    assert row["code"] == "330000"
    assert row["reporting"] == 333_427 and row["resumed"] == 64_590
    assert row["baseline_kwh"] == pytest.approx(1_288_070_200, rel=1e-12)
    assert row["resumed_kwh"] == pytest.approx(405_416_500, rel=1e-12)
    assert round(row["resumed_share"], 2) == 19.37
    assert round(row["energy_ratio"], 2) == 31.47
    assert round(row["index"], 2) == 25.42


@pytest.mark.parametrize(
    ("day", "n", "e", "r"),
    [(dt.date(2020, 2, 19), 57.60, 45.28, 51.44), (dt.date(2020, 2, 20), 60.15, 47.27, 53.71)],
)
def test_it_reproduces_the_published_percentages(day, n, e, r):
    # 10,000 enterprises of B = 100 kWh: N% of them resumed, using E% of the 1,000,000 kWh baseline.
    row = _province(day, enterprises=10_000, resumed=round(n * 100), baseline_total=1_000_000,
                    resumed_total=round(e * 10_000))
    assert round(row["resumed_share"], 2) == n
    assert round(row["energy_ratio"], 2) == e
    assert round(row["index"], 2) == r
