"""People: registration, keyed hashing and masking of identifiers, role-limited and audited reads.

The resident ID number (GB 11643-1999, 18 characters, ISO 7064 MOD 11-2 check) is never stored,
logged or audited in clear: ``id_hash`` is HMAC-SHA256 under a key derived from the secret key
(HKDF, so the secret itself is never used directly), ``id_masked`` keeps the first 4 and last 4::

    mask_id("330106199001011234")  -> "3301**********1234"
    mask_phone("13812345678")      -> "138****5678"
    mask_name("张三丰")             -> "张**"
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets as pysecrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, Principal
from fugong.healthcode.models import Person
from fugong.store.audit import record_change

# Roles that may read a person's full record (their region only); every such read is audited.
PERSONAL_DATA_ROLES = ("province_admin", "officer", "system")


class InvalidIdentity(ValueError):
    """An ID number or phone number that does not validate."""


def secret_key() -> bytes:
    from fugong.config import get_settings

    return get_settings().secret()


def derived_key(secret: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose (``fugong.config.derive_key``: HKDF-SHA256, the one derivation)."""
    from fugong.config import derive_key

    return derive_key(secret, purpose)


def id_check_character(first17: str) -> str:
    """GB 11643-1999 check character: ISO 7064 MOD 11-2 over the first 17 digits (10 is written X)."""
    total = sum(int(digit) * (2 ** (17 - i) % 11) for i, digit in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def normalise_id(id_number: str) -> str:
    """Upper-case, no spaces; validated as an 18-character GB 11643 resident ID (digits, birth date,
    check character). Cross-checked against python-stdnum ``cn.ric`` in the tests."""
    value = "".join(str(id_number).split()).upper()
    # ASCII only: str.isdigit() also takes full-width ６ and other scripts' digits, which would hash
    # to a different person than the same number typed in ASCII.
    valid = re.fullmatch(r"[0-9]{17}[0-9X]", value) is not None
    if valid:
        try:
            dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        except ValueError:
            valid = False
    if not valid or id_check_character(value[:17]) != value[17]:
        raise InvalidIdentity(f"ID number {mask_id(value[:40])} is not a valid GB 11643 resident ID")
    return value


def hash_id(id_number: str, *, secret: bytes | None = None) -> str:
    key = derived_key(secret or secret_key(), "healthcode id hash")
    return hmac.new(key, normalise_id(id_number).encode(), hashlib.sha256).hexdigest()


def mask_id(id_number: str) -> str:
    value = "".join(str(id_number).split())
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(phone: str) -> str:
    value = "".join(str(phone).split())
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def masked(person: Person) -> dict:
    """What audit entries and staff lists may show of a person."""
    return {"person": person.id, "name": mask_name(person.name), "id": person.id_masked, "phone": mask_phone(person.phone)}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def register_person(
    session: Session,
    principal: Principal,
    *,
    name: str,
    phone: str,
    id_number: str,
    region_code: str,
    enterprise_id: str | None = None,
    account_user_id: str | None = None,
    rule_set: str = "hangzhou-2020",
    secret: bytes | None = None,
) -> Person:
    """Register a person (a person registers themself; staff register within their region)."""
    if principal.role == "person":
        account_user_id = principal.user_id
    elif principal.role not in PERSONAL_DATA_ROLES:
        raise AccessDenied(f"{principal.actor} may not register people")
    else:
        principal.require_region(region_code)
    phone_digits = "".join(str(phone).split())
    if not phone_digits.isdigit() or not 7 <= len(phone_digits) <= 15:
        raise InvalidIdentity(f"phone {mask_phone(phone_digits)} is not a phone number")
    from fugong.healthcode.rules import load_rule_set

    load_rule_set(rule_set)  # fail early on an unknown preset
    id_hash = hash_id(id_number, secret=secret)
    if session.scalar(select(Person.id).where(Person.id_hash == id_hash)):
        raise InvalidIdentity(f"a person with ID {mask_id(id_number)} is already registered")
    person = Person(
        id="P" + pysecrets.token_hex(8),
        code_id=pysecrets.token_urlsafe(12),
        account_user_id=account_user_id,
        name=name.strip(),
        phone=phone_digits,
        id_hash=id_hash,
        id_masked=mask_id(normalise_id(id_number)),
        region_code=region_code,
        enterprise_id=enterprise_id,
        rule_set=rule_set,
        created_at=_now(),
    )
    session.add(person)
    record_change(
        session, actor=principal.actor, action="healthcode.person.register", entity="hc_person",
        entity_id=person.id, region_code=region_code, after=masked(person),
    )
    session.flush()
    return person


def person_of(session: Session, principal: Principal) -> Person:
    """The person record of a logged-in member of the public."""
    person = session.scalar(select(Person).where(Person.account_user_id == principal.user_id))
    if principal.role != "person" or person is None:
        raise AccessDenied(f"{principal.actor} has no health code")
    return person


def _load(session: Session, person_id: str) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person {person_id}")
    return person


def require_person_access(session: Session, principal: Principal, person_id: str, *, purpose: str) -> Person:
    """The person, if the principal may read their personal data; a staff read is audited.

    The person may read their own record; officers and province admins only within their region
    prefix; every other role is refused (purpose limitation: gate staff and enterprises see colours only).
    """
    person = _load(session, person_id)
    if principal.role == "person":
        if person.account_user_id != principal.user_id:
            raise AccessDenied(f"{principal.actor} may not read another person's record")
        return person
    if principal.role not in PERSONAL_DATA_ROLES:
        raise AccessDenied(f"{principal.actor} may not read personal data")
    principal.require_region(person.region_code)
    if not purpose or len(purpose.strip()) < 2:
        raise ValueError("a staff read of a person's record needs its purpose (at least 2 characters) / 请说明查询用途")
    record_change(
        session, actor=principal.actor, action="healthcode.person.read", entity="hc_person",
        entity_id=person.id, region_code=person.region_code, reason=purpose.strip()[:200],
    )
    return person


def person_record(session: Session, principal: Principal, *, person_id: str, purpose: str) -> dict:
    """A person's record as shown to themselves or to authorised staff (ID number masked)."""
    from fugong.healthcode.lifecycle import events_of

    person = require_person_access(session, principal, person_id, purpose=purpose)
    return {
        "id": person.id,
        "name": person.name,
        "phone": person.phone if principal.role == "person" else mask_phone(person.phone),
        "id_number": person.id_masked,
        "region_code": person.region_code,
        "enterprise_id": person.enterprise_id,
        "colour": person.colour,
        "colour_since": person.colour_since,
        "reason_code": person.reason_code,
        "rule_set": person.rule_set,
        "events": events_of(session, person.id),
    }


def find_by_id_number(session: Session, principal: Principal, *, id_number: str, purpose: str) -> Person | None:
    """Staff lookup by ID number (hashed before the query; audited through require_person_access)."""
    person_id = session.scalar(select(Person.id).where(Person.id_hash == hash_id(id_number)))
    if person_id is None:
        return None
    return require_person_access(session, principal, person_id, purpose=purpose)
