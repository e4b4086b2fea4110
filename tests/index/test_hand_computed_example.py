"""A small example computed by hand: missing readings, zeros, readings exactly at θ·B, enterprises
without a baseline, and a region where nobody reports on a day.

Baseline window 2019-12-02..2019-12-04, period 2020-02-10..2020-02-11, θ = 0.3, w = 0.5.

    id  county  baseline days         B    02-10            02-11
    A   330102  100, 0, (missing)     50   15 (= 0.3·50)    (missing)
    B   330102  200, 200              200  59 (< 60)        100
    C   330102  (none)                -    500              -         not eligible: no baseline
    D   330106  0, 0                  0    10               -         not eligible: B = 0
    E   330106  40                    40   (missing)        12 (= 0.3·40)
    F   330302  10                    10   (missing)        0 (a zero is a reading)
"""

import datetime as dt

import pyarrow as pa
import pytest

from fugong.index.compute import IndexParams, Window
from fugong.index.service import OUTPUT_COLUMNS, compute

D1, D2 = dt.date(2020, 2, 10), dt.date(2020, 2, 11)
B1, B2, B3 = dt.date(2019, 12, 2), dt.date(2019, 12, 3), dt.date(2019, 12, 4)
PARAMS = IndexParams(baseline=Window(B1, B3))
PERIOD = Window(D1, D2)

ROWS = [
    ("A", B1, 100), ("A", B2, 0), ("A", D1, 15),
    ("B", B1, 200), ("B", B2, 200), ("B", D1, 59), ("B", D2, 100),
    ("C", D1, 500),
    ("D", B1, 0), ("D", B2, 0), ("D", D1, 10),
    ("E", B3, 40), ("E", D2, 12),
    ("F", B1, 10), ("F", D2, 0),
]
READINGS = pa.table({
    "enterprise_id": [r[0] for r in ROWS],
    "date": pa.array([r[1] for r in ROWS], pa.date32()),
    "kwh": [float(r[2]) for r in ROWS],
})
ENTERPRISES = pa.table({
    "enterprise_id": list("ABCDEF"),
    "region_code": ["330102", "330102", "330102", "330106", "330106", "330302"],
    "industry_code": ["3731", "3731", "2710", "2710", "1711", "1711"],
    "size_class": ["large", "small", "small", "small", "large", "small"],
})


def _rows(level, **params):
    p = IndexParams(baseline=PARAMS.baseline, **params)
    table = compute(readings=READINGS, enterprises=ENTERPRISES, period=PERIOD, params=p, levels=(level,))[level]
    assert tuple(table.column_names) == OUTPUT_COLUMNS
    return {(r["date"], r["code"]): r for r in table.to_pylist()}


def test_thresholds_in_this_example_are_exact():
    assert 0.3 * 50 == 15.0 and 0.3 * 40 == 12.0


def test_it_counts_a_reading_exactly_at_theta_b_as_resumed_and_leaves_out_missing_and_ineligible():
    rows = _rows("county")
    a = rows[(D1, "330102")]
    # A (15 ≥ 15) resumed, B (59 < 60) not; C has no baseline: neither counted nor summed.
    assert (a["enterprises"], a["reporting"], a["resumed"]) == (2, 2, 1)
    assert (a["baseline_kwh"], a["resumed_kwh"], a["total_kwh"]) == (250.0, 15.0, 74.0)
    assert a["resumed_share"] == pytest.approx(50.0)
    assert a["energy_ratio"] == pytest.approx(6.0)  # 15 / 250
    assert a["index"] == pytest.approx(28.0)
    b = rows[(D2, "330102")]  # A is missing: it leaves numerator and denominator
    assert (b["reporting"], b["resumed"], b["baseline_kwh"]) == (1, 1, 200.0)
    assert (b["resumed_share"], b["energy_ratio"], b["index"]) == pytest.approx((100.0, 50.0, 75.0))


def test_a_region_with_nobody_reporting_has_empty_shares():
    rows = _rows("county")
    for code in ("330106", "330302"):  # D is not eligible (B = 0); E and F have no reading on 02-10
        r = rows[(D1, code)]
        assert r["enterprises"] == 1 and r["reporting"] == 0 and r["resumed"] == 0
        assert r["resumed_share"] is None and r["energy_ratio"] is None and r["index"] is None
    e = rows[(D2, "330106")]
    assert (e["resumed"], e["resumed_share"], e["energy_ratio"], e["index"]) == (1, 100.0, pytest.approx(30.0), pytest.approx(65.0))


def test_a_zero_reading_reports_and_is_not_resumed():
    f = _rows("county")[(D2, "330302")]
    assert (f["reporting"], f["resumed"], f["total_kwh"]) == (1, 0, 0.0)
    assert (f["resumed_share"], f["energy_ratio"], f["index"]) == (0.0, 0.0, 0.0)


def test_regions_roll_up_by_prefix_to_city_and_province():
    city = _rows("city")
    assert city[(D1, "330100")]["index"] == pytest.approx(28.0)
    assert city[(D1, "330300")]["index"] is None
    prov = _rows("province")[(D2, "330000")]
    # B, E, F report; B and E resumed; Σ B over reporting = 200 + 40 + 10.
    assert (prov["enterprises"], prov["reporting"], prov["resumed"]) == (4, 3, 2)
    assert prov["baseline_kwh"] == 250.0 and prov["resumed_kwh"] == 112.0
    assert prov["resumed_share"] == pytest.approx(200 / 3)
    assert prov["energy_ratio"] == pytest.approx(44.8)
    assert prov["index"] == pytest.approx(50 * (2 / 3) + 50 * 0.448)


def test_the_all_kwh_option_counts_every_reporting_enterprise_in_e():
    a = _rows("county", energy_numerator="all")[(D1, "330102")]
    assert a["energy_ratio"] == pytest.approx(74 / 250 * 100)


def test_min_baseline_leaves_small_enterprises_out():
    rows = _rows("province", min_baseline_kwh=45.0)  # only A (50) and B (200) remain eligible
    assert rows[(D2, "330000")]["enterprises"] == 2
    assert rows[(D2, "330000")]["reporting"] == 1


def test_industry_and_size_breakdowns_group_by_section_and_size_class():
    sections = _rows("industry")
    # A, B (3731) are C; E, F (1711) are C too; section C on 02-11: B, E, F report.
    assert sections[(D2, "C")]["reporting"] == 3
    size = _rows("size")
    assert size[(D1, "large")]["reporting"] == 1 and size[(D1, "large")]["resumed"] == 1  # A
    assert size[(D2, "small")]["resumed"] == 1  # B resumed, F did not


def test_the_baseload_option_measures_resumption_above_the_closed_level():
    # B: closed-state level L = min(200, 200, 59?) — the baseload window here is the baseline window,
    # so L_B = 200 = B_B: B is not eligible (no swing). A: L = 0, same as the plain rule.
    rows = _rows("county", baseload=True)
    assert rows[(D1, "330102")]["enterprises"] == 1
    assert rows[(D1, "330102")]["resumed"] == 1
