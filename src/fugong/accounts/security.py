"""Password hashing, API-token hashing, CSRF tokens.

- Passwords: argon2id (RFC 9106) through argon2-cffi's ``PasswordHasher``; the PHC string holds the
  parameters and the salt, so a stronger setting later rehashes on the next successful login.
- API tokens are 256 random bits, so a plain SHA-256 is enough to store them (no dictionary to
  guess from; argon2 would only slow every API call down).
- Session cookies are signed by itsdangerous in ``accounts.web`` (a maintained library, under a key
  derived for that purpose only); rate limits are counted in the database (``service.hit_rate_limit``),
  shared by every worker process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "fgt_"

# argon2-cffi's defaults are RFC 9106's "low memory" profile: argon2id, t=3, m=64 MiB, p=4.
DEFAULT_HASHER = PasswordHasher()
_hasher = DEFAULT_HASHER
_dummy_hash: str | None = None


def use_password_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Swap the hasher (tests use a cheap one); returns the previous one."""
    global _hasher, _dummy_hash
    previous, _hasher, _dummy_hash = _hasher, hasher, None
    return previous


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches. With no hash (unknown user) a dummy hash is checked instead,
    so an unknown username costs the same time as a wrong password."""
    global _dummy_hash
    if password_hash is None:
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
        password_hash = _dummy_hash
        try:
            _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符 / a password needs at least {MIN_PASSWORD_LENGTH} characters")


def new_password() -> str:
    """A generated password for a new user or a reset (16 URL-safe characters, about 96 bits)."""
    return secrets.token_urlsafe(12)


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same_secret(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two secret strings (False when either is missing)."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode(), b.encode())
