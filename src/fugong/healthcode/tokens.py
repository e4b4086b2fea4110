"""Signed health-code tokens: Ed25519, compact, short-lived, no personal data.

A token is ``HC1.<payload>.<signature>``, both parts base64url without padding; the signature is
Ed25519 over the ASCII bytes ``HC1.<payload>``. The payload is compact JSON::

    {"c": "<code id>", "k": "green", "i": 1582170000, "e": 1582170300, "kid": "a1b2c3d4", "t": "<token id>"}

c = code id (a random pseudonym of the person), k = colour, i = issued at and e = expires at (unix
seconds), kid = signing key id, t = token id (random, for revocation and replay). No name, ID number
or phone (DESIGN.md §2: no personal data in the QR code). Default life 5 minutes: the person's page
refreshes the token, so a screenshot stops working.

Signing keys live in ``hc_signing_key``; the private key is encrypted with AES-256-GCM under a key
derived (HKDF) from the secret key. Rotation makes a new active key; old public keys stay published
so tokens signed just before a rotation still verify. ``/api/code/keys`` publishes them as JWK
(RFC 8037: kty OKP, crv Ed25519), which the gate page imports into WebCrypto.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import secrets as pysecrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, Principal
from fugong.healthcode.models import Person, Revocation, SigningKey
from fugong.store.audit import record_change

PREFIX = "HC1"
DEFAULT_LIFETIME_S = 300
CLOCK_SKEW_S = 30  # a token issued up to 30 s "in the future" is accepted (gate clocks drift)
KEY_ADMIN_ROLES = ("province_admin", "system")


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- key storage -----------------------------------------------------------------------------------

def _wrapping_key(secret: bytes) -> AESGCM:
    from fugong.healthcode.people import derived_key

    return AESGCM(derived_key(secret, "healthcode signing keys"))


def _secret(secret: bytes | None) -> bytes:
    from fugong.healthcode.people import secret_key

    return secret or secret_key()


def _encrypt_private(key: Ed25519PrivateKey, key_id: str, secret: bytes) -> str:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    nonce = os.urandom(12)
    return b64e(nonce + _wrapping_key(secret).encrypt(nonce, raw, key_id.encode()))


_SIGNERS: dict[tuple[str, bytes], Ed25519PrivateKey] = {}


def _decrypt_private(row: SigningKey, secret: bytes) -> Ed25519PrivateKey:
    cache_key = (row.key_id, hashlib.sha256(secret).digest())
    if cache_key not in _SIGNERS:
        blob = b64d(row.private_key_encrypted)
        try:
            raw = _wrapping_key(secret).decrypt(blob[:12], blob[12:], row.key_id.encode())
        except InvalidTag:
            raise RuntimeError(f"signing key {row.key_id} cannot be decrypted: wrong FUGONG_SECRET_KEY?") from None
        _SIGNERS[cache_key] = Ed25519PrivateKey.from_private_bytes(raw)
    return _SIGNERS[cache_key]


def _new_key(session: Session, *, secret: bytes) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_id = hashlib.sha256(public).hexdigest()[:8]
    row = SigningKey(key_id=key_id, public_key=b64e(public), private_key_encrypted=_encrypt_private(private, key_id, secret),
                     active=True, created_at=dt.datetime.now(dt.timezone.utc))
    session.add(row)
    session.flush()
    return row


class NoSigningKey(LookupError):
    """No active signing key: keys are made by ``fugong demo``, ``fugong code keys rotate`` (or
    ``ensure_signing_key``), never as a side effect of a read."""


def active_key(session: Session, *, secret: bytes | None = None) -> SigningKey:
    """The active signing key (the database allows one: a partial unique index, migration 0005)."""
    row = session.scalar(select(SigningKey).where(SigningKey.active.is_(True)))
    if row is None:
        raise NoSigningKey("no active signing key: an administrator runs `fugong code keys rotate` / "
                           "尚无签名密钥，请管理员执行 fugong code keys rotate")
    return row


def ensure_signing_key(session: Session, principal: Principal, *, secret: bytes | None = None) -> SigningKey:
    """The active key, or a first one made now (set-up: ``fugong demo``, ``fugong code keys rotate``)."""
    row = session.scalar(select(SigningKey).where(SigningKey.active.is_(True)))
    return row if row is not None else rotate_keys(session, principal, secret=secret)


def rotate_keys(session: Session, principal: Principal, *, secret: bytes | None = None) -> SigningKey:
    """Make a new active signing key; the old ones are retired but stay published for verification."""
    if principal.role not in KEY_ADMIN_ROLES:
        raise AccessDenied(f"{principal.actor} may not rotate signing keys")
    at = dt.datetime.now(dt.timezone.utc)
    retired = []
    for row in session.scalars(select(SigningKey).where(SigningKey.active.is_(True))):
        row.active, row.retired_at = False, at
        retired.append(row.key_id)
    session.flush()
    new = _new_key(session, secret=_secret(secret))
    record_change(session, actor=principal.actor, action="healthcode.key.rotate", entity="hc_signing_key",
                  entity_id=new.key_id, before={"active": retired}, after={"active": new.key_id})
    return new


def public_keys(session: Session) -> list[dict]:
    """Every public key (active and retired) as JWK, newest first: what gates verify against."""
    rows = session.scalars(select(SigningKey).order_by(SigningKey.created_at.desc()))
    return [
        {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": r.key_id, "x": r.public_key,
         "active": r.active, "created": r.created_at.isoformat(),
         "retired": r.retired_at.isoformat() if r.retired_at else None}
        for r in rows
    ]


def load_public_keys(session: Session) -> dict[str, Ed25519PublicKey]:
    return {r.key_id: Ed25519PublicKey.from_public_bytes(b64d(r.public_key))
            for r in session.scalars(select(SigningKey))}


# --- issuing ---------------------------------------------------------------------------------------

def sign_token(private: Ed25519PrivateKey, *, key_id: str, code_id: str, colour: str, issued_at: int,
               lifetime_s: int = DEFAULT_LIFETIME_S, token_id: str | None = None) -> str:
    """The pure signing step (no database), also used by the benchmark."""
    payload = {"c": code_id, "k": colour, "i": issued_at, "e": issued_at + lifetime_s, "kid": key_id,
               "t": token_id or pysecrets.token_urlsafe(12)}
    body = f"{PREFIX}.{b64e(json.dumps(payload, separators=(',', ':')).encode())}"
    return f"{body}.{b64e(private.sign(body.encode()))}"


def issue_token(session: Session, *, person: Person, lifetime_s: int = DEFAULT_LIFETIME_S,
                at: float | None = None, secret: bytes | None = None) -> str:
    """A fresh token for the person's current colour (callers check the person may have it)."""
    if person.colour is None:
        raise ValueError("no colour yet: declare first / 请先申报")
    row = active_key(session, secret=secret)
    private = _decrypt_private(row, _secret(secret))
    return sign_token(private, key_id=row.key_id, code_id=person.code_id, colour=person.colour,
                      issued_at=int(at if at is not None else time.time()), lifetime_s=lifetime_s)


# --- verifying -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    ok: bool
    reason_code: str
    claims: dict = field(default_factory=dict)  # as claimed: trust them only when ``signed``
    signed: bool = False  # the signature verified: the claims were issued by us (maybe expired or revoked)


MAX_TOKEN_CHARS = 1000  # a real token is about 225 characters


def decode(token: str) -> tuple[str, dict, bytes] | None:
    """(signed part, claims, signature) or None if the token is not well formed.

    The claims are flat: string or integer values only (a nested payload is refused before it can
    cost anything), and the token is at most ``MAX_TOKEN_CHARS`` long."""
    try:
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
            return None
        prefix, payload, signature = token.strip().split(".")
        if prefix != PREFIX:
            return None
        raw = b64d(payload)
        if b"{" in raw[1:] or b"[" in raw:
            return None  # only one flat object: {"c": …, "k": …}
        claims = json.loads(raw)
        if not isinstance(claims, dict) or not {"c", "k", "i", "e", "kid", "t"} <= claims.keys():
            return None
        if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in claims.values()):
            return None
        return f"{prefix}.{payload}", claims, b64d(signature)
    except (ValueError, TypeError, RecursionError):
        return None


def verify_token(token: str, *, keys: dict[str, Ed25519PublicKey], now: float | None = None,
                 is_revoked: Callable[[dict], bool] = lambda _claims: False) -> Verification:
    """Check form, key, signature, time window and revocation, in that order (pure, no database)."""
    decoded = decode(token)
    if decoded is None:
        return Verification(False, "DENY_MALFORMED")
    signed, claims, signature = decoded
    key = keys.get(str(claims["kid"]))
    if key is None:
        return Verification(False, "DENY_UNKNOWN_KEY", claims)
    try:
        key.verify(signature, signed.encode())
    except InvalidSignature:
        return Verification(False, "DENY_BAD_SIGNATURE", claims)
    now = time.time() if now is None else now
    if not isinstance(claims["i"], int) or not isinstance(claims["e"], int):
        return Verification(False, "DENY_MALFORMED", claims, signed=True)
    if claims["i"] > now + CLOCK_SKEW_S:
        return Verification(False, "DENY_NOT_YET_VALID", claims, signed=True)
    if now >= claims["e"]:
        return Verification(False, "DENY_EXPIRED", claims, signed=True)
    if is_revoked(claims):
        return Verification(False, "DENY_REVOKED", claims, signed=True)
    return Verification(True, "OK", claims, signed=True)


class KeyRing:
    """Public keys cached per database; reloaded when a token names an unknown key (after rotation)."""

    def __init__(self) -> None:
        self.keys: dict[object, dict[str, Ed25519PublicKey]] = {}

    def for_token(self, session: Session, token: str) -> dict[str, Ed25519PublicKey]:
        database = session.get_bind().url  # URL objects hash; no string rendering per scan
        keys = self.keys.get(database)
        decoded = decode(token)
        if keys is None or (decoded and str(decoded[1]["kid"]) not in keys):
            keys = self.keys[database] = load_public_keys(session)
        return keys


KEYRING = KeyRing()


def revocations_for(session: Session, claims_list: list[dict]) -> list[tuple]:
    """The revocation rows that concern any of these tokens: their token ids, or their codes (a code
    has a handful). One indexed query for a whole batch of scans.
    Rows: (id, token_id, code_id, keep_colour, issued_until)."""
    token_ids = sorted({str(claims["t"]) for claims in claims_list})
    codes = sorted({str(claims["c"]) for claims in claims_list})
    if not token_ids:
        return []
    return [tuple(row) for row in session.connection().execute(
        _REVOCATIONS_FOR, {"token_ids": token_ids, "codes": codes})]


# Built once: this runs for every batch of gate scans (Core on the session's connection, no ORM).
_revocation = Revocation.__table__.c
_REVOCATIONS_FOR = (
    select(_revocation.id, _revocation.token_id, _revocation.code_id, _revocation.keep_colour,
           _revocation.issued_until)
    .where(or_(_revocation.token_id.in_(bindparam("token_ids", expanding=True)),
               _revocation.code_id.in_(bindparam("codes", expanding=True))))
)


def revoked_by(claims: dict, rows: list[tuple]) -> bool:
    """Revoked: the token id, or the code up to a time, or the token shows a colour the code no longer has.

    The last colour change of a code names the colour its tokens must show (``keep_colour``): a token
    of another colour is a leftover from before the change (a screenshot), whenever it was issued.
    ``rows`` as from ``revocations_for`` (rows about other tokens and codes are ignored).
    """
    code, issued, token_id = str(claims["c"]), int(claims["i"]), str(claims["t"])
    latest_colour: tuple[int, str] | None = None
    for row_id, revoked_token, revoked_code, keep_colour, issued_until in rows:
        if revoked_token is not None and revoked_token == token_id:
            return True
        if revoked_code != code:
            continue
        if keep_colour is None:
            if issued_until is not None and issued_until >= issued:
                return True
        elif latest_colour is None or row_id > latest_colour[0]:
            latest_colour = (row_id, keep_colour)
    return latest_colour is not None and latest_colour[1] != str(claims["k"])


def is_revoked(session: Session, claims: dict) -> bool:
    return revoked_by(claims, revocations_for(session, [claims]))


def verify(session: Session, token: str, *, now: float | None = None) -> Verification:
    """Full verification against the stored keys and revocations."""
    return verify_many(session, [token], nows=[now])[0]


def verify_many(session: Session, tokens: list[str], *, nows: list[float | None]) -> list[Verification]:
    """``verify`` for a batch of tokens (each checked as of its own time), with one revocation query.

    Same checks in the same order as ``verify_token``: form, key, signature, time window, revocation.
    """
    checks = [verify_token(token, keys=KEYRING.for_token(session, token), now=now)
              for token, now in zip(tokens, nows)]
    valid = [check.claims for check in checks if check.ok]
    rows = revocations_for(session, valid) if valid else []
    return [Verification(False, "DENY_REVOKED", check.claims, signed=True) if check.ok and revoked_by(check.claims, rows)
            else check for check in checks]


def revoke(session: Session, principal: Principal, *, token_id: str | None = None, code_id: str | None = None,
           reason: str) -> Revocation:
    """Revoke one token, or every token of a code issued until now."""
    if principal.role not in ("province_admin", "officer", "system"):
        raise AccessDenied(f"{principal.actor} may not revoke codes")
    if not (token_id or code_id):
        raise ValueError("name a token id or a code id to revoke")
    at = dt.datetime.now(dt.timezone.utc)
    row = Revocation(token_id=token_id, code_id=code_id, issued_until=int(at.timestamp()) if code_id else None,
                     reason=reason, at=at)
    session.add(row)
    session.flush()
    record_change(session, actor=principal.actor, action="healthcode.token.revoke", entity="hc_revocation",
                  entity_id=str(row.id), after={"token": token_id, "code": code_id}, reason=reason)
    return row


def qr_svg(token: str, *, scale: int = 4) -> str:
    """The token as a QR code in SVG (segno), error correction M."""
    import segno

    return segno.make(token, error="m", micro=False).svg_inline(scale=scale, dark="#111", light="#fff")
