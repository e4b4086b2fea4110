"""The quadrant puts each county's risk level against its flow index with the model file's
cut-offs, warns about low-risk counties still closed and high-risk counties already open, ranks
by flow and shows the change since the previous day; the page and its JSON twin agree."""

import datetime as dt

from fugong.access import SYSTEM
from fugong.control.model import load_model
from fugong.control.quadrant import flags_of, flow_band, quadrant_view, risk_band
from fugong.risk.rules import load_rules

from tests.control.web_seed import seed
from tests.risk.web_seed import HANGZHOU_COUNTY, NINGBO_COUNTY

MODEL = load_model("zj-precision-control-2020")


def test_bands_follow_the_cut_offs_of_the_model_file():
    assert [flow_band(v, MODEL) for v in (None, 0, 39.99, 40, 59.99, 60, 100)] == [
        "none", "closed", "closed", "partial", "partial", "open", "open"]
    assert [risk_band(s, MODEL) for s in (None, 0, 1, 2, 3, 4)] == ["grey", "low", "low", "medium", "high", "high"]
    assert flags_of("low", "closed") == ["low_risk_but_closed"]
    assert flags_of("high", "open") == ["open_but_high_risk"]
    assert flags_of("medium", "open") == [] and flags_of("low", "partial") == []


def test_the_view_flags_ranks_and_compares_with_the_previous_day(session, tmp_path):
    # a copy of the preset whose "low risk" reaches yellow (severity 2): the cut-offs are data
    text = open(MODEL.path, encoding="utf-8").read().replace("low_risk_max_severity = 1", "low_risk_max_severity = 2")
    (tmp_path / "lenient.toml").write_text(text, encoding="utf-8")
    model = load_model(tmp_path / "lenient.toml")
    seed(session)
    view = quadrant_view(session, model=model, rules=load_rules("zj-five-colour-2020"), principal=SYSTEM,
                         date=dt.date(2020, 2, 19))
    rows = {r["region_code"]: r for r in view["rows"]}
    hz, nb = rows[HANGZHOU_COUNTY], rows[NINGBO_COUNTY]
    # 余杭区: cases stopped six days before (yellow, low under this file), flow 35.5 < 40 → still closed
    assert (hz["risk_band"], hz["flow_band"], hz["flags"]) == ("low", "closed", ["low_risk_but_closed"])
    # 海曙区: nine cases a day (high risk), flow 72.25 ≥ 60 → open
    assert (nb["risk_band"], nb["flow_band"], nb["flags"]) == ("high", "open", ["open_but_high_risk"])
    assert (nb["rank"], hz["rank"]) == (1, 2)
    assert hz["flow_change"] == 5.5 and nb["flow_change"] == 2.25
    assert view["flagged"] == {"low_risk_but_closed": [HANGZHOU_COUNTY], "open_but_high_risk": [NINGBO_COUNTY]}
    assert view["previous_date"] == "2020-02-18" and view["cutoffs"]["open_from"] == 60


def test_the_page_and_its_json_twin_show_the_same_facts(engine, tmp_path):
    from fastapi.testclient import TestClient

    from fugong.accounts import service as accounts
    from fugong.store.db import session_scope
    from tests.accounts.helpers import build_app

    with session_scope(engine) as session:
        seed(session)
        accounts.add_user(session, actor=SYSTEM, username="zj", role="officer", region_prefix="33", password="x" * 12)
        token = accounts.create_api_token(session, actor=SYSTEM, username="zj", name="t").token
    app = build_app(str(engine.url.render_as_string(hide_password=False)), tmp_path)
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {token}"}
        data = client.get("/control/quadrant.json?date=2020-02-19", headers=headers).json()
        page = client.get("/control/quadrant?date=2020-02-19", headers=headers)
    assert page.status_code == 200
    assert "<script" not in page.text.split("<main", 1)[1]  # server-rendered: no inline script (CSP)
    for row in data["rows"]:
        assert row["name"] in page.text and f"{row['flow']:.2f}" in page.text
    assert "低风险仍未放开" in page.text and "高风险已放开" in page.text  # the two warning lists
    flagged = sum(len(codes) for codes in data["flagged"].values())
    assert flagged >= 1 and page.text.count('stroke="#b00020"') == flagged  # flagged counties ringed
