"""Notifications through an outbox: written with the change that causes them, delivered by a worker.

``notify(session, …)`` adds, in the caller's transaction, an in-app ``Notification`` (always) and one
``OutboxMessage`` per configured channel (e-mail when the recipient has an address and SMTP is set
up; webhook when ``FUGONG_WEBHOOK_URL`` is set). If the change rolls back, so do they: a message is
never sent for a change that did not happen, and never lost for one that did.

``deliver(engine, senders=…, worker=…)`` is the worker (the scheduler runs it; so does
``fugong jobs run``):

1. claim up to ``limit`` due messages in one short transaction: ``claimed_by = worker``,
   ``claimed_until = now + lease`` (rows claimed by a live worker are skipped; PostgreSQL skips
   locked rows, SQLite serialises the claim on its write lock) — two workers never send one message
   at the same time;
2. send each outside any transaction;
3. mark it ``sent`` (only if still claimed by this worker), or count the attempt and retry later
   with exponential back-off (1 min, 2, 4 … capped at 1 h); after ``max_attempts`` it is ``dead``
   and listed for an administrator, never dropped.

A worker killed between sending and marking leaves the claim to expire; the message is then sent
again with the same ``dedupe_key`` (e-mail ``Message-ID``, webhook ``Idempotency-Key`` header) so
that the receiver can drop the repeat: delivery is at-least-once with a stable key, enqueueing is
exactly once (the notification's ``dedupe_key`` is unique).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import smtplib
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.orm import Session

from fugong.store.db import session_scope
from fugong.workflow.models import Notification, OutboxMessage

MAX_ATTEMPTS = 8
BACKOFF_CAP = dt.timedelta(hours=1)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class Channels:
    """Where notifications go besides the in-app inbox (from settings: ``Channels.from_settings``)."""

    smtp_url: str | None = None  # smtp://user:password@host:port (smtps:// for TLS)
    mail_from: str = "fugong@localhost"
    webhook_url: str | None = None
    webhook_secret: bytes = b""

    @classmethod
    def from_settings(cls, settings) -> Channels:
        smtp = settings.smtp_url.get_secret_value() if getattr(settings, "smtp_url", None) else None
        webhook = getattr(settings, "webhook_url", None)
        secret = b""
        if webhook:
            from fugong.healthcode.people import derived_key

            secret = derived_key(settings.secret(), "webhook signature")
        return cls(smtp_url=smtp, mail_from=getattr(settings, "mail_from", cls.mail_from), webhook_url=webhook,
                   webhook_secret=secret)


def notify(session: Session, *, dedupe_key: str, recipient_kind: str, recipient_id: str, kind: str,
           subject: tuple[str, str], body: tuple[str, str] = ("", ""), region_code: str | None = None,
           link: str | None = None, entity: str | None = None, entity_id: str | None = None,
           email: str | None = None, channels: Channels = Channels(), at: dt.datetime | None = None) -> int | None:
    """Queue a notification in the caller's transaction: its id, or None if ``dedupe_key`` was queued
    before. One INSERT … ON CONFLICT DO NOTHING: two writers queueing the same key at once both
    succeed and one row results (a look-up first would let both insert, and one transaction fail)."""
    from fugong.workflow.sql import insert_or_skip_returning

    at = (at or _now()).astimezone(dt.timezone.utc)
    note_id = insert_or_skip_returning(session, Notification, {
        "dedupe_key": dedupe_key, "recipient_kind": recipient_kind, "recipient_id": recipient_id, "kind": kind,
        "subject_zh": subject[0][:200], "subject_en": subject[1][:200], "body_zh": body[0], "body_en": body[1],
        "region_code": region_code, "link": link, "entity": entity, "entity_id": entity_id, "created_at": at},
        ("dedupe_key",), "id")
    if note_id is None:
        return None
    targets = _targets(email, channels)
    for channel, target in targets:
        session.add(OutboxMessage(notification_id=note_id, channel=channel, target=target,
                                  dedupe_key=f"{dedupe_key}/{channel}", status="pending", attempts=0,
                                  next_attempt_at=at, created_at=at))
    if targets:
        session.flush()
    return note_id


def _targets(email: str | None, channels: Channels) -> list[tuple[str, str]]:
    """(channel, target) pairs a notification goes to besides the inbox."""
    targets = []
    if email and channels.smtp_url:
        targets.append(("email", email))
    if channels.webhook_url:
        targets.append(("webhook", channels.webhook_url))
    return targets


def notify_many(session: Session, notes: list[dict], *, channels: Channels = Channels()) -> None:
    """Many notifications of new changes in two INSERTs (a batch of filings): each dict has ``notify``'s
    keywords but ``channels``. Their ``dedupe_key``s are new (made from the ids of rows this transaction
    wrote), so a conflict is an error here, not a repeat."""
    from fugong.workflow.sql import insert_many

    if not notes:
        return
    rows = [{"dedupe_key": n["dedupe_key"], "recipient_kind": n["recipient_kind"], "recipient_id": n["recipient_id"],
             "kind": n["kind"], "subject_zh": n["subject"][0][:200], "subject_en": n["subject"][1][:200],
             "body_zh": n.get("body", ("", ""))[0], "body_en": n.get("body", ("", ""))[1],
             "region_code": n.get("region_code"), "link": n.get("link"), "entity": n.get("entity"),
             "entity_id": n.get("entity_id"), "created_at": (n.get("at") or _now()).astimezone(dt.timezone.utc)}
            for n in notes]
    ids = insert_many(session, Notification, rows, ids=True)
    messages = []
    for note_id, note, row in zip(ids, notes, rows):
        messages += [{"notification_id": note_id, "channel": channel, "target": target,
                      "dedupe_key": f"{row['dedupe_key']}/{channel}", "status": "pending", "attempts": 0,
                      "next_attempt_at": row["created_at"], "created_at": row["created_at"]}
                     for channel, target in _targets(note.get("email"), channels)]
    insert_many(session, OutboxMessage, messages)


def inbox(session: Session, *, recipient_kind: str, recipient_id: str, limit: int = 50) -> list[dict]:
    rows = session.scalars(select(Notification).where(Notification.recipient_kind == recipient_kind,
                                                      Notification.recipient_id == recipient_id)
                           .order_by(Notification.id.desc()).limit(limit))
    return [{"id": n.id, "kind": n.kind, "subject_zh": n.subject_zh, "subject_en": n.subject_en,
             "body_zh": n.body_zh, "body_en": n.body_en, "link": n.link,
             "created_at": (n.created_at if n.created_at.tzinfo else n.created_at.replace(tzinfo=dt.timezone.utc)).isoformat(),
             "read": n.read_at is not None} for n in rows]


# --- delivery ---------------------------------------------------------------------------------------

class Sender(Protocol):
    def __call__(self, message: OutboxMessage, note: Notification) -> None: ...  # raises on failure


def smtp_sender(channels: Channels) -> Sender:
    """Send by SMTP (``smtp://user:pass@host:port``; ``smtps://`` for implicit TLS)."""
    from urllib.parse import unquote, urlsplit

    url = urlsplit(channels.smtp_url or "")

    def send(message: OutboxMessage, note: Notification) -> None:
        mail = EmailMessage()
        mail["From"] = channels.mail_from
        mail["To"] = message.target
        mail["Subject"] = f"{note.subject_zh} / {note.subject_en}"
        # A stable Message-ID from the dedupe key: a repeat after a crash is recognisably the same mail.
        mail["Message-ID"] = make_msgid(idstring=hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:24],
                                        domain="fugong")
        mail.set_content(f"{note.body_zh}\n\n{note.body_en}\n" + (f"\n{note.link}\n" if note.link else ""))
        client_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
        with client_class(url.hostname or "localhost", url.port or (465 if url.scheme == "smtps" else 25),
                          timeout=20) as client:
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(mail)

    return send


def webhook_sender(channels: Channels) -> Sender:
    """POST a JSON body, signed: ``X-Fugong-Signature: sha256=<hex HMAC of the body>``."""

    def send(message: OutboxMessage, note: Notification) -> None:
        body = json.dumps({"id": message.dedupe_key, "kind": note.kind, "recipient": {"kind": note.recipient_kind,
                           "id": note.recipient_id}, "region_code": note.region_code, "subject_zh": note.subject_zh,
                           "subject_en": note.subject_en, "body_zh": note.body_zh, "body_en": note.body_en,
                           "link": note.link, "entity": note.entity, "entity_id": note.entity_id,
                           "created_at": note.created_at.isoformat()}, ensure_ascii=False).encode()
        signature = hmac.new(channels.webhook_secret, body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(message.target, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.dedupe_key,
            "X-Fugong-Signature": f"sha256={signature}"})
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - configured URL
            if response.status >= 300:
                raise RuntimeError(f"webhook answered {response.status}")

    return send


def default_senders(channels: Channels) -> dict[str, Sender]:
    senders: dict[str, Sender] = {}
    if channels.smtp_url:
        senders["email"] = smtp_sender(channels)
    if channels.webhook_url:
        senders["webhook"] = webhook_sender(channels)
    return senders


@dataclass
class DeliveryRun:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def claim(engine: Engine, *, worker: str, limit: int = 50, lease: dt.timedelta = dt.timedelta(minutes=2),
          now: dt.datetime | None = None) -> list[int]:
    """Claim due messages for ``worker`` (see the module docstring); returns their ids."""
    from fugong.store.db import write_lock

    now = now or _now()
    due = or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
    with write_lock(engine), session_scope(engine) as session:
        query = (select(OutboxMessage.id).where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now, due)
                 .order_by(OutboxMessage.id).limit(limit))
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(session.scalars(query))
        if not ids:
            return []
        until = now + lease
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids), due)
                        .values(claimed_by=worker, claimed_until=until).execution_options(synchronize_session=False))
        return list(session.scalars(select(OutboxMessage.id).where(OutboxMessage.id.in_(ids),
                                                                   OutboxMessage.claimed_by == worker,
                                                                   OutboxMessage.claimed_until == until)))


def deliver(engine: Engine, *, senders: dict[str, Sender], worker: str, limit: int = 50,
            lease: dt.timedelta = dt.timedelta(minutes=2), now: dt.datetime | None = None,
            max_attempts: int = MAX_ATTEMPTS) -> DeliveryRun:
    """Claim, send and mark due outbox messages once (the sender worker's one round)."""
    run = DeliveryRun()
    ids = claim(engine, worker=worker, limit=limit, lease=lease, now=now)
    run.claimed = len(ids)
    for message_id in ids:
        with session_scope(engine) as session:
            message = session.get(OutboxMessage, message_id)
            note = session.get(Notification, message.notification_id)
            session.expunge_all()
        sender = senders.get(message.channel)
        error = None
        if sender is None:
            error = f"no sender configured for channel {message.channel!r}"
        else:
            try:
                sender(message, note)
            except Exception as exc:  # noqa: BLE001 - any failure is retried and recorded
                error = f"{exc.__class__.__name__}: {exc}"[:500]
        _finish(engine, message_id=message_id, worker=worker, error=error, max_attempts=max_attempts, run=run)
    return run


def _finish(engine: Engine, *, message_id: int, worker: str, error: str | None, max_attempts: int,
            run: DeliveryRun) -> None:
    from fugong.store.db import write_lock

    now = _now()
    with write_lock(engine), session_scope(engine) as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.claimed_by != worker or message.status != "pending":
            return  # the claim expired and another worker took the message over
        message.claimed_by, message.claimed_until = None, None
        message.attempts += 1
        if error is None:
            message.status, message.sent_at, message.last_error = "sent", now, None
            run.sent += 1
            return
        message.last_error = error
        run.errors.append(f"{message.dedupe_key}: {error}")
        if message.attempts >= max_attempts:
            message.status = "dead"
            run.dead += 1
        else:
            message.next_attempt_at = now + min(dt.timedelta(minutes=2 ** (message.attempts - 1)), BACKOFF_CAP)
            run.retried += 1


def outbox_counts(session: Session) -> dict[str, int]:
    from sqlalchemy import func

    return {status: int(n) for status, n in session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()}
