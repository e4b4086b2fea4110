"""In a real browser: an officer pages through a county's enterprises, filters them, and opens one
enterprise's page with its daily kWh against baseline and threshold. Screenshots in test-artifacts/."""

from __future__ import annotations

from tests.conftest import wait_until
from tests.e2e.helpers import screenshot
from tests.e2e.test_dashboard_browser import dashboard_server, log_in  # noqa: F401 - the served app fixture


def test_the_officer_pages_filters_and_opens_an_enterprise(page, dashboard_server):  # noqa: F811
    log_in(page, dashboard_server, "hz-officer", next_path="/explorer")
    page.goto(f"{dashboard_server}/explorer?code=330104&per_page=10")
    rows = page.locator("#drill-table tbody tr")
    assert rows.count() == 10
    first_page = set(page.locator("#drill-table tbody tr td:first-child").all_inner_texts())
    screenshot(page, "dashboard-county-enterprises-paged")
    page.get_by_role("link", name="下一页 ›").first.click()
    page.wait_for_load_state()
    assert not first_page & set(page.locator("#drill-table tbody tr td:first-child").all_inner_texts())
    page.get_by_label("规模").select_option("small")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    sizes = page.locator("#drill-table tbody tr td:nth-child(4)").all_inner_texts()
    assert sizes and set(sizes) == {"small"}
    page.locator("#drill-table tbody th a").first.click()
    page.wait_for_load_state()
    wait_until(page, "document.querySelector('#enterprise-chart svg') !== null")
    assert "复工门槛" in page.content()
    screenshot(page, "dashboard-enterprise")
