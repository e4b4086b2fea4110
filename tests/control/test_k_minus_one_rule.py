"""An index is null when fewer than k−1 of its indicators are present; economic support (k = 2)
needs both. A zero is a value (present); a missing row is not."""

from tests.control.helpers import obs, oxcgrt, results_by_index

STRINGENCY = ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "H1"]


def test_stringency_is_computed_with_one_indicator_missing():
    results = results_by_index(oxcgrt(), [obs(code, 1, 1 if code != "C8" else None) for code in STRINGENCY[:-1]])
    assert results["stringency"].present == 8
    assert results["stringency"].value is not None


def test_stringency_is_null_with_two_indicators_missing():
    results = results_by_index(oxcgrt(), [obs(code, 1, 1 if code != "C8" else None) for code in STRINGENCY[:-2]])
    assert results["stringency"].present == 7
    assert results["stringency"].required == 8
    assert results["stringency"].value is None


def test_zeros_are_present_values():
    results = results_by_index(oxcgrt(), [obs(code, 0) for code in STRINGENCY])
    assert results["stringency"].present == 9
    assert str(results["stringency"].value) == "0.00"


def test_economic_support_needs_both_of_its_indicators():
    one = results_by_index(oxcgrt(), [obs("E1", 2, 1)])
    assert one["economic_support"].value is None
    assert (one["economic_support"].present, one["economic_support"].required) == (1, 2)
    both = results_by_index(oxcgrt(), [obs("E1", 2, 1), obs("E2", 1)])
    assert str(both["economic_support"].value) == "75.00"


def test_a_value_without_a_recorded_flag_takes_the_models_missing_flag():
    # C1 = 3 with no flag: the preset assumes targeted (f = 0): (3 − 0.5) / 3 = 83.33
    from decimal import Decimal
    from fractions import Fraction

    from fugong.control.engine import round_exact, score

    model = oxcgrt()
    assert round_exact(score(model.indicator("C1"), Fraction(3), None, missing_flag=model.missing.flag)) == Decimal("83.33")
