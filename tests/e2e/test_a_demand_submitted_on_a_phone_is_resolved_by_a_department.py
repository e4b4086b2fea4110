"""In a real browser: an enterprise raises a demand on a phone-sized page, the triage office accepts
and dispatches it, the department resolves it on its queue, and the enterprise rates it — the page
never scrolls sideways on the phone."""

from __future__ import annotations

import os

import pytest

from fugong.access import SYSTEM
from fugong.accounts import service as accounts
from fugong.store.db import connect, session_scope, upgrade
from tests.desk.helpers import build_world
from tests.e2e.helpers import screenshot, start_server

PASSWORD = "correct horse battery staple"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN"}


@pytest.fixture(scope="module")
def desk_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("desk-e2e")
    engine = connect(f"sqlite:///{data / 'fugong.db'}")
    upgrade(engine)
    with session_scope(engine) as session:
        build_world(session)
        for username, role, prefix, firms in (("firm-1", "enterprise", "340203", ["E-WH-1"]),
                                              ("wh-fgw", "officer", "3402", []), ("wh-jtj-1", "department", "3402", [])):
            accounts.add_user(session, actor=SYSTEM, username=username, role=role, region_prefix=prefix,
                              enterprise_ids=firms, password=PASSWORD)
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUGONG_") or k.startswith("FUGONG_TEST_")}
    env.update({"FUGONG_DATA_DIR": str(data), "FUGONG_SCHEDULER": "false", "FUGONG_SECRET_KEY": "e2e-" + "d" * 40})
    process, base = start_server(env, timeout=180)  # a loaded CI machine starts slowly
    yield base
    process.terminate()
    process.wait(timeout=10)


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login?next=/desk")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/desk")


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "scrolls sideways"


def test_a_demand_raised_on_a_phone_is_triaged_resolved_and_rated(browser, desk_server):
    base = desk_server
    firm = browser.new_context(**PHONE).new_page()
    _login(firm, base, "firm-1")
    firm.click("text=提出诉求")
    firm.select_option("select[name=category]", "logistics")
    firm.fill("textarea[name=text]", "两辆货车无法进入园区，急需物流通行证明")
    _fits(firm)
    screenshot(firm, "desk-phone-new-demand")
    firm.click("button.primary")
    firm.wait_for_url(f"{base}/desk/demands/*")
    assert firm.locator("#state").inner_text() == "已收集"
    demand_url = firm.url
    _fits(firm)

    office = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    _login(office, base, "wh-fgw")
    office.goto(f"{base}/desk/triage")
    office.click(f"a[href='{demand_url.removeprefix(base)}']")
    office.click("button[value=accept]")
    assert office.locator("#state").inner_text() == "有效待分派"
    assert office.locator("select[name=department]").input_value() == "WH-JTJ"   # the routing rule's choice
    office.click("button[value=dispatch]")
    assert office.locator("#state").inner_text() == "已分派"

    department = browser.new_context(**PHONE).new_page()
    _login(department, base, "wh-jtj-1")
    department.goto(f"{base}/desk/queue")
    department.click(f"#new ~ table a[href='{demand_url.removeprefix(base)}']")
    department.click("button[value=take]")
    department.fill("form[action$='/resolve'] textarea[name=reason]", "已开具两辆货车的通行证明")
    _fits(department)
    department.click("button[value=resolve]")
    assert department.locator("#state").inner_text() == "已解决"
    screenshot(department, "desk-phone-resolved-by-department")

    firm.goto(demand_url)
    assert firm.locator("#outcome").inner_text() == "已开具两辆货车的通行证明"
    firm.select_option("select[name=rating]", "5")
    firm.click("button[value=rate]")
    assert firm.locator("#state").inner_text() == "已办结"
    assert "已开具两辆货车的通行证明" in firm.locator("#timeline").inner_text()
    _fits(firm)
    screenshot(firm, "desk-phone-rated")
    for context_page in (firm, office, department):
        context_page.context.close()
