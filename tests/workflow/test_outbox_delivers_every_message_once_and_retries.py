"""Notifications go through an outbox written in the same transaction as the change: in-app always,
e-mail and webhook when configured; a worker sends them, retries with back-off, never loses one, and
two workers never send the same message."""

import datetime as dt
import hashlib
import hmac
import threading

import pytest
from sqlalchemy import func, select

from fugong.store.db import session_scope
from fugong.workflow import outbox
from fugong.workflow.models import Notification, OutboxMessage
from tests.support.sinks import MailSink, WebhookSink


@pytest.fixture
def sinks():
    mail, hook = MailSink(), WebhookSink()
    yield mail, hook
    mail.close()
    hook.close()


def _channels(mail, hook):
    return outbox.Channels(smtp_url=mail.url, mail_from="fugong@example.org", webhook_url=hook.url,
                           webhook_secret=b"k" * 32)


def _queue(engine, channels, n=1, start=0):
    with session_scope(engine) as session:
        for i in range(start, start + n):
            outbox.notify(session, dedupe_key=f"filing-F{i}/approved", recipient_kind="enterprise", recipient_id=f"E{i}",
                          kind="filing.approved", subject=("复工备案已核准", "Resumption filing approved"),
                          body=("您的复工备案已核准。", "Your filing was approved."), region_code="330110",
                          email=f"firm{i}@example.org", channels=channels)


def _statuses(engine):
    with session_scope(engine) as session:
        return outbox.outbox_counts(session)


def test_a_message_is_queued_only_if_its_change_commits(engine, sinks):
    channels = _channels(*sinks)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        outbox.notify(session, dedupe_key="x", recipient_kind="enterprise", recipient_id="E1", kind="k",
                      subject=("主题", "subject"), email="a@example.org", channels=channels)
        raise RuntimeError("the change failed")
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_in_app_always_email_and_webhook_when_configured(engine, sinks):
    mail, hook = sinks
    _queue(engine, outbox.Channels())  # nothing configured: in-app only
    _queue(engine, _channels(mail, hook), start=1)
    with session_scope(engine) as session:
        assert len(outbox.inbox(session, recipient_kind="enterprise", recipient_id="E0")) == 1
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2
    run = outbox.deliver(engine, senders=outbox.default_senders(_channels(mail, hook)), worker="w1")
    assert (run.claimed, run.sent) == (2, 2)
    assert "Subject: =?utf-8?b?" in mail.messages[0] and "firm1@example.org" in mail.messages[0]
    headers, body, raw = hook.received[0]
    assert body["kind"] == "filing.approved" and body["recipient"] == {"kind": "enterprise", "id": "E1"}
    assert headers["Idempotency-Key"] == "filing-F1/approved/webhook"
    expected = hmac.new(b"k" * 32, raw, hashlib.sha256).hexdigest()
    assert headers["X-Fugong-Signature"] == f"sha256={expected}"


def test_the_same_dedupe_key_is_queued_once(engine, sinks):
    _queue(engine, _channels(*sinks))
    _queue(engine, _channels(*sinks))
    assert _statuses(engine) == {"pending": 2}


def test_a_failed_delivery_is_retried_with_backoff_and_then_kept_as_dead(engine, sinks):
    mail, hook = sinks
    channels = _channels(mail, hook)
    _queue(engine, channels)
    mail.fail_next, hook.fail_next = 1, 100
    first = outbox.deliver(engine, senders=outbox.default_senders(channels), worker="w1")
    assert (first.sent, first.retried) == (0, 2)
    with session_scope(engine) as session:
        due = [m.next_attempt_at for m in session.scalars(select(OutboxMessage))]
    later = max(d if d.tzinfo else d.replace(tzinfo=dt.timezone.utc) for d in due) + dt.timedelta(seconds=1)
    assert outbox.deliver(engine, senders=outbox.default_senders(channels), worker="w1").claimed == 0  # not yet due
    second = outbox.deliver(engine, senders=outbox.default_senders(channels), worker="w1", now=later, max_attempts=2)
    assert (second.sent, second.dead) == (1, 1)  # e-mail went through, the webhook gave up after 2 attempts
    assert _statuses(engine) == {"sent": 1, "dead": 1} and len(mail.messages) == 1


def test_two_workers_at_once_send_every_message_exactly_once(engine, sinks):
    mail, hook = sinks
    channels = _channels(mail, hook)
    _queue(engine, channels, n=40)
    senders = outbox.default_senders(channels)
    runs = []
    threads = [threading.Thread(target=lambda w=w: runs.append(outbox.deliver(engine, senders=senders, worker=w,
                                                                                 limit=100))) for w in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.sent for r in runs) == 80
    assert len(mail.messages) == 40 and len({b["id"] for _, b, _ in hook.received}) == len(hook.received) == 40
    assert _statuses(engine) == {"sent": 80}
