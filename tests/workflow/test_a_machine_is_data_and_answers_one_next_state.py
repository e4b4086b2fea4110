"""A state machine is a TOML file: state × action × role → one next state, checked when loaded."""

import pytest

from fugong.workflow.machine import MachineError, TransitionRefused, parse_machine
from tests.workflow.entities import machine


def test_the_table_answers_the_next_state():
    m = machine()
    assert m.next_state("open", "approve", "officer") == "approved"
    assert m.next_state("approved", "reject", "officer") == "rejected"
    assert [t.action for t in m.actions_for("open", "officer")] == ["approve", "reject"]
    assert [t.action for t in m.actions_for("approved", "enterprise")] == ["close"]


@pytest.mark.parametrize(("state", "action", "role", "code"), [
    ("open", "close", "enterprise", "wrong_state"),
    ("open", "approve", "enterprise", "wrong_role"),
    ("closed", "reject", "officer", "wrong_state"),
    ("open", "fly", "officer", "unknown_action"),
])
def test_anything_not_in_the_table_is_refused_with_a_reason(state, action, role, code):
    with pytest.raises(TransitionRefused) as caught:
        machine().next_state(state, action, role)
    assert caught.value.code == code and caught.value.zh and caught.value.en


BASE = {"name": "m", "version": 1, "initial": "a", "states": {"a": {}, "b": {}, "z": {"terminal": True}}}


@pytest.mark.parametrize(("transitions", "message"), [
    ([{"action": "go", "from": "a", "to": "c", "roles": ["officer"]}], "unknown state 'c'"),
    ([{"action": "go", "from": "a", "to": "b", "roles": ["wizard"]}], "unknown role 'wizard'"),
    ([{"action": "go", "from": "z", "to": "b", "roles": ["officer"]}], "terminal"),
    ([{"action": "go", "from": "a", "to": "b", "roles": ["officer"]},
      {"action": "go", "from": ["a"], "to": "z", "roles": ["officer"]}], "already defined"),
    ([{"action": "go", "from": "a", "to": "b", "roles": ["officer"], "reason": "maybe"}], "reason"),
])
def test_a_malformed_machine_is_refused_naming_the_field(transitions, message):
    with pytest.raises(MachineError) as caught:
        parse_machine({**BASE, "transitions": transitions}, source="bad.toml")
    assert "bad.toml" in str(caught.value) and message in str(caught.value)
