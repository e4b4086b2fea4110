"""The enterprise's own region decides (fugong.enterprises.service.enterprise_region: the registry,
else the meter store), never a region the request
names: a Hangzhou officer may not claim a Ningbo enterprise by registering a gate for it in Hangzhou —
even when the enterprise has no gate yet — and then read its day view or lock out Ningbo's officers."""

import pytest

from fugong.access import AccessDenied, Principal
from fugong.healthcode.models import Gate
from fugong.healthcode.scans import enterprise_day, register_gate
from tests.healthcode.helpers import NINGBO_OFFICER, OFFICER, SYSTEM


def test_a_hangzhou_officer_may_not_register_the_first_gate_of_a_ningbo_enterprise(session):
    # E-NB has no gate at all: before the fix, the request's region (330106) decided, and this was 200.
    with pytest.raises(AccessDenied):
        register_gate(session, OFFICER, gate_id="HZ-1", enterprise_id="E-NB", region_code="330106", name="东门")
    assert session.get(Gate, "HZ-1") is None
    with pytest.raises(AccessDenied):
        enterprise_day(session, OFFICER, enterprise_id="E-NB")
    assert enterprise_day(session, NINGBO_OFFICER, enterprise_id="E-NB")["enterprise_id"] == "E-NB"


def test_a_hangzhou_officer_may_not_add_a_hangzhou_gate_to_a_ningbo_enterprise(session):
    register_gate(session, NINGBO_OFFICER, gate_id="G-NB", enterprise_id="E-NB", region_code="330203", name="北门")
    with pytest.raises(AccessDenied):
        register_gate(session, OFFICER, gate_id="G-X", enterprise_id="E-NB", region_code="330106", name="东门")
    assert session.get(Gate, "G-X") is None


def test_a_gate_somewhere_else_does_not_move_the_enterprise(session):
    # E-2 is registered in Ningbo (330203); a gate of it in Hangzhou does not make it Hangzhou's.
    register_gate(session, SYSTEM, gate_id="G-HZ", enterprise_id="E-2", region_code="330106", name="南门")
    with pytest.raises(AccessDenied):
        enterprise_day(session, OFFICER, enterprise_id="E-2")
    zhejiang = Principal(user_id="zj", role="officer", region_prefix="33")
    assert enterprise_day(session, zhejiang, enterprise_id="E-2")["enterprise_id"] == "E-2"


def test_an_officer_still_adds_gates_to_an_enterprise_of_their_region(session):
    register_gate(session, OFFICER, gate_id="G-1", enterprise_id="E-HZ", region_code="330106", name="北门")
    register_gate(session, OFFICER, gate_id="G-2", enterprise_id="E-HZ", region_code="330110", name="南门")
    assert enterprise_day(session, OFFICER, enterprise_id="E-HZ")["enterprise_id"] == "E-HZ"


def test_an_enterprise_nobody_registered_is_refused_to_staff(session):
    with pytest.raises(AccessDenied):
        register_gate(session, OFFICER, gate_id="G-U", enterprise_id="E-UNKNOWN", region_code="330106", name="门")
    own = Principal(user_id="firm", role="enterprise", region_prefix="330106", enterprise_ids=frozenset({"E-UNKNOWN"}))
    assert register_gate(session, own, gate_id="G-U", enterprise_id="E-UNKNOWN", region_code="330106", name="门").id == "G-U"


def test_the_registry_decides_where_an_enterprise_is_before_the_meter_table(session):
    # E-NB is Ningbo's in the meter table; the registry (where a move is recorded) says Hangzhou now,
    # and a firm the meters never saw is placed by its registry entry alone.
    from fugong.enterprises.service import register_enterprise, update_enterprise
    from tests.enterprises.helpers import firm

    register_enterprise(session, SYSTEM, **firm("E-NB", region="330203"))
    update_enterprise(session, SYSTEM, enterprise_id="E-NB", region_code="330106")
    register_enterprise(session, SYSTEM, **firm("E-NEW", region="330203"))
    assert register_gate(session, OFFICER, gate_id="HZ-2", enterprise_id="E-NB", region_code="330106", name="东门").id == "HZ-2"
    with pytest.raises(AccessDenied):
        enterprise_day(session, NINGBO_OFFICER, enterprise_id="E-NB")
    with pytest.raises(AccessDenied):
        register_gate(session, OFFICER, gate_id="HZ-3", enterprise_id="E-NEW", region_code="330106", name="东门")
    assert enterprise_day(session, NINGBO_OFFICER, enterprise_id="E-NEW")["enterprise_id"] == "E-NEW"
