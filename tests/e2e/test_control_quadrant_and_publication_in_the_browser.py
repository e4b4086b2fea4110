"""A Hangzhou officer of the demo reaches the control quadrant and the daily publication from the
header, in Chromium: the quadrant draws Hangzhou's counties only (its scatter is server-rendered SVG,
nothing runs inline under the Content-Security-Policy), the header's day picks the results shown,
and both pages read in English with no Chinese interface text left. Screenshots:
test-artifacts/control-quadrant-<zh|en>.png, publish-page-zh.png."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("demo")]  # one `fugong demo` for the demo tests and every browser test that uses it (tests/conftest.py demo_command_runs)
HAN = re.compile(r"[\u4e00-\u9fff]")


def _watch(page) -> list[str]:
    """Console errors (a CSP violation is one), uncaught page errors and failed loads (with their
    address), collected as they come."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    return problems


def test_an_officer_reads_the_quadrant_of_hangzhou_and_the_days_publication(browser, demo_server):
    base, password = demo_server
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = _watch(page)
    try:
        sign_in(page, base, "demo-hangzhou", password)
        problems.clear()  # from here on: the quadrant and the publication (the landing page is tested elsewhere)
        page.locator("header.top nav.pages a[href='/control/quadrant']").click()
        page.wait_for_url(base + "/control/quadrant*")
        assert page.locator("h1").inner_text().startswith("精密智控")
        scatter = page.locator("figure.control-scatter svg")
        assert scatter.is_visible() and scatter.locator("circle").count() > 0
        counties = page.locator("table.control-table tbody tr td:nth-child(2) small").all_inner_texts()
        assert counties and all(code.startswith("3301") for code in counties)  # Hangzhou's counties only
        assert "海曙区" not in page.content()
        screenshot(page, "control-quadrant-zh")

        # the header's day: an earlier day shows that day's results (a different ranking or values)
        shown = page.locator("p.control-meta").inner_text()
        page.goto(base + "/control/quadrant?date=2020-02-12")
        assert "2020-02-12" in page.locator("p.control-meta").inner_text() and page.locator("p.control-meta").inner_text() != shown

        page.goto(base + "/control/quadrant?lang=en&date=2020-02-20")
        assert page.locator("h1").inner_text() == "Precision control: risk level against the flow index"
        assert not HAN.search(page.locator("table.control-table thead").inner_text())
        screenshot(page, "control-quadrant-en")

        page.goto(base + "/publish?lang=zh")
        page.locator("header.top nav.pages a[href='/publish']").wait_for()
        report = page.locator("div.publish-report article.publication")
        assert report.locator("h1").inner_text().startswith("复工复产每日发布")
        assert report.locator("section#control svg circle").count() > 0
        # the demo publishes no bundle: the page says how to publish one instead of an empty list
        assert "fugong publish --date 2020-02-20" in page.locator("section.publish-versions").inner_text()
        screenshot(page, "publish-page-zh")
        assert problems == [], problems
    finally:
        context.close()
