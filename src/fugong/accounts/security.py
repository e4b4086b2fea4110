"""Password hashing, API-token hashing, signed session values, CSRF tokens, a login rate limiter.

- Passwords: argon2id (RFC 9106) through argon2-cffi's ``PasswordHasher``; the PHC string holds the
  parameters and the salt, so a stronger setting later rehashes on the next successful login.
- API tokens are 256 random bits, so a plain SHA-256 is enough to store them (no dictionary to
  guess from; argon2 would only slow every API call down).
- Session values are ``base64url(json) + "." + base64url(HMAC-SHA256)``, keyed by a key derived from
  the application secret for this one purpose, so a signature made for sessions is useless elsewhere.
- The rate limiter is an in-process sliding window: each worker process counts on its own, so with
  N uvicorn workers an attacker gets up to N times the limit (the lock-out in the database is shared).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

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


def _purpose_key(secret: bytes, purpose: str) -> bytes:
    return hmac.new(secret, b"fugong." + purpose.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(value: dict, *, secret: bytes, purpose: str = "session") -> str:
    """Sign a small JSON-able dict: ``base64url(json).base64url(hmac)``."""
    body = _b64(json.dumps(value, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(_purpose_key(secret, purpose), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(signed: str | None, *, secret: bytes, purpose: str = "session") -> dict | None:
    """The dict back, or None when the value is missing, malformed or its signature is wrong."""
    if not signed or signed.count(".") != 1:
        return None
    body, mac = signed.split(".")
    expected = _b64(hmac.new(_purpose_key(secret, purpose), body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected.encode(), mac.encode()):
        return None
    try:
        value = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


@dataclass
class SlidingWindow:
    """At most ``limit`` hits per key in the last ``seconds``: ``allow(key)`` records a hit and says
    whether it is within the limit; ``retry_after(key)`` says how long until the next one is."""

    limit: int
    seconds: float

    def __post_init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _prune(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        return hits

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._prune(key, now)
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > 10_000:  # bound memory: forget keys with no recent hits
                for stale in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.seconds]:
                    del self._hits[stale]
            return True

    def retry_after(self, key: str, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._prune(key, now)
            if len(hits) < self.limit:
                return 0
            return max(1, int(hits[0] + self.seconds - now + 0.999))

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)
