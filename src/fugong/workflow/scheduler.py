"""The scheduler: one holder at a time, inside ``fugong serve`` and from ``fugong jobs run``.

Every serving process (``fugong serve --workers N`` starts N) runs a ``Scheduler`` thread, but only
the holder of the database lease ``scheduler`` works: it renews the lease every ``interval`` seconds;
the others try to take it over and succeed only once it has expired (the holder died or hung for
``lease_seconds``). A tick of the holder:

    schedule the recurring jobs of today and tomorrow → run the due jobs → deliver the outbox

``fugong jobs run`` (for cron) is one tick under a holder name of its own: while a serving process
holds the lease it does nothing and says so (``--force`` waits for no lease: jobs and outbox claims
keep it safe, only the single-holder economy is lost).

Lease acquisition (both databases, no advisory locks)::

    UPDATE wf_lease SET holder=:me, expires_at=:now+ttl WHERE name=:name AND (holder=:me OR expires_at<:now)
    -- no row changed: INSERT … ON CONFLICT DO NOTHING (a race between two newcomers: one wins)
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field

from sqlalchemy import Engine, delete, or_, update

from fugong.store.db import session_scope, write_lock
from fugong.workflow import jobs, outbox
from fugong.workflow.models import Lease
from fugong.workflow.sql import insert_or_skip

log = logging.getLogger("fugong.scheduler")
LEASE_NAME = "scheduler"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def holder_name(kind: str = "serve") -> str:
    return f"{kind}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def acquire_lease(engine: Engine, *, name: str, holder: str, seconds: float, now: dt.datetime | None = None) -> bool:
    """Take or renew the lease ``name`` for ``holder`` (see the module docstring); True if held."""
    now = now or _now()
    expires = now + dt.timedelta(seconds=seconds)
    with write_lock(engine), session_scope(engine) as session:
        result = session.execute(update(Lease).where(Lease.name == name,
                                                     or_(Lease.holder == holder, Lease.expires_at < now))
                                 .values(holder=holder, expires_at=expires).execution_options(synchronize_session=False))
        if result.rowcount == 1:
            return True
        return insert_or_skip(session, Lease, dict(name=name, holder=holder, expires_at=expires, acquired_at=now),
                              ("name",))


def release_lease(engine: Engine, *, name: str, holder: str) -> None:
    with write_lock(engine), session_scope(engine) as session:
        session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


def lease_holder(engine: Engine, *, name: str = LEASE_NAME) -> tuple[str, dt.datetime] | None:
    with session_scope(engine) as session:
        lease = session.get(Lease, name)
        if lease is None:
            return None
        expires = lease.expires_at if lease.expires_at.tzinfo else lease.expires_at.replace(tzinfo=dt.timezone.utc)
        return lease.holder, expires


@dataclass
class TickResult:
    held: bool
    scheduled: int = 0
    jobs: jobs.RunSummary = field(default_factory=jobs.RunSummary)
    delivery: outbox.DeliveryRun = field(default_factory=outbox.DeliveryRun)


def tick(engine: Engine, *, settings, holder: str, lease_seconds: float = 60, force: bool = False,
         now: dt.datetime | None = None) -> TickResult:
    """One round of the scheduler's work, if this holder has (or, with ``force``, ignores) the lease."""
    held = acquire_lease(engine, name=LEASE_NAME, holder=holder, seconds=lease_seconds, now=now)
    if not held and not force:
        return TickResult(held=False)
    _load_domains()
    result = TickResult(held=held)
    with write_lock(engine), session_scope(engine) as session:
        result.scheduled = jobs.ensure_recurring(session, settings=settings, now=now)
    result.jobs = jobs.run_due(engine, worker=holder, now=now, settings=settings)
    channels = outbox.Channels.from_settings(settings)
    result.delivery = outbox.deliver(engine, senders=outbox.default_senders(channels), worker=holder)
    return result


def _load_domains() -> None:
    """Import the packages that register job handlers and recurring rules."""
    import importlib

    for module in DOMAIN_MODULES:
        importlib.import_module(module)


DOMAIN_MODULES: list[str] = ["fugong.resumption.jobs", "fugong.desk.deadlines"]  # modules holding @jobs.handler / @jobs.recurring


class Scheduler:
    """The background thread of a serving process (started and stopped by the app's lifespan)."""

    def __init__(self, engine: Engine, *, settings, interval: float = 15.0, lease_seconds: float = 60.0):
        self.engine, self.settings = engine, settings
        self.interval, self.lease_seconds = interval, lease_seconds
        self.holder = holder_name("serve")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ticks = 0
        self.held = False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="fugong-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.held:
            try:
                release_lease(self.engine, name=LEASE_NAME, holder=self.holder)
            except Exception:  # noqa: BLE001 - shutting down; the lease expires by itself
                log.warning("could not release the scheduler lease", exc_info=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                result = tick(self.engine, settings=self.settings, holder=self.holder, lease_seconds=self.lease_seconds)
                self.held = result.held
                self.ticks += 1
                if result.jobs.errors or result.delivery.errors:
                    log.warning("scheduler: %s", "; ".join(result.jobs.errors + result.delivery.errors)[:2000])
            except Exception:  # noqa: BLE001 - a bad tick must not end the thread
                log.exception("scheduler tick failed")
            self._stop.wait(self.interval)
