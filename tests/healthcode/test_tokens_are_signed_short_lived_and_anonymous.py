"""Signed tokens: Ed25519 over a compact payload with no personal data; forged, tampered, expired,
revoked and unknown-key tokens fail; rotation keeps old keys verifying; keys are encrypted at rest."""

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from fugong.access import SYSTEM, Principal
from fugong.healthcode import tokens
from fugong.healthcode.declarations import declare
from fugong.healthcode.models import SigningKey
from tests.healthcode.helpers import DAY0, OFFICER, make_id

T0 = 1_581_400_000  # 2020-02-11 13:46:40 +08:00


@pytest.fixture
def green(session, new_person):
    person, me = new_person()
    declare(session, me, current_region="330106", temperature=36.5, day=DAY0)
    return person


def _claims(token):
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def test_a_fresh_token_verifies_with_its_colour_and_code_id(session, green):
    token = tokens.issue_token(session, person=green, at=T0)
    result = tokens.verify(session, token, now=T0 + 10)
    assert result.ok and result.claims["k"] == "green" and result.claims["c"] == green.code_id


def test_the_token_holds_no_name_id_number_or_phone(session, green):
    token = tokens.issue_token(session, person=green, at=T0)
    claims = _claims(token)
    assert set(claims) == {"c", "k", "i", "e", "kid", "t"}
    decoded = json.dumps(claims, ensure_ascii=False)
    for personal in (green.name, green.phone, make_id(1), make_id(1)[-4:] + '"', green.id, green.id_hash):
        assert personal not in decoded and personal not in token


def test_a_token_lives_five_minutes_by_default(session, green):
    token = tokens.issue_token(session, person=green, at=T0)
    assert _claims(token)["e"] - _claims(token)["i"] == 300
    assert tokens.verify(session, token, now=T0 + 299).ok
    assert tokens.verify(session, token, now=T0 + 300).reason_code == "DENY_EXPIRED"


def test_a_token_from_the_future_is_refused(session, green):
    token = tokens.issue_token(session, person=green, at=T0 + 3600)
    assert tokens.verify(session, token, now=T0).reason_code == "DENY_NOT_YET_VALID"


def test_a_tampered_colour_breaks_the_signature(session, new_person):
    person, me = new_person()
    declare(session, me, current_region="330106", temperature=38.0, day=DAY0)
    token = tokens.issue_token(session, person=person, at=T0)
    claims = _claims(token)
    claims["k"] = "green"
    forged_payload = tokens.b64e(json.dumps(claims, separators=(",", ":")).encode())
    prefix, _, signature = token.split(".")
    result = tokens.verify(session, f"{prefix}.{forged_payload}.{signature}", now=T0 + 1)
    assert not result.ok and result.reason_code == "DENY_BAD_SIGNATURE"


def test_a_token_signed_with_another_key_under_a_real_key_id_is_forged(session, green):
    real = tokens.issue_token(session, person=green, at=T0)
    forged = tokens.sign_token(Ed25519PrivateKey.generate(), key_id=_claims(real)["kid"], code_id=green.code_id,
                               colour="green", issued_at=T0)
    assert tokens.verify(session, forged, now=T0 + 1).reason_code == "DENY_BAD_SIGNATURE"


def test_a_token_naming_an_unknown_key_is_refused(session, green):
    forged = tokens.sign_token(Ed25519PrivateKey.generate(), key_id="deadbeef", code_id=green.code_id,
                               colour="green", issued_at=T0)
    assert tokens.verify(session, forged, now=T0 + 1).reason_code == "DENY_UNKNOWN_KEY"


@pytest.mark.parametrize("garbage", ["", "hello", "HC1.e30.AAAA", "JWT.a.b", "HC1.!!!.???"])
def test_garbage_is_refused_as_malformed(session, green, garbage):
    assert tokens.verify(session, garbage, now=T0).reason_code == "DENY_MALFORMED"


def test_a_revoked_token_is_refused(session, green):
    token = tokens.issue_token(session, person=green, at=T0)
    tokens.revoke(session, OFFICER, token_id=_claims(token)["t"], reason="lost phone")
    assert tokens.verify(session, token, now=T0 + 1).reason_code == "DENY_REVOKED"


def test_a_colour_change_revokes_the_earlier_tokens_of_the_old_colour(session, new_person):
    import time

    person, me = new_person()
    declare(session, me, current_region="330106", temperature=36.5, day=DAY0)
    now = time.time()
    old_green = tokens.issue_token(session, person=person, at=now - 60)
    declare(session, me, current_region="330106", temperature=38.2, day=DAY0)
    assert person.colour == "red"
    assert tokens.verify(session, old_green, now=now).reason_code == "DENY_REVOKED"
    new_red = tokens.issue_token(session, person=person)
    assert tokens.verify(session, new_red).ok  # issued in the same second, new colour: still valid


def test_rotation_keeps_old_public_keys_for_verification(session, green):
    before = tokens.issue_token(session, person=green, at=T0)
    new_key = tokens.rotate_keys(session, SYSTEM)
    after = tokens.issue_token(session, person=green, at=T0)
    assert _claims(after)["kid"] == new_key.key_id != _claims(before)["kid"]
    assert tokens.verify(session, before, now=T0 + 1).ok and tokens.verify(session, after, now=T0 + 1).ok
    published = tokens.public_keys(session)
    assert [k["active"] for k in published].count(True) == 1 and len(published) == 2


def test_only_admins_rotate_keys(session):
    with pytest.raises(PermissionError):
        tokens.rotate_keys(session, Principal(user_id="g", role="gate_staff"))


def test_the_private_key_is_stored_encrypted_and_needs_the_secret_key(session, green):
    tokens.issue_token(session, person=green, at=T0)
    row = session.scalar(select(SigningKey))
    private = tokens._decrypt_private(row, tokens._secret(None))
    raw = private.private_bytes(*_raw_private_format())
    assert tokens.b64e(raw) not in row.private_key_encrypted and raw not in tokens.b64d(row.private_key_encrypted)
    with pytest.raises(RuntimeError, match="cannot be decrypted"):
        tokens._decrypt_private(row, b"another secret key entirely")


def _raw_private_format():
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    return Encoding.Raw, PrivateFormat.Raw, NoEncryption()


def test_the_qr_code_is_an_svg_of_the_token(session, green):
    token = tokens.issue_token(session, person=green, at=T0)
    svg = tokens.qr_svg(token)
    assert svg.startswith("<svg") and "path" in svg


def test_revoking_a_code_refuses_every_token_issued_until_then(session, green):
    import time

    now = time.time()
    earlier = tokens.issue_token(session, person=green, at=now - 10)
    tokens.revoke(session, OFFICER, code_id=green.code_id, reason="device stolen")
    assert tokens.verify(session, earlier, now=now).reason_code == "DENY_REVOKED"
    later = tokens.issue_token(session, person=green, at=now + 5)
    assert tokens.verify(session, later, now=now + 6).ok
