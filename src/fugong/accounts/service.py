"""Account services: plain keyword-only functions over a SQLAlchemy session.

Who may do what (the caller is a ``fugong.access.Principal``):

- ``system`` (the CLI) and a ``province_admin`` manage users *inside their region prefix*: an admin
  of "33" adds, lists, disables Zhejiang's users and cannot see or make a user of "32" or of "".
- Any user may change their own password and manage their own API tokens.

Every state change is written to the audit log in the same transaction; passwords, hashes and
tokens never are (the audit names the user, the role, the prefix and the enterprise ids only;
display names are personal data and are left out too).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import secrets
from dataclasses import dataclass, field
from typing import Iterable

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from fugong.access import ROLES, AccessDenied, OutOfScope, Principal
from fugong.accounts import security
from fugong.accounts.models import ApiToken, User, UserEnterprise, UserSession
from fugong.store.audit import record_change

USER_ROLES: tuple[str, ...] = tuple(role for role in ROLES if role != "system")
ADMIN_ROLES = ("system", "province_admin")
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
# GB/T 2260: 2 digits province, 4 city, 6 county; "" is the whole country.
REGION_PREFIX = re.compile(r"^(|\d{2}|\d{4}|\d{6})$")
ENTERPRISE_ID = re.compile(r"^[0-9A-Za-z-]{1,40}$")


class AccountError(ValueError):
    """Bad input to an account service; the message says which field and why."""


@dataclass(frozen=True)
class LoginPolicy:
    """Lock-out after ``max_failures`` wrong passwords in a row, for ``lockout`` (OWASP ASVS 2.2.1)."""

    max_failures: int = 5
    lockout: dt.timedelta = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class LoginOutcome:
    """The result of ``authenticate``: ``user`` on success, else ``reason`` (never shown to the caller:
    the page always says "wrong username or password", so that accounts cannot be probed)."""

    user: User | None
    reason: str = ""  # "" | "unknown" | "wrong_password" | "locked" | "disabled" | "no_password"

    @property
    def ok(self) -> bool:
        return self.user is not None


# Bumped by every change that can end a session or a token (disable, password, revocation). Web
# processes cache "credential -> principal" for a few seconds; an entry made under an older generation
# is not used, so in this process such a change takes effect at the next request. Other processes
# (another worker, the CLI) rely on the cache's time limit (accounts.web.WebPolicy.principal_cache_seconds).
_credentials_generation = 0


def credentials_generation() -> int:
    return _credentials_generation


def _credentials_changed() -> None:
    global _credentials_generation
    _credentials_generation += 1


@dataclass
class NewToken:
    """A freshly created API token: ``token`` is the only time the clear text exists."""

    record: ApiToken
    token: str = field(repr=False)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.timezone.utc)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes; everything here is stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def _snapshot(user: User) -> dict:
    """What the audit log records about a user (no display name, no hashes)."""
    return {
        "role": user.role,
        "region_prefix": user.region_prefix,
        "enterprise_ids": user.enterprise_ids,
        "disabled": user.disabled,
    }


def _require_admin_over(actor: Principal, region_prefix: str) -> None:
    if actor.role not in ADMIN_ROLES or not region_prefix.startswith(actor.region_prefix):
        raise AccessDenied(f"{actor.actor} may not manage users of region prefix {region_prefix!r}")


def _is_self(actor: Principal, user: User) -> bool:
    return actor.role != "system" and actor.user_id == user.username


def get_user(session: Session, *, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def _user_in_scope(session: Session, *, actor: Principal, username: str) -> User:
    """The user, if the actor may manage them; an admin outside the scope gets 'not found' (no probing)."""
    user = get_user(session, username=username)
    if user is None or not (_is_self(actor, user) or (
        actor.role in ADMIN_ROLES and user.region_prefix.startswith(actor.region_prefix)
    )):
        raise OutOfScope(f"{actor.actor} may not manage user {username!r} (or it does not exist)")
    return user


def _validate(role: str, region_prefix: str, enterprise_ids: list[str], username: str | None = None) -> None:
    if username is not None and not USERNAME.match(username):
        raise AccountError(f"username {username!r}: 2–64 letters, digits or . _ @ -, starting with a letter or digit")
    if role not in USER_ROLES:
        raise AccountError(f"role {role!r} is not valid: accepted values are {', '.join(USER_ROLES)}")
    if not REGION_PREFIX.match(region_prefix):
        raise AccountError(f"region prefix {region_prefix!r}: a GB/T 2260 prefix of 2, 4 or 6 digits, or empty")
    for enterprise_id in enterprise_ids:
        if not ENTERPRISE_ID.match(enterprise_id):
            raise AccountError(f"enterprise id {enterprise_id!r}: 1–40 letters, digits or -")
    if role == "enterprise" and len(enterprise_ids) != 1:
        raise AccountError("an enterprise user belongs to exactly one enterprise (--enterprise)")
    if role not in ("enterprise", "service_officer") and enterprise_ids:
        raise AccountError(f"role {role!r} is not linked to enterprises; only enterprise and service_officer are")


def add_user(
    session: Session,
    *,
    actor: Principal,
    username: str,
    role: str,
    region_prefix: str = "",
    display_name: str = "",
    enterprise_ids: Iterable[str] = (),
    password: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    """Create a user inside the actor's region prefix. Without a password the user can only use API
    tokens (machine accounts)."""
    enterprise_ids = sorted(set(enterprise_ids))
    _validate(role, region_prefix, enterprise_ids, username)
    _require_admin_over(actor, region_prefix)
    if get_user(session, username=username) is not None:
        raise AccountError(f"username {username!r} already exists")
    now = _now(now)
    user = User(
        username=username, display_name=display_name, role=role, region_prefix=region_prefix,
        disabled=False, failed_logins=0, created_at=now, updated_at=now,
        enterprises=[UserEnterprise(enterprise_id=e) for e in enterprise_ids],
    )
    if password is not None:
        security.check_password_strength(password)
        user.password_hash = security.hash_password(password)
        user.password_changed_at = now
    session.add(user)
    session.flush()
    record_change(session, actor=actor.actor, action="user.add", entity="user", entity_id=username,
                  region_code=region_prefix or None, after={**_snapshot(user), "has_password": password is not None},
                  at=now)
    return user


def list_users(session: Session, *, actor: Principal) -> list[User]:
    """Users whose region prefix lies inside the actor's (an admin of "33" sees only 33…)."""
    if actor.role not in ADMIN_ROLES:
        raise AccessDenied(f"{actor.actor} may not list users")
    query = select(User).order_by(User.region_prefix, User.username)
    if actor.region_prefix:
        query = query.where(User.region_prefix.startswith(actor.region_prefix, autoescape=True))
    return list(session.scalars(query))


def set_disabled(
    session: Session, *, actor: Principal, username: str, disabled: bool, reason: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    user = _user_in_scope(session, actor=actor, username=username)
    if actor.role not in ADMIN_ROLES:
        raise AccessDenied(f"{actor.actor} may not enable or disable users")
    before = _snapshot(user)
    user.disabled = disabled
    _credentials_changed()
    if not disabled:
        user.failed_logins, user.locked_until = 0, None
    user.updated_at = _now(now)
    record_change(session, actor=actor.actor, action="user.disable" if disabled else "user.enable",
                  entity="user", entity_id=username, region_code=user.region_prefix or None,
                  before=before, after=_snapshot(user), reason=reason, at=user.updated_at)
    return user


def disable_user(session: Session, *, actor: Principal, username: str, reason: str | None = None,
                 now: dt.datetime | None = None) -> User:
    """Disable a user: their sessions and API tokens stop working at the next request."""
    return set_disabled(session, actor=actor, username=username, disabled=True, reason=reason, now=now)


def enable_user(session: Session, *, actor: Principal, username: str, reason: str | None = None,
                now: dt.datetime | None = None) -> User:
    """Enable a user again (and clear any lock-out)."""
    return set_disabled(session, actor=actor, username=username, disabled=False, reason=reason, now=now)


def set_scope(session: Session, *, actor: Principal, username: str, region_prefix: str,
              enterprise_ids: Iterable[str] = (), reason: str | None = None, now: dt.datetime | None = None) -> User:
    """Change a user's region prefix and enterprises (an admin over both the old and the new scope).
    The user's sessions see the new scope at their next request (within the principal cache's time)."""
    user = _user_in_scope(session, actor=actor, username=username)
    if actor.role not in ADMIN_ROLES or _is_self(actor, user):
        raise AccessDenied(f"{actor.actor} may not change the scope of {username!r}")
    enterprise_ids = sorted(set(enterprise_ids))
    _validate(user.role, region_prefix, enterprise_ids)
    _require_admin_over(actor, region_prefix)
    before = _snapshot(user)
    user.region_prefix = region_prefix
    user.enterprises = [UserEnterprise(enterprise_id=e) for e in enterprise_ids]
    user.updated_at = _now(now)
    _credentials_changed()
    session.flush()
    record_change(session, actor=actor.actor, action="user.set_scope", entity="user", entity_id=username,
                  region_code=region_prefix or None, before=before, after=_snapshot(user), reason=reason,
                  at=user.updated_at)
    return user


def set_password(session: Session, *, actor: Principal, username: str, password: str,
                 now: dt.datetime | None = None) -> User:
    """Set a password (the user themself, or an admin over them). Sessions issued before stop working."""
    user = _user_in_scope(session, actor=actor, username=username)
    security.check_password_strength(password)
    now = _now(now)
    user.password_hash = security.hash_password(password)
    user.password_changed_at = now
    _credentials_changed()
    user.failed_logins, user.locked_until = 0, None
    user.updated_at = now
    record_change(session, actor=actor.actor, action="user.set_password", entity="user", entity_id=username,
                  region_code=user.region_prefix or None, after={"password_changed": True}, at=now)
    return user


def authenticate(
    session: Session, *, username: str, password: str, policy: LoginPolicy = LoginPolicy(),
    now: dt.datetime | None = None,
) -> LoginOutcome:
    """Check a username and password; count failures and lock the account after ``policy.max_failures``.

    Returns an outcome rather than raising, so that the failure counter commits with the session.
    The argon2 check runs on every path (unknown user, locked, disabled) so timing tells nothing.
    Failures are counted in the database (``failed_logins = failed_logins + 1``), never read-modify-
    write in Python: wrong passwords sent at once all count, and the lock-out holds.
    """
    now = _now(now)
    user = get_user(session, username=username)
    if user is None:
        security.verify_password(None, password)
        return LoginOutcome(None, "unknown")  # nothing recorded: the "username" may be a mistyped password
    matches = security.verify_password(user.password_hash, password)
    actor = f"{user.role}:{user.username}"
    session.refresh(user)  # the counter and the lock as they are now, after the slow hash check
    locked_until = _aware(user.locked_until)
    if locked_until is not None and locked_until > now:
        return LoginOutcome(None, "locked")
    if locked_until is not None:  # the lock-out is over: start counting afresh (once, whoever comes first)
        session.execute(update(User).where(User.id == user.id, User.locked_until == user.locked_until)
                        .values(failed_logins=0, locked_until=None))
    if user.disabled:
        return LoginOutcome(None, "disabled")
    if user.password_hash is None:
        return LoginOutcome(None, "no_password")
    if not matches:
        failures = session.execute(update(User).where(User.id == user.id)
                                   .values(failed_logins=User.failed_logins + 1)
                                   .returning(User.failed_logins)).scalar_one()
        action = "user.login_failed"
        if failures >= policy.max_failures:
            session.execute(update(User).where(User.id == user.id).values(locked_until=now + policy.lockout))
            action = "user.locked"
        record_change(session, actor=actor, action=action, entity="user", entity_id=user.username,
                      region_code=user.region_prefix or None,
                      after={"failed_logins": failures,
                             "locked_until": now + policy.lockout if action == "user.locked" else None})
        return LoginOutcome(None, "wrong_password")
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    if user.failed_logins:
        session.execute(update(User).where(User.id == user.id).values(failed_logins=0))
    record_change(session, actor=actor, action="user.login", entity="user", entity_id=user.username,
                  region_code=user.region_prefix or None, at=now)
    return LoginOutcome(user)


def principal_for(user: User) -> Principal:
    """The ``Principal`` every service filters with: the user's role, region prefix and enterprises."""
    return Principal(
        user_id=user.username,
        role=user.role,  # type: ignore[arg-type]
        region_prefix=user.region_prefix,
        enterprise_ids=frozenset(user.enterprise_ids),
    )


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(session: Session, *, user: User, lifetime: dt.timedelta, now: dt.datetime | None = None) -> str:
    """A new server-side session for a signed-in user; returns its key (it goes into the signed cookie;
    only its SHA-256 is stored)."""
    now = _now(now)
    key = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, key_hash=_key_hash(key), created_at=now, expires_at=now + lifetime))
    if random.random() < 0.01:  # now and then, forget sessions that ended more than a day ago
        session.execute(delete(UserSession).where(UserSession.expires_at < now - dt.timedelta(days=1)))
    return key


def session_user(session: Session, *, key: str, now: dt.datetime | None = None) -> User | None:
    """The user behind a session key, if the session is still valid: not signed out, not expired, the
    user not disabled, and no password change since it began (a password change ends every session)."""
    now = _now(now)
    row = session.scalar(select(UserSession).where(UserSession.key_hash == _key_hash(key)))
    if row is None or row.revoked_at is not None or _aware(row.expires_at) <= now:
        return None
    user = row.user
    if user is None or user.disabled:
        return None
    changed = _aware(user.password_changed_at)
    if changed is not None and _aware(row.created_at) < changed:
        return None
    return user


def end_session(session: Session, *, key: str, now: dt.datetime | None = None) -> bool:
    """Sign out: the session stops working at once in this process and within the principal cache's
    few seconds in every other. True if a live session was ended."""
    now = _now(now)
    row = session.scalar(select(UserSession).where(UserSession.key_hash == _key_hash(key)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    _credentials_changed()
    user = row.user
    record_change(session, actor=f"{user.role}:{user.username}", action="user.logout", entity="user",
                  entity_id=user.username, region_code=user.region_prefix or None, after={"session": row.id})
    return True


def end_all_sessions(session: Session, *, actor: Principal, username: str, reason: str | None = None,
                     now: dt.datetime | None = None) -> int:
    """Sign a user out everywhere (an admin over them, or the user themself): every open session ends."""
    user = _user_in_scope(session, actor=actor, username=username)
    now = _now(now)
    ended = session.execute(update(UserSession).where(UserSession.user_id == user.id,
                                                      UserSession.revoked_at.is_(None))
                            .values(revoked_at=now)).rowcount or 0
    _credentials_changed()
    record_change(session, actor=actor.actor, action="user.sessions_revoked", entity="user", entity_id=username,
                  region_code=user.region_prefix or None, after={"sessions": ended}, reason=reason)
    return ended


# --- rate limits shared by every worker process ---------------------------------------------------

_HIT = text("""
    INSERT INTO rate_limits (key, window_start, hits) VALUES (:key, :start, 1)
    ON CONFLICT (key) DO UPDATE SET
        hits = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.hits + 1 ELSE 1 END,
        window_start = excluded.window_start
    RETURNING hits""")


def hit_rate_limit(session: Session, *, key: str, limit: int, window_seconds: int,
                   now: float | None = None) -> int:
    """Count one request under ``key`` in the current fixed window (one upsert, atomic on SQLite and
    PostgreSQL, so every worker process shares the count). Returns 0 when within ``limit``, else the
    seconds until the window ends (for Retry-After). A fixed window lets at most 2 × limit through
    around a window's edge; the lock-out stays the real defence for a password."""
    import time

    now = time.time() if now is None else now
    window = max(1, int(window_seconds))
    start = int(now // window * window)
    hits = session.execute(_HIT, {"key": key[:160], "start": start}).scalar_one()
    if random.random() < 0.01:
        session.execute(text("DELETE FROM rate_limits WHERE window_start < :old"), {"old": start - window})
    return 0 if hits <= limit else max(1, int(start + window - now + 0.999))


def reset_rate_limit(session: Session, *, key: str) -> None:
    session.execute(text("DELETE FROM rate_limits WHERE key = :key"), {"key": key[:160]})


def create_api_token(session: Session, *, actor: Principal, username: str, name: str,
                     now: dt.datetime | None = None) -> NewToken:
    """A new bearer token for a user (an admin over them, or the user themself). Show ``.token`` once."""
    user = _user_in_scope(session, actor=actor, username=username)
    name = name.strip()
    if not name or len(name) > 80:
        raise AccountError("token name: 1–80 characters")
    token = security.new_api_token()
    now = _now(now)
    record = ApiToken(user=user, name=name, token_hash=security.hash_api_token(token), created_at=now)
    session.add(record)
    session.flush()
    record_change(session, actor=actor.actor, action="token.create", entity="api_token", entity_id=str(record.id),
                  region_code=user.region_prefix or None, after={"user": username, "name": name}, at=now)
    return NewToken(record=record, token=token)


def list_api_tokens(session: Session, *, actor: Principal, username: str) -> list[ApiToken]:
    user = _user_in_scope(session, actor=actor, username=username)
    return sorted(user.tokens, key=lambda t: t.id)


def revoke_api_token(session: Session, *, actor: Principal, token_id: int, now: dt.datetime | None = None) -> ApiToken:
    """Revoke a token for good (revoking twice is harmless)."""
    record = session.get(ApiToken, token_id)
    if record is None:
        raise AccessDenied(f"{actor.actor} may not revoke token {token_id} (or it does not exist)")
    _user_in_scope(session, actor=actor, username=record.user.username)
    if record.revoked_at is None:
        record.revoked_at = _now(now)
        _credentials_changed()
        record_change(session, actor=actor.actor, action="token.revoke", entity="api_token",
                      entity_id=str(record.id), region_code=record.user.region_prefix or None,
                      after={"user": record.user.username, "name": record.name}, at=record.revoked_at)
    return record


# Updating last_used_at on every call would turn each API read into a write; once every 5 minutes is
# enough to answer "is this token still in use?". It is bookkeeping, not audited.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def user_for_token(session: Session, *, token: str, now: dt.datetime | None = None) -> User | None:
    """The user behind a bearer token, if the token is known, not revoked, and the user not disabled."""
    if not token.startswith(security.TOKEN_PREFIX):
        return None
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == security.hash_api_token(token)))
    if record is None or record.revoked_at is not None or record.user.disabled:
        return None
    now = _now(now)
    last = _aware(record.last_used_at)
    if last is None or now - last > LAST_USED_RESOLUTION:
        record.last_used_at = now
    return record.user
