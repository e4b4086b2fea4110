"""An enterprise's region is known to the code store only through its gates: a Hangzhou officer may
not claim a Ningbo enterprise by registering a gate for it in Hangzhou, and the daily view of an
enterprise with gates in two regions needs both (it shows all its staff and all its gates)."""

import pytest

from fugong.access import AccessDenied, Principal
from fugong.healthcode.models import Gate
from fugong.healthcode.scans import enterprise_day, register_gate
from tests.healthcode.helpers import NINGBO_OFFICER, OFFICER, SYSTEM


def test_a_hangzhou_officer_may_not_add_a_hangzhou_gate_to_a_ningbo_enterprise(session):
    register_gate(session, NINGBO_OFFICER, gate_id="G-NB", enterprise_id="E-NB", region_code="330203", name="北门")
    with pytest.raises(AccessDenied):
        register_gate(session, OFFICER, gate_id="G-X", enterprise_id="E-NB", region_code="330106", name="东门")
    assert session.get(Gate, "G-X") is None


def test_a_hangzhou_officer_is_refused_the_day_of_an_enterprise_with_a_ningbo_gate(session):
    register_gate(session, SYSTEM, gate_id="G-NB", enterprise_id="E-2", region_code="330203", name="北门")
    register_gate(session, SYSTEM, gate_id="G-HZ", enterprise_id="E-2", region_code="330106", name="南门")
    with pytest.raises(AccessDenied):
        enterprise_day(session, OFFICER, enterprise_id="E-2")
    zhejiang = Principal(user_id="zj", role="officer", region_prefix="33")
    assert enterprise_day(session, zhejiang, enterprise_id="E-2")["enterprise_id"] == "E-2"


def test_an_officer_still_adds_gates_to_an_enterprise_of_their_region(session):
    register_gate(session, OFFICER, gate_id="G-1", enterprise_id="E-HZ", region_code="330106", name="北门")
    register_gate(session, OFFICER, gate_id="G-2", enterprise_id="E-HZ", region_code="330110", name="南门")
    assert enterprise_day(session, OFFICER, enterprise_id="E-HZ")["enterprise_id"] == "E-HZ"
