"""In headless Chromium the map page draws every county in its level colour (the same colours as the
SVG export), shows reasons on hover and drills down from the province to a city.

Screenshots: test-artifacts/risk-map-zj.png and risk-map-city.png (look at them). About 20 s: it
grades the demo's 90 counties and starts a server and a browser, which is what it checks.
"""

import os
import re

import pytest

from tests.e2e.helpers import screenshot, start_server
from tests.conftest import wait_until


@pytest.fixture(scope="module")
def served_map(tmp_path_factory):
    """A served fugong with the demo's graded counties and an officer token for the whole province."""
    import datetime as dt

    from fugong.access import SYSTEM
    from fugong.accounts import service
    from fugong.risk.demo import city_cases, grade_and_publish, synthetic_county_cases
    from fugong.store.db import connect, session_scope, upgrade

    data = tmp_path_factory.mktemp("risk-e2e")
    engine = connect(f"sqlite:///{data / 'fugong.db'}")
    upgrade(engine)
    with session_scope(engine) as session:
        grade_and_publish(session, synthetic_county_cases(city_cases(), seed=3), rule_names=["zj-five-colour-2020"],
                          start=dt.date(2020, 2, 13), end=dt.date(2020, 2, 19))
        service.add_user(session, actor=SYSTEM, username="zj-officer", role="officer", region_prefix="33")
        token = service.create_api_token(session, actor=SYSTEM, username="zj-officer", name="e2e").token
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUGONG_")}
    env.update({"FUGONG_DATA_DIR": str(data), "FUGONG_AS_OF": "2020-02-19"})
    process, base = start_server(env)
    yield base, {"Authorization": f"Bearer {token}"}
    process.terminate()
    process.wait(timeout=10)


def test_the_map_renders_with_the_svg_exports_colours_and_drills_down(page, served_map):
    import httpx

    base, headers = served_map
    page.context.set_extra_http_headers(headers)
    page.goto(base + "/risk/map?date=2020-02-19")
    wait_until(page, "document.getElementById('risk-map').dataset.layer === 'zj-counties-2020:'")
    page.wait_for_timeout(500)
    screenshot(page, "risk-map-zj")
    drawn = page.evaluate("""() => {
        const option = echarts.getInstanceByDom(document.getElementById('risk-map')).getOption();
        return Object.fromEntries(option.series[0].data.map(d => [d.code, d.itemStyle.areaColor]));
    }""")
    assert len(drawn) == 90
    svg = httpx.get(base + "/risk/map.svg?date=2020-02-19", headers=headers).text
    exported = {
        code: colour for colour, code in re.findall(r'fill="(#[0-9a-f]{6})" data-adcode="(\d{6})"', svg)}
    assert exported == drawn
    assert len(set(drawn.values())) >= 3  # several levels are on the map

    box = page.locator("#risk-map").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.wait_for_timeout(300)
    tooltip = page.evaluate("() => document.body.innerText")
    assert "→" in tooltip  # the hover shows the reasons (points → level)

    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    wait_until(page, "/^zj-counties-2020:33\\d\\d$/.test(document.getElementById('risk-map').dataset.layer)")
    page.wait_for_timeout(500)
    city_layer = page.evaluate("document.getElementById('risk-map').dataset.layer")
    city_codes = page.evaluate("""() => echarts.getInstanceByDom(document.getElementById('risk-map'))
        .getOption().series[0].data.map(d => d.code)""")
    assert city_codes and all(code.startswith(city_layer[-4:]) for code in city_codes)
    assert "›" in page.locator("#crumbs").inner_text()
    assert page.locator("#crumbs span").inner_text().endswith("市")  # the city's name, not its code
    screenshot(page, "risk-map-city")
