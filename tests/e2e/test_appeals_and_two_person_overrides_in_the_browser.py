"""In the browser: a person appeals their colour, an officer upholds it, and only a second, different
officer's approval changes the colour; a manual change asked from the person's record works the same."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import screenshot, sign_in
from tests.e2e.test_a_person_registers_gets_a_code_and_passes_the_gate import PHONE, declare, register
from tests.healthcode.helpers import make_id

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("demo")]  # one `fugong demo` for the demo tests and every browser test that uses it (tests/conftest.py demo_command_runs)


@pytest.fixture
def people(browser, demo_server):
    """A person on a phone and two different officers of Hangzhou at desks, each in a context of their
    own (closed afterwards, whatever happens): (person, first officer, second officer)."""
    base, password = demo_server
    contexts = [browser.new_context(locale="zh-CN", viewport=PHONE)]
    try:
        pages = [contexts[0].new_page()]
        for username in ("demo-hangzhou", "demo-hangzhou-2"):
            contexts.append(browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}))
            pages.append(contexts[-1].new_page())
            sign_in(pages[-1], base, username, password)
        yield tuple(pages)
    finally:
        for context in contexts:
            context.close()


def approve_the_change(page, base, person_masked_id: str) -> None:
    page.goto(base + "/code/overrides")
    card = page.locator("article.override", has_text=person_masked_id)
    assert card.count() == 1
    card.get_by_role("button", name="批准").click()
    page.wait_for_url("**/code/overrides?done=approved")


def test_an_officer_decides_an_appeal_and_a_second_officer_approves_the_change(people, demo_server):
    base, _ = demo_server
    person, first_page, second_page = people
    id_number = make_id(711)
    masked = id_number[:4] + "*" * 10 + id_number[-4:]
    register(person, base, "walk-in-appeal", id_number, name="赵小燕")
    declare(person, symptoms=("咳嗽",))
    assert person.locator("#colour").inner_text() == "黄码"
    person.get_by_label("您认为健康码颜色有误的理由").fill("咳嗽是慢性咽炎，已就医，非新发症状")
    person.get_by_role("button", name="提交申诉").click()
    person.wait_for_url("**/code/me?done=appealed")
    assert "待处理" in person.locator(".appeal-status").inner_text()

    first_page.get_by_role("link", name="健康码管理").click()
    appeal = first_page.locator("article.appeal", has_text=masked)
    assert appeal.count() == 1 and "慢性咽炎" in appeal.inner_text()
    screenshot(first_page, "officer-appeals-zh")
    appeal.get_by_label("书面理由").fill("门诊病历证明为慢性咽炎")
    appeal.get_by_label("申诉成立时改为").select_option("green")
    appeal.get_by_role("button", name="申诉成立").click()
    first_page.wait_for_url("**/code/appeals?done=upheld")
    # The first officer may not approve their own change.
    first_page.goto(base + "/code/overrides")
    mine = first_page.locator("article.override", has_text=masked)
    assert mine.count() == 1 and mine.get_by_role("button", name="批准").count() == 0
    person.reload()
    assert person.locator("#colour").inner_text() == "黄码"  # nothing changes before the second officer

    approve_the_change(second_page, base, masked)
    screenshot(second_page, "officer-override-approved-zh")
    person.goto(base + "/code/me")
    assert person.locator("#colour").inner_text() == "绿码"
    assert "人工" in person.locator(".hc-events").inner_text()  # the reason of the change is shown


def test_two_officers_change_a_colour_from_the_persons_record_with_a_legal_basis(people, demo_server):
    base, _ = demo_server
    person, first_page, second_page = people
    id_number = make_id(712)
    masked = id_number[:4] + "*" * 10 + id_number[-4:]
    register(person, base, "walk-in-override", id_number, name="钱多多")
    declare(person)
    first_page.goto(base + "/code/people")
    first_page.get_by_label("居民身份证号（18 位）").fill(id_number)
    first_page.get_by_label("查询目的").fill("流调核查")
    first_page.get_by_role("button", name="查询").click()
    found = first_page.locator("#found")
    assert masked in found.inner_text() and "钱*" in found.inner_text() and id_number not in first_page.content()
    first_page.get_by_role("link", name="查看档案及变化记录").click()
    first_page.get_by_label("新颜色").select_option("red")
    first_page.get_by_label("法律依据").fill("《传染病防治法》第三十九条；流调确认为密切接触者")
    first_page.get_by_role("button", name="提出变更").click()
    first_page.wait_for_url("**/code/overrides?done=requested")
    approve_the_change(second_page, base, masked)
    person.goto(base + "/code/me")
    assert person.locator("#colour").inner_text() == "红码"
