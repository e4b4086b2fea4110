"""The overview's headline is the scope's stored index row, with N, E, the counts and denominators
behind R (DESIGN.md §2), and the change since the previous day."""

import datetime as dt

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest


def stored_row(data_dir, level, code, day):
    table = pq.read_table(data_dir / "results" / "index" / f"level={level}" / f"date={day}" / "part-0.parquet")
    return table.filter(pc.equal(table["code"], code)).to_pylist()[0]


def test_the_headline_is_the_officers_city_with_its_counts_and_denominators(client_for, served_data):
    headline = client_for("officer", "3301").get("/overview.json").json()["headline"]
    stored = stored_row(served_data, "city", "330100", "2020-02-20")
    assert headline["code"] == "330100"
    for key in ("enterprises", "reporting", "resumed", "baseline_kwh", "resumed_kwh", "index"):
        assert headline[key] == pytest.approx(stored[key])
    assert headline["resumed_share"] == pytest.approx(100 * headline["resumed"] / headline["reporting"])
    assert headline["energy_ratio"] == pytest.approx(100 * headline["resumed_kwh"] / headline["baseline_kwh"])
    assert headline["index"] == pytest.approx(0.5 * headline["resumed_share"] + 0.5 * headline["energy_ratio"])


def test_the_change_is_against_the_previous_day(client_for, served_data):
    body = client_for("province_admin", "33").get("/overview.json").json()
    today = stored_row(served_data, "province", "330000", "2020-02-20")
    yesterday = stored_row(served_data, "province", "330000", "2020-02-19")
    assert body["previous_date"] == (dt.date(2020, 2, 20) - dt.timedelta(days=1)).isoformat()
    assert body["change"]["index"] == pytest.approx(today["index"] - yesterday["index"], abs=1e-3)
    assert body["change"]["resumed"] == today["resumed"] - yesterday["resumed"]


def test_the_page_shows_the_counts_next_to_the_shares(client_for):
    client = client_for("officer", "3301")
    headline = client.get("/overview.json").json()["headline"]
    page = client.get("/overview").text
    assert f"{headline['resumed']:,} / {headline['reporting']:,}" in page
    assert f"{headline['resumed_kwh']:,.0f} / {headline['baseline_kwh']:,.0f}" in page
    assert f"{headline['index']:.2f}" in page
