"""Every demo account, in the browser: it lands on its own page, every page it reaches has the same
header (its pages, the user, sign-out, the language switch), and it signs out from there. Screenshots of
each landing page in Chinese and English: test-artifacts/landing-<user>-<zh|en>.png (docs/images/)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import header_links, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("demo")]  # one `fugong demo` for the demo tests and every browser test that uses it (tests/conftest.py demo_command_runs)

# account → landing path (a pattern), the header links it must have, phone-sized or not
ROLES = {
    "demo-admin": (r"/overview", ["/overview", "/explorer", "/risk/map", "/control/quadrant", "/resumption/queue",
                                  "/enterprises", "/publish", "/code/appeals", "/desk", "/accounts/users"], False),
    "demo-hangzhou": (r"/overview", ["/overview", "/explorer", "/risk/map", "/control/quadrant", "/resumption/queue",
                                     "/enterprises", "/publish", "/code/appeals", "/desk"], False),
    "demo-grid": (r"/explorer", ["/overview", "/explorer", "/risk/map", "/control/quadrant", "/publish"], False),
    "demo-gate": (r"/code/gate", ["/code/gate"], True),
    "demo-firm": (r"/firm", None, True),
    "demo-person": (r"/code/me", ["/code/me"], True),
}


@pytest.mark.parametrize("username", list(ROLES))
def test_each_demo_role_lands_on_its_page_with_one_header_everywhere_and_signs_out(browser, demo_server, username):
    base, password = demo_server
    landing, expected_links, phone = ROLES[username]
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844} if phone
                                  else {"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, base, username, password)
        assert re.fullmatch(re.escape(base) + landing, page.url.split("?")[0]), page.url
        links = header_links(page)
        if expected_links is not None:
            assert links == expected_links
        else:  # the enterprise user: its resumption page, its own enterprise's day, the gate, the desk
            assert links[0] == "/firm" and re.fullmatch(r"/code/enterprise/[^/]+/today", links[1]), links
            assert links[2:] == ["/code/gate", "/desk"]
        page.wait_for_load_state("networkidle")
        screenshot(page, f"landing-{username}-zh")
        for link in links:
            response = page.goto(base + link)
            assert response.status == 200, link
            assert header_links(page) == links, link  # the same header on every page
            assert page.locator("header.top .user").inner_text() == username
            assert page.locator("header.top form[action='/logout'] button").is_visible()
            assert page.locator("header.top a.lang").inner_text() == "English"
            current = page.locator("header.top nav.pages a[aria-current=page]")
            assert current.count() == 1 and current.get_attribute("href") == link
        page.goto(base + "/?lang=en")
        page.wait_for_load_state("networkidle")
        assert re.fullmatch(re.escape(base) + landing, page.url.split("?")[0])
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("header.top a.lang").inner_text() == "中文"
        assert not re.search(r"[\u4e00-\u9fff]", page.locator("header.top nav.pages").inner_text())
        screenshot(page, f"landing-{username}-en")
        page.locator("header.top form[action='/logout'] button").click()
        page.wait_for_url(base + "/login*")
        page.goto(base + links[0])
        assert "/login" in page.url  # signed out: the pages ask for a login again
    finally:
        context.close()


def test_the_second_officer_has_the_same_pages_as_the_first(browser, demo_server):
    base, password = demo_server
    page = browser.new_page()
    try:
        sign_in(page, base, "demo-hangzhou-2", password)
        assert page.url.startswith(base + "/overview") and header_links(page) == ROLES["demo-hangzhou"][1]
    finally:
        page.close()


def test_a_phone_page_fits_the_phone(browser, demo_server):
    base, password = demo_server
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        for username in ("demo-gate", "demo-person", "demo-firm"):
            sign_in(page, base, username, password)
            assert page.evaluate("document.documentElement.scrollWidth") <= 376, username
            page.locator("header.top form[action='/logout'] button").click()
            page.wait_for_url(base + "/login*")
    finally:
        context.close()
