"""扬州 (seed 004): a leading firm files with its 52 suppliers spread over three counties; each
supplier's part lands in its own county's queue, and the bundle shows chain completeness — suppliers
approved, and resumed by meter — with the groups for the index's ``--by group`` breakdown."""

import csv
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fugong.access import AccessDenied, Principal
from fugong.config import get_settings
from fugong.index.service import results_dir
from fugong.resumption.bundles import bundle_groups, completeness, file_bundle
from fugong.resumption.filings import decide, queue
from tests.resumption.helpers import D, add_firm, at, firm_user, publish

FIXTURE = Path(__file__).with_name("fixtures") / "yangzhou-52-suppliers.csv"
HANJIANG, GUANGLING, JIANGDU = "321003", "321002", "321012"


def officer(county):
    return Principal(user_id=f"officer-{county}", role="officer", region_prefix=county)


def suppliers():
    with open(FIXTURE, encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


@pytest.fixture
def bundle(session):
    add_firm(session, "FENGSHANG", region=HANJIANG, serial=1)  # the leader, 扬州丰尚
    publish(session, D(2020, 2, 14), {HANJIANG: "yellow", GUANGLING: "yellow", JIANGDU: "yellow"})
    items = [{"uscc": s["uscc"], "name": s["name"]} for s in suppliers()]
    return file_bundle(session, firm_user("FENGSHANG", HANJIANG), lead_enterprise_id="FENGSHANG", name="丰尚产业链",
                       suppliers=items, planned_start=D(2020, 2, 17), at=at(D(2020, 2, 15)))


def test_each_part_is_routed_to_its_own_county(session, bundle):
    expected = {HANJIANG: 20 + 1, GUANGLING: 18, JIANGDU: 14}  # Hanjiang also decides the leader's own filing
    for county, count in expected.items():
        rows = queue(session, officer(county))["rows"]
        assert len(rows) == count
        assert {r["region_code"] for r in rows} == {county}
    by_uscc = {s["uscc"]: s["county"] for s in suppliers()}
    view = completeness(session, firm_user("FENGSHANG", HANJIANG), bundle_id=bundle.id, day=D(2020, 2, 20))
    assert view["suppliers"] == 52 and set(view["counties"]) == {HANJIANG, GUANGLING, JIANGDU}
    assert all(m["region_code"] == by_uscc[m["uscc"]] for m in view["members"] if m["kind"] == "bundle_part")
    assert {c: v["suppliers"] for c, v in view["counties"].items()} == {HANJIANG: 20, GUANGLING: 18, JIANGDU: 14}


def test_completeness_counts_approvals_and_meter_resumption(session, bundle):
    members = completeness(session, firm_user("FENGSHANG", HANJIANG), bundle_id=bundle.id, day=D(2020, 2, 20))["members"]
    parts = [m for m in members if m["kind"] == "bundle_part"]
    # members come by county code: 321002 Guangling (18), 321003 Hanjiang (20), 321012 Jiangdu (14)
    for m in parts[:30]:  # 18 Guangling + 12 Hanjiang approved, each by its own county
        decide(session, officer(m["region_code"]), filing_id=m["filing_id"], action="approve", reason="产业链协同")
    # the meter says: the first 40 suppliers resumed, 35 of them by 02-18, 5 on 02-25
    path = results_dir(get_settings()) / "enterprises.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    firsts = [dt.date(2020, 2, 18)] * 35 + [dt.date(2020, 2, 25)] * 5
    pq.write_table(pa.table({"enterprise_id": [m["enterprise_id"] for m in parts[:40]],
                             "first_resumption": pa.array(firsts, pa.date32())}), path)
    view = completeness(session, officer(HANJIANG), bundle_id=bundle.id, day=D(2020, 2, 20))
    assert (view["suppliers"], view["approved"], view["metered"], view["complete"]) == (52, 30, 35, False)
    assert view["counties"][GUANGLING] == {"suppliers": 18, "approved": 18, "metered": 18}
    assert view["counties"][HANJIANG] == {"suppliers": 20, "approved": 12, "metered": 17}
    assert view["counties"][JIANGDU] == {"suppliers": 14, "approved": 0, "metered": 0}


def test_a_supplier_county_officer_cannot_open_the_leaders_bundle_or_decide_other_parts(session, bundle):
    with pytest.raises(LookupError):
        completeness(session, officer(JIANGDU), bundle_id=bundle.id, day=D(2020, 2, 20))
    guangling_part = queue(session, officer(GUANGLING))["rows"][0]["id"]
    with pytest.raises((AccessDenied, LookupError)):
        decide(session, officer(JIANGDU), filing_id=guangling_part, action="approve", reason="x")


def test_the_bundle_gives_groups_for_the_index_breakdown(session, bundle):
    groups = bundle_groups(session, firm_user("FENGSHANG", HANJIANG))
    assert len(groups) == 53 and {g["group_id"] for g in groups} == {bundle.id}
