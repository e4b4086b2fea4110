"""Drilling into a county lists its enterprises for officers; grid analysts see aggregates only."""

import pyarrow.compute as pc


def county_ids(data_dir, county):
    from fugong.config import load_settings
    from fugong.index import store

    table = store.read_enterprises(load_settings({"FUGONG_DATA_DIR": str(data_dir)}))
    return set(table.filter(pc.equal(table["region_code"], county))["enterprise_id"].to_pylist())


def test_an_officer_sees_every_enterprise_of_the_county_and_no_other(client_for, served_data):
    table = client_for("officer", "3301").get("/explorer.json?code=330110").json()["table"]
    assert table["level"] == "enterprise"
    assert {row["enterprise_id"] for row in table["rows"]} == county_ids(served_data, "330110")


def test_the_resumed_flag_follows_the_threshold(client_for):
    table = client_for("officer", "3301").get("/explorer.json?code=330110").json()["table"]
    for row in table["rows"]:
        if row["resumed"] is not None:
            assert row["resumed"] == (row["kwh"] >= table["theta"] * row["baseline_kwh"])


def test_the_enterprise_count_matches_the_countys_reporting_and_resumed_counts(client_for):
    client = client_for("officer", "3301")
    rows = client.get("/explorer.json?code=330110").json()["table"]["rows"]
    county = next(r for r in client.get("/explorer.json?code=330100").json()["table"]["rows"] if r["code"] == "330110")
    assert sum(1 for r in rows if r["resumed"] is not None) == county["reporting"]
    assert sum(1 for r in rows if r["resumed"]) == county["resumed"]


def test_a_grid_analyst_gets_no_enterprise_in_the_page_json_or_exports(client_for, served_data):
    client = client_for("grid_analyst", "3301")
    table = client.get("/explorer.json?code=330110").json()["table"]
    assert table["rows"] == [] and table["aggregates_only"] is True
    ids = county_ids(served_data, "330110")
    for path in ("/explorer?code=330110", "/explorer.csv?code=330110"):
        text = client.get(path).text
        assert not any(eid in text for eid in ids)
