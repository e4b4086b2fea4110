"""The daily report of a small fixture matches counts made by hand, per county, city and province, as
of the end of the day; it is frozen, a late correction makes version 2 and version 1 stays; the CLI
writes it as CSV or XLSX with exactly the issue's columns."""

import csv
import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from fugong.config import get_settings
from fugong.enterprises.projects import add_project, set_project_status
from fugong.index.service import results_dir
from fugong.resumption.filings import create_filing, declare_resumed, decide, submit_filing
from fugong.resumption.report import COLUMNS, freeze_day, report_for
from fugong.resumption.roster import set_status, upsert_employee
from tests.resumption.helpers import ANSWERS, D, SYSTEM, add_firm, at, firm_user, publish

POLICY = "priorities-shanghai-2020"
OFFICER = SYSTEM.__class__(user_id="zj", role="officer", region_prefix="33")


def _filing(session, eid, day, region="330110"):
    user = firm_user(eid, region)
    filing = create_filing(session, user, enterprise_id=eid, planned_start=day, policy=POLICY, at=at(day, 9))
    return submit_filing(session, user, filing_id=filing.id, answers=ANSWERS, policy=POLICY, at=at(day, 9))


def _employee(session, eid, no, status, day):
    return upsert_employee(session, SYSTEM, enterprise_id=eid, effective_on=day, employee_no=no, name=f"员工{no}",
                           status=status)[0]


@pytest.fixture
def fixture(session):
    for eid in ("E1", "E2", "E3", "E4", "E5"):
        add_firm(session, eid, region="330110")
    for eid in ("E6", "E7"):
        add_firm(session, eid, region="330106")
    add_firm(session, "E8", region="330206")
    publish(session, D(2020, 2, 9), {"330110": "yellow", "330106": "yellow", "330206": "yellow"})
    e1 = _filing(session, "E1", D(2020, 2, 10))
    e2 = _filing(session, "E2", D(2020, 2, 10))
    e3 = _filing(session, "E3", D(2020, 2, 11))
    e6 = _filing(session, "E6", D(2020, 2, 11), "330106")
    _filing(session, "E8", D(2020, 2, 12), "330206")
    create_filing(session, firm_user("E4"), enterprise_id="E4", planned_start=D(2020, 2, 12), policy=POLICY,
                  at=at(D(2020, 2, 11)))  # a draft: not filed
    decide(session, OFFICER, filing_id=e1.id, action="approve", reason="ok", at=at(D(2020, 2, 11), 15))
    decide(session, OFFICER, filing_id=e2.id, action="approve", reason="ok", at=at(D(2020, 2, 12), 15))
    decide(session, OFFICER, filing_id=e3.id, action="reject", reason="无防控方案", at=at(D(2020, 2, 11), 16))
    decide(session, OFFICER, filing_id=e6.id, action="approve", reason="ok", at=at(D(2020, 2, 11), 17))
    declare_resumed(session, firm_user("E1"), filing_id=e1.id, on=D(2020, 2, 12), at=at(D(2020, 2, 12), 8))
    for no, status in (("1", "on_site"), ("2", "on_site"), ("3", "on_site"), ("4", "not_returned")):
        _employee(session, "E1", no, status, D(2020, 2, 10))
    late = _employee(session, "E1", "4", "not_returned", D(2020, 2, 10))
    set_status(session, SYSTEM, employee_id=late.id, status="on_site", effective_on=D(2020, 2, 12))
    _employee(session, "E6", "1", "on_site", D(2020, 2, 10))
    _employee(session, "E6", "2", "quarantined", D(2020, 2, 10))
    gone = _employee(session, "E6", "3", "on_site", D(2020, 2, 10))
    set_status(session, SYSTEM, employee_id=gone.id, status="left", effective_on=D(2020, 2, 11))
    add_project(session, SYSTEM, project_id="P1", kind="key_project", name="余杭重点项目", region_code="330110",
                listed_on=D(2020, 2, 1))
    add_project(session, SYSTEM, project_id="P2", kind="construction_site", name="西湖工地", region_code="330106",
                listed_on=D(2020, 2, 1))
    set_project_status(session, SYSTEM, project_id="P1", status="resumed", effective_on=D(2020, 2, 11))
    path = results_dir(get_settings()) / "enterprises.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"enterprise_id": ["E1", "E5", "E7", "E8"],
                             "first_resumption": pa.array([D(2020, 2, 11), D(2020, 2, 10), D(2020, 2, 13), D(2020, 2, 11)],
                                                          pa.date32())}), path)
    session.commit()
    return session


#                       enterprises filed approved declared metered staff on_site projects resumed
HAND_0211 = {
    ("county", "330110"): (5, 3, 1, 0, 2, 4, 3, 1, 1),
    ("county", "330106"): (2, 1, 1, 0, 0, 2, 1, 1, 0),
    ("county", "330206"): (1, 0, 0, 0, 1, 0, 0, 0, 0),
    ("city", "330100"): (7, 4, 2, 0, 2, 6, 4, 2, 1),
    ("city", "330200"): (1, 0, 0, 0, 1, 0, 0, 0, 0),
    ("province", "330000"): (8, 4, 2, 0, 3, 6, 4, 2, 1),
}
HAND_0212_YUHANG = (5, 3, 2, 1, 2, 4, 4, 1, 1)


def _table(report):
    return {(r["level"], r["code"]): tuple(r[c] for c in COLUMNS[4:]) for r in report["rows"]}


def test_live_figures_match_the_hand_counts(fixture):
    rows = {}
    for level in ("county", "city", "province"):
        rows.update(_table(report_for(fixture, SYSTEM, day=D(2020, 2, 11), level=level)))
    assert rows == HAND_0211
    yuhang = report_for(fixture, SYSTEM, day=D(2020, 2, 12), level="county")
    assert _table(yuhang)[("county", "330110")] == HAND_0212_YUHANG
    assert report_for(fixture, SYSTEM, day=D(2020, 2, 11), level="city")["rows"][0]["name"] == "杭州市"


def test_frozen_then_corrected_late_version_1_is_kept(fixture):
    assert freeze_day(fixture, day=D(2020, 2, 11), settings=get_settings()) == (1, True)
    assert freeze_day(fixture, day=D(2020, 2, 11), settings=get_settings()) == (1, False)
    # reported the next morning: the Xihu site had restarted on the 11th
    set_project_status(fixture, SYSTEM, project_id="P2", status="resumed", effective_on=D(2020, 2, 11))
    frozen = report_for(fixture, SYSTEM, day=D(2020, 2, 11), level="county")
    assert frozen["frozen"] and frozen["version"] == 1 and _table(frozen)[("county", "330106")][-1] == 0
    assert freeze_day(fixture, day=D(2020, 2, 11), settings=get_settings(), reason="晚报更正") == (2, True)
    latest = report_for(fixture, SYSTEM, day=D(2020, 2, 11), level="county")
    assert latest["version"] == 2 and _table(latest)[("county", "330106")][-1] == 1
    first = report_for(fixture, SYSTEM, day=D(2020, 2, 11), level="county", version=1)
    assert _table(first)[("county", "330106")][-1] == 0 and [v["version"] for v in first["versions"]] == [1, 2]


def test_a_city_officer_sees_the_city_and_its_counties_only(fixture):
    hangzhou = SYSTEM.__class__(user_id="hz", role="officer", region_prefix="3301")
    counties = report_for(fixture, hangzhou, day=D(2020, 2, 11), level="county")
    assert {r["code"] for r in counties["rows"]} == {"330110", "330106"}
    assert report_for(fixture, hangzhou, day=D(2020, 2, 11), level="province")["rows"] == []


def test_the_cli_writes_csv_and_xlsx_with_exactly_the_columns(fixture, tmp_path, monkeypatch, db_url):
    from fugong.cli import app

    monkeypatch.setenv("FUGONG_DATABASE_URL", db_url)
    get_settings.cache_clear()
    freeze_day(fixture, day=D(2020, 2, 11), settings=get_settings())
    fixture.commit()
    runner = CliRunner()
    result = runner.invoke(app, ["resumption", "report", "--date", "2020-02-11", "--by", "city", "--out",
                                 str(tmp_path / "r.csv")])
    assert result.exit_code == 0, result.output
    assert "frozen version 1" in result.output
    with open(tmp_path / "r.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == COLUMNS
    assert [(r["code"], r["enterprises"], r["approved"], r["staff_on_site"]) for r in rows] == [
        ("330100", "7", "2", "4"), ("330200", "1", "0", "0")]
    result = runner.invoke(app, ["resumption", "report", "--date", "2020-02-12", "--by", "province", "--out",
                                 str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0 and "live figures" in result.output
    sheet = load_workbook(tmp_path / "r.xlsx").active
    values = list(sheet.values)
    assert list(values[0]) == COLUMNS and values[1][2] == "330000" and values[1][6] == 3  # approved on the 12th
    bad = runner.invoke(app, ["resumption", "report", "--date", "2020-02-11", "--by", "street", "--out", "x.csv"])
    assert bad.exit_code == 2 and "accepted values are province, city, county" in bad.output
    missing = runner.invoke(app, ["resumption", "report", "--date", "2020-02-11", "--by", "city", "--version", "5",
                                  "--out", str(tmp_path / "v5.csv")])
    assert missing.exit_code == 1 and not (tmp_path / "v5.csv").exists()
