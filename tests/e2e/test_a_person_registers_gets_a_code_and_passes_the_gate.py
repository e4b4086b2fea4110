"""In the browser, on a phone: a member of the public registers, declares, sees their code (QR, colour,
reason, expiry), and the gate staff of the demo let them through with it."""

from __future__ import annotations

import pytest

from tests.conftest import wait_until
from tests.e2e.helpers import screenshot, sign_in
from tests.healthcode.helpers import make_id

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("demo")]  # one `fugong demo` for the demo tests and every browser test that uses it (tests/conftest.py demo_command_runs)
PHONE = {"width": 390, "height": 844}


def register(page, base: str, username: str, id_number: str, *, name: str = "王小明") -> None:
    page.goto(base + "/")
    page.get_by_role("link", name="申领健康码").click()
    page.wait_for_url(base + "/code/register")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码（至少 10 个字符）").fill("walk in password 2020")
    page.get_by_label("姓名").fill(name)
    page.get_by_label("手机号码").fill("13912345678")
    page.get_by_label("居民身份证号（18 位）").fill(id_number)
    page.get_by_label("居住地（六位县级区划代码）").fill("330106")
    page.get_by_role("button", name="注册").click()
    page.wait_for_url(base + "/code/me")


def declare(page, *, temperature: str = "36.5", symptoms: tuple[str, ...] = ()) -> None:
    form = page.locator("form[action='/code/me/declaration']")
    form.get_by_label("体温 ℃").fill(temperature)
    for symptom in symptoms:
        form.get_by_label(symptom).check()
    form.get_by_role("button", name="提交申报").click()
    page.wait_for_url("**/code/me?done=declared")


def test_an_invalid_id_number_is_refused_with_the_reason(browser, demo_server):
    base, _ = demo_server
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(base + "/code/register")
        page.get_by_label("用户名").fill("walk-in-bad")
        page.get_by_label("密码（至少 10 个字符）").fill("walk in password 2020")
        page.get_by_label("姓名").fill("李四")
        page.get_by_label("手机号码").fill("13912345678")
        page.get_by_label("居民身份证号（18 位）").fill("330106199001011230")  # wrong check digit
        page.get_by_label("居住地（六位县级区划代码）").fill("330106")
        page.get_by_role("button", name="注册").click()
        assert page.locator(".error").is_visible() and "GB 11643" in page.locator(".error").inner_text()
        assert "330106199001011230" not in page.content()  # the number is not echoed in clear
    finally:
        context.close()


def test_a_person_registers_gets_a_code_and_passes_the_gate(browser, demo_server):
    base, password = demo_server
    person_context = browser.new_context(locale="zh-CN", viewport=PHONE)
    person = person_context.new_page()
    gate_context = browser.new_context(locale="zh-CN", viewport=PHONE)
    gate = gate_context.new_page()
    try:
        register(person, base, "walk-in-1", make_id(701))
        declare(person)
        qr = person.locator("#qr")
        assert qr.locator("svg").count() == 1
        assert person.locator("#colour").inner_text() == "绿码"
        assert "申报无风险" in person.locator("#reason").inner_text()
        assert "有效至" in person.locator("#expires").inner_text()
        token = qr.get_attribute("data-token")
        assert token.startswith("HC1.") and "王小明" not in token
        screenshot(person, "person-code-zh")

        sign_in(gate, base, "demo-gate", password)
        wait_until(gate, "document.body.dataset.ready === '1'")
        gate.locator("#token").fill(token)
        gate.locator("#temperature").fill("36.4")
        gate.locator("#check").click()
        result = gate.locator("#result")
        result.wait_for(state="visible")
        wait_until(gate, "document.getElementById('result').dataset.reason !== undefined")
        assert result.get_attribute("data-reason") == "PASS_GREEN" and "通行" in result.inner_text()
        screenshot(gate, "gate-pass-zh")
        # The same code again at the same gate is a replay.
        gate.locator("#token").fill(token)
        gate.locator("#temperature").fill("36.4")
        gate.locator("#check").click()
        wait_until(gate, "document.getElementById('result').dataset.reason === 'DENY_REPLAY'")
    finally:
        person_context.close()
        gate_context.close()


def test_a_person_checks_in_for_the_day(browser, demo_server):
    base, _ = demo_server
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    try:
        register(page, base, "walk-in-2", make_id(702))
        declare(page)
        form = page.locator("form[action='/code/me/checkin']")
        assert "2020-02-20" in page.locator("#checkin-h").inner_text()  # the app's day (FUGONG_AS_OF)
        form.get_by_label("体温 ℃").fill("36.6")
        form.get_by_role("button", name="打卡").click()
        page.wait_for_url("**/code/me?done=checked_in")
        assert "2020-02-20 已打卡" in page.locator("#checked-in").inner_text()
    finally:
        context.close()
