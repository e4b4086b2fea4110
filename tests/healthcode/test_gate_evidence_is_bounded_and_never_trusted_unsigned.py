"""Offline sync believes a scan time only within 24 hours and marks late evidence; a forged token's
claims are never shown; a staff read needs a purpose; department staff do not see who was denied."""

import datetime as dt

import pytest

from fugong.access import AccessDenied, Principal
from fugong.healthcode.declarations import declare
from fugong.healthcode.lifecycle import TZ
from fugong.healthcode.people import person_record, register_person
from fugong.healthcode.scans import enterprise_day, register_gate, sync_offline_scans
from fugong.healthcode.tokens import b64d, b64e, decode, issue_token, verify
from tests.healthcode.helpers import OFFICER, SYSTEM, make_id

GUARD = Principal(user_id="guard", role="gate_staff", region_prefix="330106")


@pytest.fixture
def green(session):
    register_gate(session, SYSTEM, gate_id="G1", enterprise_id="E1", region_code="330106", name="北门")
    me = Principal(user_id="p1", role="person")
    person = register_person(session, me, name="郭靖", phone="13800000001", id_number=make_id(1),
                             region_code="330106", enterprise_id="E1")
    declare(session, me, current_region="330106", temperature=36.5)
    return person


def _sync(session, token, at, cid="c1"):
    return sync_offline_scans(session, GUARD, scans=[{"client_scan_id": cid, "gate_id": "G1", "token": token,
                                                      "temperature": 36.5, "scanned_at": at.isoformat()}])[0]


def test_a_week_old_token_back_dated_into_its_validity_window_is_denied(session, green):
    week_ago = dt.datetime.now(TZ) - dt.timedelta(days=7)
    token = issue_token(session, person=green, at=week_ago.timestamp())
    answer = _sync(session, token, week_ago + dt.timedelta(seconds=30))  # before the fix: pass
    assert answer["result"] == "deny" and answer["reason"]["code"] == "DENY_OFFLINE_TOO_OLD" and answer["late"]
    year_one = _sync(session, token, dt.datetime(1, 1, 2, tzinfo=TZ), cid="c2")
    assert year_one["result"] == "deny"


def test_a_scan_synced_an_hour_late_is_decided_as_of_its_time_and_marked_late(session, green):
    an_hour_ago = dt.datetime.now(TZ) - dt.timedelta(hours=1)
    token = issue_token(session, person=green, at=an_hour_ago.timestamp())
    answer = _sync(session, token, an_hour_ago + dt.timedelta(seconds=20))
    assert answer["result"] == "pass" and answer["late"] is True
    day = enterprise_day(session, OFFICER, enterprise_id="E1", day=an_hour_ago.date())
    assert day["late_synced_scans"] == 1


def test_a_forged_tokens_claimed_person_is_never_shown(session, green):
    token = issue_token(session, person=green)
    prefix, payload, signature = token.split(".")
    claims = decode(token)[1]
    forged_payload = b64e(b64d(payload).replace(b'"k":"green"', b'"k":"red"'))
    forged = f"{prefix}.{forged_payload}.{signature}"
    assert verify(session, forged).reason_code == "DENY_BAD_SIGNATURE"
    _sync(session, forged, dt.datetime.now(TZ), cid="forged")
    day = enterprise_day(session, OFFICER, enterprise_id="E1")
    [denied] = day["denied"]
    assert "郭" not in denied["who"] and denied["who"].startswith("未验证")  # before the fix: "郭*"
    assert claims["c"] == green.code_id


def test_a_token_payload_nested_30000_deep_is_malformed_not_a_crash(session, green):
    nested = b64e(b'{"c":' + b"[" * 30_000 + b"]" * 30_000 + b"}")
    assert verify(session, f"HC1.{nested}.AAAA").reason_code == "DENY_MALFORMED"


def test_a_staff_read_needs_a_purpose(session, green):
    for purpose in ("", "  ", "x"):
        with pytest.raises(ValueError, match="purpose"):
            person_record(session, OFFICER, person_id=green.id, purpose=purpose)
    assert person_record(session, OFFICER, person_id=green.id, purpose="流调")["id"] == green.id


def test_department_staff_do_not_see_who_was_denied_at_a_gate(session, green):
    department = Principal(user_id="d", role="department", region_prefix="3301")
    with pytest.raises(AccessDenied):  # before the fix: masked names of denied people
        enterprise_day(session, department, enterprise_id="E1")
