"""In the browser: a city officer's map opens on their city; the index colouring has its own legend
and counts; the overview draws the officer's city map with its legend; the explorer adds a series from its picker;
the day's pages print on A4 with the day and the source on every page."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.conftest import wait_until
from tests.e2e.helpers import ARTIFACTS, header_links, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("demo")]  # one `fugong demo` for the demo tests and every browser test that uses it (tests/conftest.py demo_command_runs)


@pytest.fixture
def officer(browser, demo_server):
    base, password = demo_server
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, "demo-hangzhou", password)
    yield base, page
    context.close()


def test_a_city_officers_map_opens_on_their_city(officer):
    base, page = officer
    page.goto(base + "/risk/map")
    wait_until(page, "document.getElementById('risk-map').dataset.layer !== undefined")
    assert page.locator("#risk-map").get_attribute("data-layer") == "zj-counties-2020:3301"
    assert page.locator("#crumbs").inner_text().split("›")[-1].strip() == "杭州市"


def test_the_index_colouring_has_its_own_legend_and_counts(officer):
    base, page = officer
    page.goto(base + "/risk/map?mode=index")
    legend = page.locator("#legend")
    assert legend.get_attribute("data-mode") == "index"
    assert legend.locator("[data-level]").count() == 0  # not the risk levels' legend
    counts = [int(n) for n in legend.locator("b[data-bin]").all_inner_texts()]
    view = page.goto(base + "/risk/map.json?mode=index").json()
    assert sum(counts) == len(view["grades"]) and len(counts) == 6  # five bins of R and "no value"
    assert counts == [b["count"] for b in view["index_legend"]]


def test_the_overviews_map_is_drawn_on_the_officers_city_with_its_legend(officer):
    base, page = officer
    page.goto(base + "/overview")
    section = page.locator("section.map")
    section.scroll_into_view_if_needed()
    assert section.locator("iframe").count() == 0  # drawn in the page: the CSP forbids frames
    wait_until(page, "document.getElementById('risk-map').dataset.layer !== undefined")
    assert page.locator("#risk-map").get_attribute("data-layer") == "zj-counties-2020:3301"
    assert page.locator("#risk-map canvas").count() >= 1
    box = page.locator("#risk-map").bounding_box()
    assert box["width"] > 300 and box["height"] > 300
    legend = section.locator("#legend")
    assert legend.is_visible() and legend.locator("[data-level]").count() >= 3


def test_the_explorer_adds_a_series_from_the_picker(officer):
    base, page = officer
    page.goto(base + "/explorer")
    assert page.locator(".series-list li").count() == 1
    picker = page.get_by_label("添加序列")
    options = picker.locator("option").all_inner_texts()
    assert any("余杭区" in o for o in options) and not any("宁波" in o for o in options)
    value = picker.locator("option", has_text="余杭区").get_attribute("value")
    picker.select_option(value)
    page.get_by_role("button", name="添加", exact=True).click()
    page.wait_for_url(re.compile(r".*series=county%3A330110.*|.*series=county:330110.*"))
    assert page.locator(".series-list li").count() == 2
    wait_until(page, "document.querySelector('#explorer-chart svg') !== null")
    for metric in ("resumed_share", "energy_ratio"):  # with two series only R is drawn at first
        page.locator(f"input[name=metric][value={metric}]").check()
    # R, N and E of the first series have different colours (one colour family each).
    strokes = page.locator("#explorer-chart svg path[stroke]").evaluate_all(
        "paths => [...new Set(paths.map(p => p.getAttribute('stroke')))]")
    assert {"#1f5fa8", "#c05600", "#2e7d32"} <= set(strokes)
    screenshot(page, "explorer-two-series-zh")


@pytest.mark.parametrize("path", ["/overview", "/explorer", "/risk/map", "/code/enterprise/{firm}/today"])
def test_a_page_prints_on_a4_with_the_day_and_the_source_on_every_page(browser, demo_server, path):
    base, password = demo_server
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, base, "demo-admin" if "{firm}" not in path else "demo-firm", password)
        if "{firm}" in path:  # the firm's own day, from its header (it lands on its resumption page)
            target = base + next(link for link in header_links(page) if link.startswith("/code/enterprise/"))
        else:
            target = base + path
        page.goto(target)
        page.wait_for_load_state("networkidle")
        page.emulate_media(media="print")
        assert not page.locator("header.top").is_visible()
        footer = page.locator(".print-footer")
        assert footer.is_visible() and "2020-02-20" in footer.inner_text() and "打印自" in footer.inner_text()
        name = "print-" + re.sub(r"[^a-z]+", "-", path.split("{")[0]).strip("-")
        ARTIFACTS.mkdir(exist_ok=True)
        pdf = ARTIFACTS / f"{name}.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        pages = [p for p in text.split("\f") if p.strip()]
        assert pages
        for number, printed in enumerate(pages, 1):
            assert "2020-02-20" in printed and "打印自" in printed, f"page {number} of {path} lacks the day or source"
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(ARTIFACTS / name)],
                           check=True)
    finally:
        context.close()
