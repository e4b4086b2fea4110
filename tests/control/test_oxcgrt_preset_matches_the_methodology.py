"""The oxcgrt-v3.6 preset holds the methodology's table: the indicators of each index, their maxima
and which have flags, and the presence rule of each index."""

from tests.control.helpers import oxcgrt

MAXIMA = {"C1": 3, "C2": 3, "C3": 2, "C4": 4, "C5": 2, "C6": 3, "C7": 2, "C8": 4, "E1": 2, "E2": 2,
          "H1": 2, "H2": 3, "H3": 2, "H6": 4, "H7": 5, "H8": 3}
FLAGGED = {"C1", "C2", "C3", "C4", "C5", "C6", "C7", "E1", "H1", "H6", "H7", "H8"}


def test_indicators_maxima_and_flags():
    model = oxcgrt()
    assert {i.code: i.max for i in model.indicators} == MAXIMA
    assert {i.code for i in model.indicators if i.flag} == FLAGGED
    assert all(i.kind == "ordinal" for i in model.indicators)


def test_indices_their_k_and_required_presence():
    model = oxcgrt()
    k = {i.code: (i.k, i.required) for i in model.indices}
    assert k == {"stringency": (9, 8), "containment_health": (14, 13), "economic_support": (2, 2),
                 "government_response": (16, 15)}
    assert set(model.index("stringency").indicators) == {f"C{n}" for n in range(1, 9)} | {"H1"}
    assert set(model.index("government_response").indicators) == set(MAXIMA)
    assert set(model.index("containment_health").indicators) == set(MAXIMA) - {"E1", "E2"}


def test_missing_data_and_rounding_rules():
    model = oxcgrt()
    assert model.missing.score == "zero"
    assert (model.missing.recent_days, model.missing.display_days, model.missing.recent_rule) == (7, 7, True)
    assert (model.rounding.decimals, model.rounding.mode) == (2, "half_even")
    assert model.region_codes == "any"
