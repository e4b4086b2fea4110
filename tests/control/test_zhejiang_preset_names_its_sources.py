"""zj-precision-control-2020: 5 control and 7 flow indicators; the two indicators the press named
are marked as from the source, every other one as ours with a reason in both languages."""

from fugong.control.model import load_model


def test_five_control_and_seven_flow_indicators():
    model = load_model("zj-precision-control-2020")
    assert model.index("control").k == 5
    assert model.index("flow").k == 7
    assert model.region_codes == "gb2260"


def test_the_two_published_indicators_are_marked_source_and_the_rest_ours_with_reasons():
    model = load_model("zj-precision-control-2020")
    by_origin = {}
    for indicator in model.indicators:
        by_origin.setdefault(indicator.origin, []).append(indicator)
        assert indicator.reason_zh and indicator.reason_en, indicator.code
    assert {i.code for i in by_origin["source"]} == {"new_local_7d_per_100k", "public_transport_open_share"}
    assert "新增病例管控" in model.indicator("new_local_7d_per_100k").zh
    assert "公共交通开通率" in model.indicator("public_transport_open_share").zh
    assert len(by_origin["ours"]) == 10
    assert "new_local_7d_per_100k" in model.index("control").indicators
    assert "public_transport_open_share" in model.index("flow").indicators


def test_the_quadrant_cut_offs_are_in_the_model_file():
    quadrant = load_model("zj-precision-control-2020").quadrant
    assert quadrant.index == "flow"
    assert (quadrant.closed_below, quadrant.open_from) == (40, 60)
    assert (quadrant.low_risk_max_severity, quadrant.high_risk_min_severity) == (1, 3)
