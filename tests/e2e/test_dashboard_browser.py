"""In a real browser: an officer of Hangzhou logs in, sees the overview, opens the map, drills down
to a county's enterprises, exports a CSV, and is refused Ningbo. Screenshots in test-artifacts/.

The served app has data: a tiny calibrated scenario (1,000 enterprises) computed into the server's
data directory, and users made with the accounts service, before uvicorn starts.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.helpers import free_port
from tests.e2e.helpers import screenshot
from tests.conftest import wait_until

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


def asgi_app():
    """The app as `fugong serve` builds it, plus accounts and the dashboard router if create_app does
    not include them yet (uvicorn --factory)."""
    from fugong.dashboard.views import install
    from fugong.web.app import create_app

    app = create_app()
    install(app)
    return app


def _prepare(data_dir: Path) -> None:
    from fugong.access import SYSTEM
    from fugong.accounts import service as accounts
    from fugong.config import load_settings
    from fugong.dashboard.sample import prepare
    from fugong.store.db import connect, session_scope, upgrade

    prepare(data_dir=data_dir)
    settings = load_settings({"FUGONG_DATA_DIR": str(data_dir)})
    engine = connect(settings.resolved_database_url)
    upgrade(engine)
    with session_scope(engine) as session:
        for username, role, prefix in (("hz-officer", "officer", "3301"), ("zj-admin", "province_admin", "33"),
                                       ("hz-grid", "grid_analyst", "3301")):
            accounts.add_user(session, actor=SYSTEM, username=username, role=role, region_prefix=prefix,
                              password=PASSWORD)
    engine.dispose()


@pytest.fixture(scope="module")
def dashboard_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("e2e-dashboard")
    _prepare(data)
    env = {key: value for key, value in os.environ.items() if not key.startswith("FUGONG_")}
    env.update({"FUGONG_DATA_DIR": str(data), "FUGONG_AS_OF": "2020-02-20", "PYTHONPATH": str(REPO)})
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "tests.e2e.test_dashboard_browser:asgi_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(process.stdout.read().decode(errors="replace"))
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the dashboard server did not start")
        time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=10)


def log_in(page, base: str, username: str, next_path: str = "/overview") -> None:
    page.goto(f"{base}/login?next={next_path}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}{next_path}*")


def test_an_officer_sees_the_overview_of_hangzhou_with_n_e_and_their_counts(page, dashboard_server):
    log_in(page, dashboard_server, "hz-officer")
    assert "杭州市" in page.locator("h1").inner_text()
    assert page.locator("#kpi-index").inner_text() != "—"
    assert "/" in page.locator(".kpi").nth(1).locator(".counts").inner_text()  # resumed / reporting
    county_names = page.locator("#counties-table tbody th").all_inner_texts()
    assert county_names and "宁波" not in "".join(county_names)
    wait_until(page, "document.querySelector('[data-bars=counties-table] svg') !== null")
    screenshot(page, "dashboard-overview-zh")


def test_the_county_table_sorts_from_the_keyboard(page, dashboard_server):
    log_in(page, dashboard_server, "hz-officer")
    header = page.locator("#counties-table thead th").nth(2)
    header.locator("button").focus()
    page.keyboard.press("Enter")
    assert header.get_attribute("aria-sort") == "descending"
    values = [float(v) for v in page.locator("#counties-table tbody tr td:nth-child(3)").evaluate_all(
        "cells => cells.map(c => c.dataset.value).filter(v => v !== '')")]
    assert values == sorted(values, reverse=True)


def test_the_officer_opens_the_map_from_the_overview(page, dashboard_server):
    log_in(page, dashboard_server, "hz-officer")
    map_link = page.get_by_role("navigation", name="主导航").get_by_role("link", name="风险地图")
    if map_link.count():
        map_link.click()
        page.wait_for_load_state()
        assert page.url.startswith(dashboard_server + "/risk/map")
        screenshot(page, "dashboard-map")
    else:
        # The risk map page is not in this app yet: the overview shows the county table in its place.
        section = page.locator("section.map")
        assert "风险地图尚未启用" in section.inner_text()
        assert page.locator("#counties-table tbody tr").count() > 0
        screenshot(page, "dashboard-map-fallback")


def test_the_officer_drills_down_to_a_county_and_exports_its_enterprises(page, dashboard_server):
    log_in(page, dashboard_server, "hz-officer", next_path="/explorer")
    wait_until(page, "document.querySelector('#explorer-chart svg') !== null")
    screenshot(page, "dashboard-explorer-top")
    page.locator("#drill-table").get_by_role("link", name="杭州市").click()
    page.wait_for_load_state()
    counties = page.locator("#drill-table tbody th a")
    assert counties.count() > 1
    county_name = counties.first.inner_text()
    counties.first.click()
    page.wait_for_load_state()
    assert county_name in page.locator("nav.breadcrumb").inner_text()
    rows = page.locator("#drill-table tbody tr")
    assert rows.count() > 0
    screenshot(page, "dashboard-county-enterprises")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV (表格)").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    exported = list(csv.DictReader(io.StringIO(text)))
    assert len(exported) == rows.count()
    assert {r["enterprise_id"] for r in exported} == set(page.locator("#drill-table tbody tr td:first-child").all_inner_texts())


def test_the_officer_of_hangzhou_is_refused_ningbo(page, dashboard_server):
    log_in(page, dashboard_server, "hz-officer")
    for path in ("/explorer?code=330200", "/explorer?code=330203", "/explorer.csv?code=330203",
                 "/explorer?series=city:330200"):
        response = page.goto(dashboard_server + path)
        assert response.status == 404, path  # outside the officer's scope: as if it did not exist
        if ".csv" not in path:  # a page, not an export: an error page with a way back
            assert "回到首页" in page.content()
    overview = page.goto(dashboard_server + "/overview.json").json()
    codes = [r["code"] for r in overview["counties"]]
    assert codes and all(code.startswith("3301") for code in codes)
    screenshot(page, "dashboard-refused")


def test_a_grid_analyst_sees_aggregates_but_no_enterprises(page, dashboard_server):
    log_in(page, dashboard_server, "hz-grid", next_path="/explorer")
    page.goto(dashboard_server + "/explorer?code=330102")
    assert "只能查看汇总数据" in page.locator("main").inner_text()
    assert page.locator("#drill-table").count() == 0


def test_the_overview_switches_to_english_and_fits_a_phone(browser, dashboard_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        log_in(page, dashboard_server, "zj-admin")
        page.get_by_role("link", name="English").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        assert "Resumption overview" in page.locator("h1").inner_text()
        # Nothing wider than the phone except inside the scrollable table wrappers.
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 375 + 1
        screenshot(page, "dashboard-overview-en-phone")
    finally:
        context.close()
