"""Sampling of commitment filings: default 10 %, weighted by the county's level and the share of staff
from risk areas; the draw is a hash of the filing id, so anyone can re-check a selection."""

import pytest

from fugong.resumption.policies import PolicyError, load_policy, parse_policy

POLICY = load_policy("commitment-harbin-2020")


def test_the_default_rate_is_ten_percent_at_weight_one():
    ids = [f"F20200211-{n:08x}" for n in range(20_000)]
    p = POLICY.sampling.probability(level="yellow", risk_staff_share=0.0)
    assert p == pytest.approx(0.10)
    share = sum(POLICY.sampling.draw(i) < p for i in ids) / len(ids)
    assert 0.09 < share < 0.11


def test_the_level_and_the_staff_from_risk_areas_raise_the_probability():
    s = POLICY.sampling
    assert s.probability(level="green", risk_staff_share=0.0) == pytest.approx(0.05)
    assert s.probability(level="red", risk_staff_share=0.0) == pytest.approx(0.20)
    assert s.probability(level="red", risk_staff_share=0.5) == pytest.approx(0.30)
    assert s.probability(level="unknown-level", risk_staff_share=0.0) == pytest.approx(0.10)


def test_the_draw_is_the_same_every_time_and_differs_between_filings():
    assert POLICY.sampling.draw("F20200211-0001") == POLICY.sampling.draw("F20200211-0001")
    assert POLICY.sampling.draw("F20200211-0001") != POLICY.sampling.draw("F20200211-0002")


@pytest.mark.parametrize(("change", "message"), [
    ({"mode": "lottery"}, "mode"),
    ({"checklist": {"staff_green_share": 1.5}}, "staff_green_share"),
    ({"checklist": {"coffee": True}}, "unknown item"),
    ({"pledge": None}, "pledge"),
    ({"sampling": {"rate": 2}}, "sampling.rate"),
    ({"periods": [{"starts_on": "soon", "classes": []}]}, "starts_on"),
    ({"priorities": [{"key": "x"}]}, "needs at least one test"),
])
def test_a_malformed_policy_is_refused_naming_the_field(change, message):
    base = {"name": "p", "version": 1, "mode": "commitment", "pledge": {"version": "v", "zh": "承诺", "en": "pledge"}}
    data = {**base, **change}
    if data.get("pledge") is None:
        data.pop("pledge")
    with pytest.raises(PolicyError) as caught:
        parse_policy(data, source="my-policy.toml")
    assert "my-policy.toml" in str(caught.value) and message in str(caught.value)
