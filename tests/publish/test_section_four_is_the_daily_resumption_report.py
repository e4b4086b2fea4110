"""Section 4 of the publication is the daily resumption report of ``fugong.resumption.report``: the
latest frozen version of the day (what the command centre saw), in the publisher's scope — a city
and its counties for a city officer — written to resumption-report.csv with every column, and the
same figures in the HTML."""

import csv

import pytest

from fugong.access import Principal
from fugong.publish.bundle import publish_bundle
from fugong.resumption.filings import create_filing, decide, submit_filing
from fugong.resumption.report import COLUMNS, freeze_day, report_for
from tests.control.conftest import AS_OF
from tests.resumption.helpers import ANSWERS, SYSTEM, add_firm, at, firm_user, publish

pytestmark = pytest.mark.xdist_group("control-world")  # one demo_world (tests/control/conftest.py)

HANGZHOU = Principal(user_id="hz-publisher", role="officer", region_prefix="3301")
ZHEJIANG = Principal(user_id="zj-officer", role="officer", region_prefix="33")
POLICY = "priorities-shanghai-2020"


def _filed_and_approved(session, eid, region):
    user = firm_user(eid, region)
    filing = create_filing(session, user, enterprise_id=eid, planned_start=AS_OF, policy=POLICY, at=at(AS_OF, 8))
    filing = submit_filing(session, user, filing_id=filing.id, answers=ANSWERS, policy=POLICY, at=at(AS_OF, 9))
    decide(session, ZHEJIANG, filing_id=filing.id, action="approve", reason="ok", at=at(AS_OF, 10))


def test_the_publication_carries_the_frozen_daily_report_of_its_scope(demo_world, engine, session, tmp_path):
    settings, _ = demo_world
    for eid, region in (("P1", "330110"), ("P2", "330110"), ("P3", "330106"), ("P4", "330203")):
        add_firm(session, eid, region=region)
    publish(session, AS_OF, {"330110": "blue", "330106": "blue", "330203": "blue"})
    _filed_and_approved(session, "P1", "330110")
    _filed_and_approved(session, "P3", "330106")
    version, _ = freeze_day(session, day=AS_OF, settings=settings)
    session.commit()
    expected = [row for level in ("city", "county")
                for row in report_for(session, HANGZHOU, day=AS_OF, level=level, settings=settings)["rows"]]

    result = publish_bundle(settings=settings, engine=engine, date=AS_OF, out=tmp_path, lang="zh",
                            principal=HANGZHOU, png=False, pdf=False)

    with (result.folder / "resumption-report.csv").open(encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == COLUMNS
        rows = list(reader)
    assert [(r["level"], r["code"]) for r in rows] == [(r["level"], r["code"]) for r in expected]
    assert all(not r["code"].startswith("3302") for r in rows)  # Ningbo's firm is outside the scope
    by_code = {r["code"]: r for r in rows}
    assert by_code["330100"]["enterprises"] == "3" and by_code["330100"]["approved"] == "2"
    assert by_code["330110"]["filed"] == "1" and by_code["330106"]["approved"] == "1"
    html = (result.folder / "report.html").read_text(encoding="utf-8")
    assert "四、复工服务" in html and f"已冻结 第{version}版" in html
    assert not any("本节略" in note for note in result.notes)
