"""The county enterprise list: server-side pages that cover every enterprise once, sorting,
filters (cohort, flag, size, search), read from stored results only, exports with every row."""

import csv
import io

import pytest


def _all_pages(client, query):
    first = client.get(f"/explorer.json?code=330104&per_page=10&{query}").json()["table"]
    rows = list(first["rows"])
    for page in range(2, first["pages"] + 1):
        rows += client.get(f"/explorer.json?code=330104&per_page=10&page={page}&{query}").json()["table"]["rows"]
    return first, rows


def test_pages_cover_every_enterprise_of_the_county_once(client_for):
    client = client_for("officer", "3301")
    first, rows = _all_pages(client, "sort=enterprise_id")
    ids = [r["enterprise_id"] for r in rows]
    assert len(ids) == len(set(ids)) == first["total"] and first["pages"] == -(-first["total"] // 10)
    assert ids == sorted(ids)


def test_sorting_by_share_of_baseline_puts_enterprises_without_a_reading_last(client_for):
    client = client_for("officer", "3301")
    for order in ("asc", "desc"):
        _first, rows = _all_pages(client, f"sort=ratio&order={order}")
        ratios = [r["ratio"] for r in rows if r["ratio"] is not None]
        assert ratios == sorted(ratios, reverse=order == "desc")
        assert all(r["ratio"] is None for r in rows[len(ratios):])


def test_filters_narrow_the_list_and_the_counts_come_from_the_stored_results(client_for):
    client = client_for("officer", "3301")
    table = client.get("/explorer.json?code=330104").json()["table"]
    for cohort, count in table["cohorts"].items():
        _first, rows = _all_pages(client, f"cohort={cohort}")
        assert len(rows) == count and all(r["cohort"] == cohort for r in rows)
    _first, quiet = _all_pages(client, "flag=not_reporting")
    assert len(quiet) == table["flags"]["not_reporting"] and all(r["resumed"] is None for r in quiet)
    _first, small = _all_pages(client, "size=small")
    assert small and all(r["size_class"] == "small" for r in small)
    name = small[0]["name"]
    found = client.get(f"/explorer.json?code=330104&q={name}").json()["table"]["rows"]
    assert [r["enterprise_id"] for r in found] == [small[0]["enterprise_id"]]


def test_the_list_never_reads_the_meter_files(client_for, monkeypatch):
    from fugong.index import store

    def refuse(*_args, **_kwargs):
        raise AssertionError("the county list read the meter store")

    monkeypatch.setattr(store, "snapshot", refuse)
    monkeypatch.setattr(store, "daily_files", refuse)
    client = client_for("officer", "3301")
    assert client.get("/explorer.json?code=330104&page=2&per_page=10").json()["table"]["rows"]


@pytest.mark.parametrize("query", ["sort=secret", "order=sideways", "cohort=vip", "flag=rich", "page=x"])
def test_bad_list_options_are_refused_with_400(client_for, query):
    assert client_for("officer", "3301").get(f"/explorer.json?code=330104&{query}").status_code == 400


def test_exports_hold_every_row_of_the_filtered_list_not_one_page(client_for):
    client = client_for("officer", "3301")
    table = client.get("/explorer.json?code=330104&per_page=10").json()["table"]
    assert table["total"] > 10
    exported = list(csv.DictReader(io.StringIO(client.get("/explorer.csv?code=330104&per_page=10").content.decode("utf-8-sig"))))
    assert len(exported) == table["total"]
    resumed = list(csv.DictReader(io.StringIO(client.get("/explorer.csv?code=330104&cohort=resumed").content.decode("utf-8-sig"))))
    assert len(resumed) == table["cohorts"]["resumed"]
