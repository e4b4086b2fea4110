"""Declared against metered: approved firms declaring work whose meter says not resumed, and
metered-resumed firms that never filed, listed per county with the meter's date and flags."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fugong.access import AccessDenied
from fugong.config import get_settings
from fugong.index.service import results_dir
from fugong.resumption.crosscheck import crosscheck
from fugong.resumption.filings import create_filing, declare_resumed, decide, submit_filing
from tests.resumption.helpers import ANSWERS, D, HANGZHOU, SYSTEM, add_firm, at, firm_user, publish

POLICY = "priorities-shanghai-2020"


def _resumed(session, eid, on):
    user = firm_user(eid)
    filing = create_filing(session, user, enterprise_id=eid, planned_start=on, policy=POLICY, at=at(D(2020, 2, 10)))
    submit_filing(session, user, filing_id=filing.id, answers=ANSWERS, policy=POLICY, at=at(D(2020, 2, 10)))
    decide(session, HANGZHOU, filing_id=filing.id, action="approve", reason="ok", at=at(D(2020, 2, 10), 12))
    declare_resumed(session, user, filing_id=filing.id, on=on, at=at(on))


def test_both_lists_with_the_meters_date_and_flags(session):
    for eid in ("IDLE", "HONEST", "SILENT", "NOMETER"):
        add_firm(session, eid)
    publish(session, D(2020, 2, 9), {"330110": "yellow"})
    _resumed(session, "IDLE", D(2020, 2, 11))      # declares work; meter resumes only on the 20th
    _resumed(session, "HONEST", D(2020, 2, 11))    # declares work; meter agrees
    _resumed(session, "NOMETER", D(2020, 2, 11))   # declares work; no meter reading at all
    path = results_dir(get_settings()) / "enterprises.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({
        "enterprise_id": ["IDLE", "HONEST", "SILENT"],
        "first_resumption": pa.array([D(2020, 2, 20), D(2020, 2, 11), D(2020, 2, 12)], pa.date32()),
        "cohort": ["resumed", "resumed", "resumed"], "never_stopped": [False, False, False],
        "idle_suspect": [True, False, False]}), path)
    lists = crosscheck(session, HANGZHOU, day=D(2020, 2, 14))
    declared = {r["enterprise_id"]: r for r in lists["declared_not_metered"]}
    assert set(declared) == {"IDLE", "NOMETER"}
    assert declared["IDLE"]["first_resumption"] == "2020-02-20" and declared["IDLE"]["idle_suspect"] is True
    assert declared["NOMETER"]["metered"] is False
    assert [r["enterprise_id"] for r in lists["metered_not_filed"]] == ["SILENT"]
    assert lists["counts"] == {"330110": {"declared_not_metered": 2, "metered_not_filed": 1}}
    assert crosscheck(session, HANGZHOU, day=D(2020, 2, 11))["metered_not_filed"] == []


def test_enterprises_and_gate_staff_may_not_read_the_lists(session):
    for role in ("enterprise", "gate_staff", "person"):
        with pytest.raises(AccessDenied):
            crosscheck(session, SYSTEM.__class__(user_id="x", role=role, region_prefix="330110"), day=D(2020, 2, 14))
