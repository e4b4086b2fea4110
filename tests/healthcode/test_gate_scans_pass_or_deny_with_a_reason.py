"""Gate scans: only green with a normal temperature passes; fever denies and flags; a token accepted
at a gate cannot be used there again; gate staff see only pass/deny and the reason."""

import datetime as dt
import time

import pytest
from sqlalchemy import select

from fugong.access import SYSTEM, AccessDenied, Principal
from fugong.healthcode import tokens
from fugong.healthcode.declarations import declare
from fugong.healthcode.models import Scan
from fugong.healthcode.scans import register_gate, scan, sync_offline_scans
from fugong.store.audit import AuditEntry
from tests.healthcode.helpers import DAY0, OFFICER

GATE_STAFF = Principal(user_id="guard", role="gate_staff", region_prefix="330106")


@pytest.fixture
def gates(session):
    register_gate(session, OFFICER, gate_id="G1", enterprise_id="E1", region_code="330106", name="北门")
    register_gate(session, OFFICER, gate_id="G2", enterprise_id="E1", region_code="330106", name="南门")
    register_gate(session, SYSTEM, gate_id="NB1", enterprise_id="E9", region_code="330203", name="宁波厂")


def _person_with(session, new_person, **declaration):
    person, me = new_person(enterprise_id="E1")
    declare(session, me, current_region="330106", day=DAY0, **{"temperature": 36.5, **declaration})
    return person


def test_green_with_a_normal_temperature_passes(session, new_person, gates):
    person = _person_with(session, new_person)
    answer = scan(session, GATE_STAFF, gate_id="G1", token=tokens.issue_token(session, person=person), temperature=36.6)
    assert answer["result"] == "pass" and answer["reason"]["code"] == "PASS_GREEN"


@pytest.mark.parametrize("declaration,reason", [({"symptoms": ["cough"]}, "DENY_YELLOW"), ({"temperature": 38.0}, "DENY_RED")])
def test_yellow_and_red_are_denied(session, new_person, gates, declaration, reason):
    person = _person_with(session, new_person, **declaration)
    answer = scan(session, GATE_STAFF, gate_id="G1", token=tokens.issue_token(session, person=person), temperature=36.6)
    assert (answer["result"], answer["reason"]["code"]) == ("deny", reason)


def test_a_temperature_of_37_3_denies_and_flags_even_a_green_code(session, new_person, gates):
    person = _person_with(session, new_person)
    answer = scan(session, GATE_STAFF, gate_id="G1", token=tokens.issue_token(session, person=person), temperature=37.3)
    assert (answer["result"], answer["reason"]["code"]) == ("deny", "DENY_FEVER")
    stored = session.get(Scan, answer["scan_id"])
    assert stored.flagged and stored.enterprise_id == "E1" and stored.gate_id == "G1"
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "healthcode.scan.fever")) is not None


def test_a_token_already_accepted_at_this_gate_is_a_replay(session, new_person, gates):
    person = _person_with(session, new_person)
    token = tokens.issue_token(session, person=person)
    assert scan(session, GATE_STAFF, gate_id="G1", token=token, temperature=36.5)["result"] == "pass"
    again = scan(session, GATE_STAFF, gate_id="G1", token=token, temperature=36.5)
    assert (again["result"], again["reason"]["code"]) == ("deny", "DENY_REPLAY")
    assert scan(session, GATE_STAFF, gate_id="G2", token=token, temperature=36.5)["result"] == "pass"


def test_an_expired_screenshot_is_denied_at_the_gate(session, new_person, gates):
    person = _person_with(session, new_person)
    token = tokens.issue_token(session, person=person, at=time.time() - 301)
    assert scan(session, GATE_STAFF, gate_id="G1", token=token, temperature=36.5)["reason"]["code"] == "DENY_EXPIRED"


def test_the_gate_answer_holds_no_personal_data(session, new_person, gates):
    person = _person_with(session, new_person)
    answer = scan(session, GATE_STAFF, gate_id="G1", token=tokens.issue_token(session, person=person), temperature=36.5)
    assert set(answer) == {"result", "reason", "scan_id"}
    assert person.name not in str(answer) and person.code_id not in str(answer)


def test_gate_staff_of_another_region_may_not_scan_here(session, new_person, gates):
    person = _person_with(session, new_person)
    with pytest.raises(AccessDenied):
        scan(session, GATE_STAFF, gate_id="NB1", token=tokens.issue_token(session, person=person), temperature=36.5)


def test_a_person_may_not_operate_a_gate(session, new_person, gates):
    person, me = new_person()
    with pytest.raises(AccessDenied):
        scan(session, me, gate_id="G1", token="HC1.x.y", temperature=36.5)


def test_offline_scans_sync_once_and_are_verified_as_of_their_scan_time(session, new_person, gates):
    person = _person_with(session, new_person)
    scanned = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=30)
    token = tokens.issue_token(session, person=person, at=scanned.timestamp() - 60)  # valid then, expired now
    queued = [{"client_scan_id": "dev1-0001", "gate_id": "G1", "token": token, "temperature": 36.4,
               "scanned_at": scanned.isoformat()}]
    first = sync_offline_scans(session, GATE_STAFF, scans=queued)
    second = sync_offline_scans(session, GATE_STAFF, scans=queued)
    assert first[0]["result"] == "pass" and second[0]["scan_id"] == first[0]["scan_id"]
    stored = session.scalars(select(Scan).where(Scan.client_scan_id == "dev1-0001")).all()
    assert len(stored) == 1 and stored[0].offline
