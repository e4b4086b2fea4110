"""Query values that crashed a route (500) or were silently accepted get a clear 4xx instead."""

from fastapi.testclient import TestClient

from tests.accounts.helpers import build_app, make_token, make_user


def test_a_date_of_year_one_on_the_overview_and_the_map_is_a_400_not_a_500(engine, db_url, tmp_path):
    make_user(engine, "li", password=None)
    headers = {"Authorization": f"Bearer {make_token(engine, 'li')}"}
    app = build_app(db_url, tmp_path / "data")
    with TestClient(app) as client:
        for url in ("/overview.json?date=0001-01-01", "/overview?date=0001-01-01", "/explorer.json?date=9999-12-31",
                    "/overview.json?date=20200220"):
            response = client.get(url, headers=headers)
            assert response.status_code == 400 and "YYYY-MM-DD" in response.text, url
        assert client.get("/risk/map.json?date=0001-01-01", headers=headers).status_code == 422
    app.state.db_engine.dispose()


def test_reading_a_persons_record_needs_a_purpose(engine, db_url, tmp_path):
    make_user(engine, "li", password=None)
    headers = {"Authorization": f"Bearer {make_token(engine, 'li')}"}
    app = build_app(db_url, tmp_path / "data")
    with TestClient(app) as client:
        for query in ("", "?purpose=", "?purpose=%20%20"):
            assert client.get(f"/api/code/people/P1{query}", headers=headers).status_code == 422, query
    app.state.db_engine.dispose()
