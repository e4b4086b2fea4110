"""In Debian's Chromium: an enterprise user files for resumption on a phone-sized page (no sideways
scrolling), an officer approves it from the queue with a reason, and the enterprise sees the decision
and the notification. A real `fugong serve` process over a seeded SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.helpers import screenshot, start_server

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]
PASSWORD = "resumption browser password"
PHONE = {"width": 390, "height": 844}

SEED = f"""
import datetime as dt
from argon2 import PasswordHasher
from fugong.access import SYSTEM
from fugong.accounts import security, service
from fugong.config import get_settings
from fugong.enterprises.service import register_enterprise
from fugong.resumption.roster import upsert_employee
from fugong.store.db import connect, session_scope, upgrade
from tests.enterprises.helpers import make_uscc
from tests.resumption.helpers import publish
security.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
engine = connect(get_settings().resolved_database_url); upgrade(engine)
today = dt.date.today()
with session_scope(engine) as s:
    register_enterprise(s, SYSTEM, enterprise_id="E-YH", name="余杭精工机械有限公司", region_code="330110",
                        uscc=make_uscc(12, "330110"))
    upsert_employee(s, SYSTEM, enterprise_id="E-YH", effective_on=today, employee_no="001", name="张安全",
                    certificate="safety_manager", status="on_site")
    publish(s, today - dt.timedelta(days=1), {{"330110": "yellow"}})
    service.add_user(s, actor=SYSTEM, username="firm", role="enterprise", region_prefix="330110",
                     enterprise_ids=["E-YH"], password={PASSWORD!r})
    service.add_user(s, actor=SYSTEM, username="yuhang", role="officer", region_prefix="330110", password={PASSWORD!r})
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data = tmp_path_factory.mktemp("resumption-e2e")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUGONG_") or k.startswith("FUGONG_TEST_")}
    env.update({"FUGONG_DATA_DIR": str(data), "FUGONG_SECRET_KEY": "resumption-browser-" + "z" * 30,
                "FUGONG_SCHEDULER": "false", "PYTHONPATH": f"{REPO}:{REPO / 'src'}"})
    subprocess.run([sys.executable, "-c", SEED], env=env, cwd=REPO, check=True)
    process, base = start_server(env)
    yield base
    process.terminate()
    process.wait(timeout=10)


def _login(page, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_path}")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_an_enterprise_files_on_a_phone_and_an_officer_approves_it(served, browser):
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    firm = phone.new_page()
    _login(firm, served, "firm", "/firm")
    assert "余杭精工机械有限公司" in firm.text_content("h1") and _fits(firm)
    firm.click("text=申报复工")
    firm.wait_for_url("**/resumption/filings/new")
    assert _fits(firm)
    firm.fill("input[name=staff_planned]", "35")
    firm.check("input[name=prevention_plan]")
    firm.fill("input[name=protective_stock_days]", "10")
    firm.check("input[name=orders_in_hand]")
    firm.fill("input[name=pledge_signed_by]", "王法人")
    screenshot(firm, "resumption-phone-form")
    firm.click("#submit-filing")
    firm.wait_for_url("**/resumption/filings/F*")
    assert firm.text_content("#state").strip() == "待审核"
    assert "计划到岗员工绿码比例" in firm.content() and _fits(firm)  # why it waits for the officers
    filing_url = firm.url
    screenshot(firm, "resumption-phone-submitted")

    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    officer = desk.new_page()
    _login(officer, served, "yuhang", "/resumption/queue")
    officer.click("text=余杭精工机械有限公司")
    officer.wait_for_url(filing_url)
    approve = officer.locator("form:has(button[value=approve])")
    approve.locator("input[name=reason]").fill("防控方案齐全，物资储备10天")
    approve.locator("button[value=approve]").click()
    officer.wait_for_selector("#state:text('已核准')")
    assert "防控方案齐全" in officer.content()
    screenshot(officer, "resumption-officer-approved")

    firm.goto(filing_url)
    assert firm.text_content("#state").strip() == "已核准"
    firm.goto(served + "/firm")
    assert "复工备案已核准" in firm.content() and _fits(firm)
    screenshot(firm, "resumption-phone-approved")
    phone.close()
    desk.close()
