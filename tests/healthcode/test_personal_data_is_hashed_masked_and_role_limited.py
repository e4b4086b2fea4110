"""ID numbers are stored only as a keyed hash and a masked form; staff reads are role- and region-
limited and audited; audit entries hold masked values only."""

import json

import pytest
from sqlalchemy import inspect, select, text

from fugong.access import AccessDenied, Principal
from fugong.healthcode.declarations import declare
from fugong.healthcode.people import (InvalidIdentity, find_by_id_number, hash_id, mask_id, mask_phone,
                                      person_record, register_person)
from fugong.store.audit import AuditEntry
from tests.healthcode.helpers import DAY0, NINGBO_OFFICER, OFFICER, make_id


def test_masks_keep_only_the_first_and_last_digits():
    assert mask_id("330106199001011234") == "3301**********1234"
    assert mask_phone("13812345678") == "138****5678"


def test_the_id_hash_is_keyed_by_the_secret_key():
    assert hash_id(make_id(1), secret=b"a" * 32) != hash_id(make_id(1), secret=b"b" * 32)
    assert hash_id(make_id(1).lower(), secret=b"a" * 32) == hash_id(make_id(1), secret=b"a" * 32)


def test_no_table_holds_the_id_number_in_clear(session, engine, new_person):
    person, me = new_person()
    declare(session, me, current_region="330106", temperature=37.5, day=DAY0)
    person_record(session, OFFICER, person_id=person.id, purpose="流调")
    session.flush()
    dump = []
    for table in inspect(session.connection()).get_table_names():
        dump += [json.dumps([str(v) for v in row], ensure_ascii=False)
                 for row in session.execute(text(f'SELECT * FROM "{table}"'))]
    everything = "\n".join(dump)
    assert make_id(1) not in everything and "3301**********" in everything
    assert person.phone not in "\n".join(d for d in dump if "healthcode." in d)  # audit: masked phone only


def test_an_invalid_id_number_is_refused_without_echoing_it(session):
    with pytest.raises(InvalidIdentity) as error:
        register_person(session, Principal(user_id="u", role="person"), name="李四", phone="13900000000",
                        id_number="330106199001011230", region_code="330106")
    assert "330106199001011230" not in str(error.value)


def test_the_same_id_number_cannot_register_twice(session, new_person):
    new_person()
    with pytest.raises(InvalidIdentity, match="already registered"):
        register_person(session, Principal(user_id="other", role="person"), name="x", phone="13900000000",
                        id_number=make_id(1), region_code="330106")


def test_a_staff_read_of_a_person_is_audited_with_its_purpose(session, new_person):
    person, _ = new_person()
    record = person_record(session, OFFICER, person_id=person.id, purpose="appeal review")
    assert record["id_number"] == "3301**********" + make_id(1)[-4:] and record["phone"] == mask_phone(person.phone)
    read = session.scalar(select(AuditEntry).where(AuditEntry.action == "healthcode.person.read"))
    assert (read.actor, read.reason, read.entity_id) == ("officer:li", "appeal review", person.id)


def test_a_person_reads_their_own_record_without_an_audit_entry_and_not_others(session, new_person):
    person, me = new_person()
    other, _ = new_person()
    assert person_record(session, me, person_id=person.id, purpose="self")["name"] == person.name
    with pytest.raises(AccessDenied):
        person_record(session, me, person_id=other.id, purpose="curiosity")
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "healthcode.person.read")) is None


def test_officers_of_another_region_may_not_read_the_record(session, new_person):
    person, _ = new_person()
    with pytest.raises(AccessDenied):
        person_record(session, NINGBO_OFFICER, person_id=person.id, purpose="x")


@pytest.mark.parametrize("role", ["gate_staff", "enterprise", "grid_analyst", "department", "service_officer"])
def test_roles_without_a_health_purpose_may_not_read_personal_data(session, new_person, role):
    person, _ = new_person()
    with pytest.raises(AccessDenied):
        person_record(session, Principal(user_id="x", role=role, region_prefix="3301"), person_id=person.id,
                      purpose="x")


def test_staff_find_a_person_by_id_number_through_the_hash(session, new_person):
    person, _ = new_person()
    assert find_by_id_number(session, OFFICER, id_number=make_id(1), purpose="list check").id == person.id
    assert find_by_id_number(session, OFFICER, id_number=make_id(99), purpose="list check") is None
