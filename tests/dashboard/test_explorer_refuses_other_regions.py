"""The explorer, its JSON and its exports answer another region's data with 404 (as if it did not exist),
and never list it."""

import pytest

NINGBO = ("/explorer?code=330200", "/explorer.json?code=330200", "/explorer.json?code=330203",
          "/explorer.csv?code=330203", "/explorer.xlsx?code=330203", "/explorer.json?series=city:330200",
          "/explorer.csv?part=series&series=county:330203", "/explorer.json?series=province:330000",
          "/explorer.json?series=section:C", "/overview.json?date=2020-02-20&code=330200")


@pytest.mark.parametrize("path", NINGBO[:-1])
def test_a_hangzhou_officer_is_refused_ningbo_and_the_province(client_for, path):
    assert client_for("officer", "3301").get(path).status_code == 404


def test_the_drill_down_from_the_top_lists_only_the_officers_city(client_for):
    body = client_for("officer", "3301").get("/explorer.json").json()
    assert [row["code"] for row in body["table"]["rows"]] == ["330100"]
    assert [s["code"] for s in body["series"]] == ["330100"]


def test_drilling_into_the_city_lists_its_counties_only(client_for):
    rows = client_for("province_admin", "33").get("/explorer.json?code=330100").json()["table"]["rows"]
    assert rows and all(row["code"].startswith("3301") and row["level"] == "county" for row in rows)


def test_an_unknown_region_is_not_found(client_for):
    assert client_for("province_admin", "").get("/explorer.json?code=990000").status_code == 404


def test_a_malformed_series_is_a_bad_request(client_for):
    assert client_for("province_admin", "").get("/explorer.json?series=planet:earth").status_code == 400


def test_without_a_login_json_is_401_and_pages_redirect_to_the_login(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        assert client.get("/overview.json").status_code == 401
        assert client.get("/explorer.csv").status_code == 401
        page = client.get("/overview", headers={"accept": "text/html"}, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
