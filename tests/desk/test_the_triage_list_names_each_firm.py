"""The triage office reads its lists by firm name, not by id alone: every list row carries the firm's
registered name (the page shows it, with the id on hover; the JSON twin has both)."""

from fugong.desk import service, views
from tests.desk.helpers import CONTACT, TRIAGE, at, build_world


def test_each_row_of_the_triage_lists_has_the_firms_registered_name(session):
    build_world(session)
    service.submit_demand(session, CONTACT, enterprise_id="E-WH-1", category="protective", text="口罩2000只",
                          at=at("2020-02-11"))
    service.submit_demand(session, CONTACT, enterprise_id="E-WH-2", category="logistics", text="货车通行证",
                          at=at("2020-02-11"))
    view = views.triage_view(session, TRIAGE, "zh")
    rows = view["collected"]["demands"]
    assert {(row["enterprise_id"], row["enterprise_name"]) for row in rows} == {
        ("E-WH-1", "企业E-WH-1"), ("E-WH-2", "企业E-WH-2")}


def test_the_list_shows_the_name_and_keeps_the_id_on_hover():
    from fugong.web.pages import templates  # the app's own template environment

    page = templates.env.from_string('{% from "desk/_macros.html" import demand_table with context %}'
                                     '{{ demand_table("zh", demands) }}')
    html = page.render(_=lambda text: text, demands=[{
        "id": 7, "code": "D000007", "enterprise_id": "E-WH-1", "enterprise_name": "芜湖某机械", "category_name": "物流",
        "text": "货车", "state": "collected", "state_name": "已收集", "due_on": None, "escalation_level": 0}])
    assert '<td title="E-WH-1">芜湖某机械</td>' in html
