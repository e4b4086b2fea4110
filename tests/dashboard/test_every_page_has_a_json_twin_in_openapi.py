"""Every dashboard page has a JSON twin from the same call, and /openapi.json describes the twins."""

import re


def test_openapi_lists_the_json_twins_and_exports(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        paths = client.get("/openapi.json").json()["paths"]
    for path in ("/overview.json", "/explorer.json", "/explorer.csv", "/explorer.xlsx"):
        assert path in paths


def test_the_page_and_its_twin_show_the_same_rows(client_for):
    client = client_for("officer", "3301")
    twin = client.get("/overview.json").json()
    page = client.get("/overview").text
    listed = re.findall(r'<a href="/explorer\?code=(\d{6})&amp;series=county', page.split('id="counties-table"')[1])
    assert listed == [row["code"] for row in twin["counties"]]
