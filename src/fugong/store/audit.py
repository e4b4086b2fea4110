"""The append-only audit log and the one helper every service uses for a state change.

A row says who did what to which record, when, with the state before and after and the reason::

    record_change(session, actor="officer:3301-li", action="filing.approve",
                  entity="filing", entity_id="F-2020-0001", region_code="330110",
                  before={"status": "submitted"}, after={"status": "approved"},
                  reason="白名单企业")

Append-only is enforced three times: the ORM refuses to update or delete an entry; database
triggers (migrations 0001 and 0005, SQLite and PostgreSQL) abort any UPDATE, DELETE, TRUNCATE and
SQLite's ``INSERT OR REPLACE`` of an existing id; and ``at`` is the database's clock, not the
caller's (PostgreSQL sets it in a trigger; SQLite refuses a value more than two minutes off).
Values must already be masked: callers pass masked personal data only (see DESIGN.md, security).

Tampering by someone who can bypass the triggers (a database superuser, a copied file) is made
detectable by a hash chain, sealed in batches by a job rather than by each writer (so that filings
and gate scans do not queue on the chain)::

    seal(session)            # chain the entries written since the last seal into one audit_seal row
    verify(session)          # recompute every seal: Verification(ok, entries, seals, unsealed, problems)

    h0 = SHA-256("fugong-audit-v1");  h(i) = SHA-256(h(i-1) || canonical JSON of entry i)

A seal row holds the first and last entry id it covers, their count, the hash before and after.
A seal covers a run of consecutive ids and stops at the first entry too recent to seal (an entry's
``at`` is stamped a moment after its id is drawn, so ids and times can disagree by that moment).
A seal must never skip an entry that commits later with a lower id (PostgreSQL hands out ids at
insert, not at commit; SQLite's single writer commits in id order). So only entries written before
the cutoff are sealed: ``SEAL_GRACE`` ago, and on PostgreSQL also before the start of the oldest open
transaction that is writing to the audit log (it holds the table's RowExclusiveLock from before its
first id is drawn until it ends): its entries got their ids after it started, so every entry written
before that start has a lower id than any it holds. A long transaction (a big ingest) delays the
seal instead of being skipped over.
``fugong audit seal`` / ``fugong audit verify`` run them from the command line; ``fugong serve`` seals
every ``SEAL_EVERY`` seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text, event, func, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.expression import FunctionElement

from fugong.store.base import Base


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(80), index=True)
    entity: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str] = mapped_column(String(120), index=True)
    region_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


    __mapper_args__ = {"eager_defaults": True}  # ``at`` comes back from the database with the insert


class AuditSeal(Base):
    """One link of the hash chain: entries ``first_id``..``last_id`` (``count`` of them) chained from
    ``prev_hash`` to ``hash``. Append-only like the log; ``first_id`` is unique, so two sealers
    racing for the same batch cannot both seal it."""

    __tablename__ = "audit_seal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    first_id: Mapped[int] = mapped_column(Integer, unique=True)
    last_id: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AuditLogIsAppendOnly(RuntimeError):
    pass


class db_now(FunctionElement):
    """The database's clock, with sub-second precision (``at`` of an entry is never the caller's)."""

    type = DateTime(timezone=True)
    inherit_cache = True


@compiles(db_now)
def _db_now_default(element, compiler, **kw):  # pragma: no cover - other databases
    return "CURRENT_TIMESTAMP"


@compiles(db_now, "sqlite")
def _db_now_sqlite(element, compiler, **kw):
    return "strftime('%Y-%m-%d %H:%M:%f', 'now')"


@compiles(db_now, "postgresql")
def _db_now_postgresql(element, compiler, **kw):
    return "clock_timestamp()"


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditSeal, "before_update")
def _refuse_update(*_args: Any) -> None:
    raise AuditLogIsAppendOnly("audit_log entries cannot be changed")


@event.listens_for(AuditEntry, "before_delete")
@event.listens_for(AuditSeal, "before_delete")
def _refuse_delete(*_args: Any) -> None:
    raise AuditLogIsAppendOnly("audit_log entries cannot be deleted")


_PLAIN = (str, int, float, bool, type(None))


def _jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:  # most values of an entry: the cheapest test first
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def record_change(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
    region_code: str | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Add one audit entry to the session's transaction (it commits with the change it describes).

    ``at`` is ignored (kept so that existing callers need no change): the time of an entry is the
    database's clock at the insert, so that no caller can back-date one."""
    if not actor:
        raise ValueError("an audit entry needs an actor")
    entry = AuditEntry(
        at=db_now(),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        region_code=region_code,
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason,
    )
    session.add(entry)
    return entry


def record_changes(session: Session, changes: list[dict]) -> None:
    """Many entries in one INSERT (a batch of filings): each dict has ``record_change``'s keywords."""
    from sqlalchemy import insert

    if not changes:
        return
    if not all(change.get("actor") for change in changes):
        raise ValueError("an audit entry needs an actor")
    rows = [{"actor": c["actor"], "action": c["action"], "entity": c["entity"], "entity_id": str(c["entity_id"]),
             "region_code": c.get("region_code"), "before": _jsonable(c.get("before")),
             "after": _jsonable(c.get("after")), "reason": c.get("reason")} for c in changes]
    session.execute(insert(AuditEntry.__table__).values(at=db_now()), rows)


def history(session: Session, *, entity: str, entity_id: str) -> list[AuditEntry]:
    """Every entry about one record, oldest first."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
        .order_by(AuditEntry.id)
    )
    return list(session.scalars(query))


# --- the hash chain ---------------------------------------------------------------------------------

GENESIS = hashlib.sha256(b"fugong-audit-v1").hexdigest()
SEAL_GRACE = dt.timedelta(seconds=60)  # seal only entries older than this (open transactions commit first)
SEAL_BATCH = 50_000
SEAL_EVERY = 30.0  # seconds between seals in a serving process


def _utc_text(value: dt.datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):  # a raw SQLite value
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def canonical(row) -> bytes:
    """The bytes of an entry that the chain covers: every column, in a fixed form."""
    return json.dumps(
        [row.id, _utc_text(row.at), row.actor, row.action, row.entity, row.entity_id, row.region_code,
         row.before, row.after, row.reason],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    ).encode()


def chain(previous: str, rows) -> tuple[str, int, int | None, int | None]:
    """(hash after, count, first id, last id) of chaining ``rows`` (in id order) onto ``previous``."""
    digest, count, first, last = previous, 0, None, None
    for row in rows:
        digest = hashlib.sha256(bytes.fromhex(digest) + canonical(row)).hexdigest()
        count += 1
        first = row.id if first is None else first
        last = row.id
    return digest, count, first, last


_ENTRY_COLUMNS = (AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.entity,
                  AuditEntry.entity_id, AuditEntry.region_code, AuditEntry.before, AuditEntry.after,
                  AuditEntry.reason)


def _cutoff(session: Session, grace: dt.timedelta) -> dt.datetime:
    """Seal entries written before this time. On PostgreSQL: the earlier of the database's clock less
    ``grace`` and the start of the oldest other transaction holding an insert lock on this audit log
    (``pg_locks``, its start from ``pg_stat_activity``). It is read in a statement of its own, before
    the entries are read (READ COMMITTED: the next statement sees everything committed by then), so a
    transaction that commits in between has either been counted as open or is visible.

    pg_locks and pg_stat_activity are two readings: a lock holder without a start there began or ended
    in between, so it draws its ids after this statement began (``statement_timestamp()``) or has
    committed. Only another database user's start may be hidden (without pg_read_all_stats): then
    nothing is sealed until that transaction ends (the epoch)."""
    if session.get_bind().dialect.name != "postgresql":
        # SQLite: one writer at a time, and it holds the lock from its insert to its commit, so no entry
        # with a lower id can appear after a higher one is visible.
        return dt.datetime.now(dt.timezone.utc) - grace
    return session.execute(text(
        "SELECT least(clock_timestamp() - make_interval(secs => :grace),"
        " (SELECT min(coalesce(a.xact_start, CASE"
        "      WHEN a.usename IS NULL OR a.usename = current_user OR pg_has_role('pg_read_all_stats', 'USAGE')"
        "      THEN statement_timestamp() ELSE 'epoch'::timestamptz END))"
        "    FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
        "   WHERE l.locktype = 'relation' AND l.relation = CAST(:table AS regclass)"
        # Relation OIDs repeat across databases (a database copied from a template keeps them):
        # only this database's writers matter.
        "     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        "     AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()))"),
        {"grace": grace.total_seconds(), "table": AuditEntry.__tablename__}).scalar_one()


def seal(session: Session, *, grace: dt.timedelta = SEAL_GRACE, batch: int = SEAL_BATCH) -> AuditSeal | None:
    """Chain the unsealed entries older than ``grace`` into one new seal (None when there are none).
    Commit the session afterwards; if another sealer sealed the same batch first, the flush raises
    IntegrityError (``seal_all`` takes that as "done")."""
    cutoff = _cutoff(session, grace)  # read before the entries: see _cutoff
    last = session.scalars(select(AuditSeal).order_by(AuditSeal.last_id.desc()).limit(1)).first()
    after_id, previous = (last.last_id, last.hash) if last else (0, GENESIS)
    # A run of consecutive ids only: an entry's ``at`` is stamped a moment after its id is drawn, so a
    # lower id can carry a later time. Stop at the first entry too recent to seal, never step over it.
    too_recent = (select(func.min(AuditEntry.id)).where(AuditEntry.id > after_id, AuditEntry.at >= cutoff)
                  .scalar_subquery())
    rows = session.execute(select(*_ENTRY_COLUMNS)
                           .where(AuditEntry.id > after_id, AuditEntry.at < cutoff,
                                  or_(too_recent.is_(None), AuditEntry.id < too_recent))
                           .order_by(AuditEntry.id).limit(batch)).all()
    digest, count, first, last_id = chain(previous, rows)
    if not count:
        return None
    row = AuditSeal(first_id=first, last_id=last_id, count=count, prev_hash=previous, hash=digest,
                    sealed_at=dt.datetime.now(dt.timezone.utc))
    session.add(row)
    session.flush()
    return row


def seal_all(engine, *, grace: dt.timedelta = SEAL_GRACE) -> int:
    """Seal everything older than ``grace``, batch by batch, each in its own transaction; the number of
    entries sealed."""
    from fugong.store.db import session_scope

    sealed = 0
    while True:
        try:
            with session_scope(engine) as session:
                row = seal(session, grace=grace)
                count = row.count if row else 0
        except IntegrityError:  # another process sealed this batch meanwhile: its seal stands
            return sealed
        if not count:
            return sealed
        sealed += count


@dataclass
class Verification:
    ok: bool
    entries: int = 0
    seals: int = 0
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)


def verify(session: Session, *, batch: int = 10_000) -> Verification:
    """Recompute the chain over every seal; report each seal whose entries changed, went missing or
    were added, and entries that fall between seals."""
    result = Verification(ok=True)
    previous, after_id = GENESIS, 0
    for seal_row in session.scalars(select(AuditSeal).order_by(AuditSeal.first_id)):
        result.seals += 1
        label = f"seal {seal_row.id} (entries {seal_row.first_id}–{seal_row.last_id})"
        if seal_row.prev_hash != previous:
            result.problems.append(f"{label}: does not continue the previous seal (a seal was removed or forged)")
        between = session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.id > after_id, AuditEntry.id < seal_row.first_id))
        if between:
            result.problems.append(f"{label}: {between} entries before it are in no seal (inserted afterwards)")
        digest, count = seal_row.prev_hash, 0
        start = seal_row.first_id
        while True:
            rows = session.execute(select(*_ENTRY_COLUMNS).where(AuditEntry.id >= start,
                                                                 AuditEntry.id <= seal_row.last_id)
                                   .order_by(AuditEntry.id).limit(batch)).all()
            if not rows:
                break
            digest, n, _first, last = chain(digest, rows)
            count += n
            start = last + 1
        result.entries += count
        if count != seal_row.count:
            result.problems.append(f"{label}: {count} entries found, {seal_row.count} sealed (entries deleted or added)")
        elif digest != seal_row.hash:
            result.problems.append(f"{label}: entries changed since they were sealed")
        previous, after_id = seal_row.hash, seal_row.last_id
    result.unsealed = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.id > after_id)) or 0
    result.entries += result.unsealed
    result.ok = not result.problems
    return result


def start_sealer(url: str, *, every: float = SEAL_EVERY):
    """Seal the audit log every ``every`` seconds in a daemon thread (``fugong serve`` starts one; with
    several serving machines, more sealers are harmless: a batch is sealed once, by whoever is first)."""
    import logging
    import threading
    import time

    from fugong.store.db import connect

    log = logging.getLogger(__name__)

    def run() -> None:
        engine = connect(url)
        while True:
            time.sleep(every)
            try:
                seal_all(engine)
            except Exception as error:  # noqa: BLE001 - a missed seal is made up by the next one
                log.warning("audit seal failed (%s); retrying in %.0f s", type(error).__name__, every)

    thread = threading.Thread(target=run, name="fugong-audit-sealer", daemon=True)
    thread.start()
    return thread
