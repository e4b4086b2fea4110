"""Values are exact until one rounding to two decimals, a tie going to the even digit (OxCGRT's
published values are consistent with it; half-up differs on 71 of the 7,320 published GBR values
of 2020, see test_oxcgrt_published_values_are_reproduced.py)."""

from decimal import Decimal
from fractions import Fraction

from fugong.control.engine import round_exact

from tests.control.helpers import model_of, obs, results_by_index


def test_ties_go_to_the_even_digit():
    assert round_exact(Fraction("41.125")) == Decimal("41.12")
    assert round_exact(Fraction("41.135")) == Decimal("41.14")
    assert round_exact(Fraction("0.005")) == Decimal("0.00")
    assert round_exact(Fraction("0.015")) == Decimal("0.02")


def test_half_up_is_a_model_option():
    assert round_exact(Fraction("41.125"), mode="half_up") == Decimal("41.13")


def test_non_ties_round_to_nearest_and_keep_two_decimals():
    assert round_exact(Fraction(915, 16)) == Decimal("57.19")
    assert round_exact(Fraction(200, 3)) == Decimal("66.67")
    assert str(round_exact(Fraction(175, 2))) == "87.50"


def test_an_exact_tie_from_a_mean_is_not_lost_to_binary_floating_point():
    # mean of 0.1 + 0.2 + 82.075 (… / 3 = 27.458333) is no tie; 82.125 and 0 over 2 = 41.0625 → 41.06;
    # three values 41.115, 41.115, 41.145 average to the exact tie 41.125 → 41.12 (a float sum gives 41.12499…)
    model = model_of([{"code": c, "kind": "continuous", "lower": 0, "upper": 100, "direction": "up", "zh": c, "en": c}
                      for c in ("a", "b", "c")],
                     [{"code": "m", "zh": "m", "en": "m", "indicators": ["a", "b", "c"], "required": 3}])
    result = results_by_index(model, [obs("a", "41.115"), obs("b", "41.115"), obs("c", "41.145")])["m"]
    assert result.exact == Fraction("41.125")
    assert result.value == Decimal("41.12")
