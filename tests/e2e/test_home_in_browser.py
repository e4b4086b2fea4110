"""In a real browser, the first page renders in Chinese and switches to English."""

from tests.e2e.helpers import screenshot


def test_the_first_page_renders_in_chinese_and_switches_to_english(page, live_server):
    page.goto(live_server + "/")
    assert page.locator("h1").inner_text() == "复工复产指挥平台"
    screenshot(page, "home-zh")
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Work Resumption Command Centre"
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "home-en")
