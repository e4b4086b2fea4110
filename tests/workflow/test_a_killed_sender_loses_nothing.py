"""A sender worker killed after claiming messages loses none: when its claim expires another worker
sends them (with the same idempotency key, so a receiver can drop a repeat)."""

import datetime as dt

from fugong.store.db import session_scope
from fugong.workflow import outbox
from tests.support.processes import kill, spawn, wait_for
from tests.support.sinks import WebhookSink

CLAIM_AND_DIE = """
import os, pathlib, time, datetime as dt
from fugong.store.db import connect
from fugong.workflow import outbox
ids = outbox.claim(connect(os.environ["DB"]), worker="doomed", limit=100, lease=dt.timedelta(seconds=2))
pathlib.Path(os.environ["MARK"]).write_text(str(len(ids)))
time.sleep(60)
"""


def test_messages_claimed_by_a_killed_worker_are_sent_after_the_claim_expires(engine, db_url, tmp_path):
    hook = WebhookSink()
    try:
        channels = outbox.Channels(webhook_url=hook.url, webhook_secret=b"s" * 32)
        with session_scope(engine) as session:
            for i in range(10):
                outbox.notify(session, dedupe_key=f"n{i}", recipient_kind="enterprise", recipient_id="E1", kind="k",
                              subject=("主题", "subject"), channels=channels)
        child = spawn(CLAIM_AND_DIE, DB=db_url, MARK=tmp_path / "claimed")
        wait_for(tmp_path / "claimed", child)
        kill(child)
        assert (tmp_path / "claimed").read_text() == "10"
        senders = outbox.default_senders(channels)
        assert outbox.deliver(engine, senders=senders, worker="w2").claimed == 0  # still claimed by the dead one
        later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)
        assert outbox.deliver(engine, senders=senders, worker="w2", now=later).sent == 10
        assert sorted(b["id"] for _, b, _ in hook.received) == sorted(f"n{i}/webhook" for i in range(10))
    finally:
        hook.close()
