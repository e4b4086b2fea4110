"""OxCGRT index methodology v3.6, "an explicit example of the calculation for a given country on a
single day": our preset must give the example's sub-index scores and indices. The example prints
government response 57.18 and H8 66.66 where its own formula gives 915/16 = 57.1875 → 57.19 and
200/3 = 66.666… → 66.67; we follow the formula (the published data follows it too)."""

from decimal import Decimal
from fractions import Fraction

from fugong.control.engine import round_exact, score

from tests.control.helpers import obs, oxcgrt, results_by_index

# (indicator, v, f) as in the example; C2 has no data at all (no row).
EXAMPLE = [("C1", 2, 1), ("C3", 2, 0), ("C4", 2, 0), ("C5", 0, None), ("C6", 1, 0), ("C7", 1, 1),
           ("C8", 3, None), ("E1", 2, 0), ("E2", 2, None), ("H1", 2, 0), ("H2", 3, None), ("H3", 2, None),
           ("H6", 2, 0), ("H7", 2, 1), ("H8", 2, 1)]
SUB_SCORES = {"C1": "66.67", "C3": "75.00", "C4": "37.50", "C5": "0.00", "C6": "16.67", "C7": "50.00",
              "C8": "75.00", "E1": "75.00", "E2": "100.00", "H1": "75.00", "H2": "100.00", "H3": "100.00",
              "H6": "37.50", "H7": "40.00", "H8": "66.67"}


def test_each_sub_index_score_follows_equation_two():
    model = oxcgrt()
    for code, v, f in EXAMPLE:
        got = round_exact(score(model.indicator(code), Fraction(v), f))
        assert got == Decimal(SUB_SCORES[code]), code


def test_the_four_indices_of_the_worked_example():
    results = results_by_index(oxcgrt(), [obs(code, v, f) for code, v, f in EXAMPLE])
    assert results["containment_health"].value == Decimal("52.86")
    assert results["stringency"].value == Decimal("43.98")
    assert results["economic_support"].value == Decimal("87.50")
    assert results["government_response"].exact == Fraction(915, 16)
    assert results["government_response"].value == Decimal("57.19")


def test_the_missing_c2_counts_zero_and_leaves_each_index_at_k_minus_one():
    results = results_by_index(oxcgrt(), [obs(code, v, f) for code, v, f in EXAMPLE])
    assert (results["stringency"].present, results["stringency"].required) == (8, 8)
    assert (results["containment_health"].present, results["containment_health"].required) == (13, 13)
    assert (results["government_response"].present, results["government_response"].required) == (15, 15)
    assert (results["economic_support"].present, results["economic_support"].required) == (2, 2)
