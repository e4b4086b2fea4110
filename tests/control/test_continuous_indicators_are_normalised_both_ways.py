"""A continuous indicator maps its bounds to 0–100: "up" scores higher for a higher value, "down"
for a lower one; values outside the bounds are clamped."""

from decimal import Decimal
from fractions import Fraction

from fugong.control.engine import round_exact, score

from tests.control.helpers import model_of


def _model():
    return model_of(
        [{"code": "transport", "kind": "continuous", "lower": 0, "upper": 1, "direction": "up", "zh": "公交", "en": "bus"},
         {"code": "cases", "kind": "continuous", "lower": 0, "upper": 5, "direction": "down", "zh": "病例", "en": "cases"}],
        [{"code": "i", "zh": "i", "en": "i", "indicators": ["transport", "cases"]}])


def test_up_maps_lower_to_0_and_upper_to_100():
    transport = _model().indicator("transport")
    assert score(transport, Fraction(0), None) == 0
    assert score(transport, Fraction(1), None) == 100
    assert round_exact(score(transport, Fraction("0.62"), None)) == Decimal("62.00")


def test_down_maps_lower_to_100_and_upper_to_0():
    cases = _model().indicator("cases")
    assert score(cases, Fraction(0), None) == 100
    assert score(cases, Fraction(5), None) == 0
    assert round_exact(score(cases, Fraction("1.2"), None)) == Decimal("76.00")


def test_values_outside_the_bounds_are_clamped():
    model = _model()
    assert score(model.indicator("cases"), Fraction(40), None) == 0
    assert score(model.indicator("cases"), Fraction(-3), None) == 100
    assert score(model.indicator("transport"), Fraction("1.3"), None) == 100
