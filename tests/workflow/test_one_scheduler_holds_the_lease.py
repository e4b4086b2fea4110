"""Whatever --workers says, one process at a time holds the scheduler lease; another takes over when
the holder's lease expires (it died or hung); ``fugong jobs run`` does nothing while a server holds it."""

import datetime as dt

from fugong.workflow.scheduler import LEASE_NAME, acquire_lease, lease_holder, release_lease
from tests.support.processes import finish, spawn

NOW = dt.datetime.now(dt.timezone.utc)

TRY = """
import os, datetime as dt
from fugong.store.db import connect
from fugong.workflow.scheduler import acquire_lease
engine = connect(os.environ["DB"])
print(sum(acquire_lease(engine, name="scheduler", holder=os.environ["WHO"], seconds=60) for _ in range(20)))
"""


def test_of_four_processes_trying_at_once_one_holds_the_lease(engine, db_url):
    children = [spawn(TRY, DB=db_url, WHO=f"worker-{i}") for i in range(4)]
    wins = [int(finish(c)) for c in children]
    assert sorted(wins) == [0, 0, 0, 20]  # one holder renews 20 times, the others never get it
    holder, _ = lease_holder(engine)
    assert holder == f"worker-{wins.index(20)}"


def test_an_expired_lease_is_taken_over_and_a_released_one_at_once(engine):
    assert acquire_lease(engine, name=LEASE_NAME, holder="a", seconds=30, now=NOW)
    assert not acquire_lease(engine, name=LEASE_NAME, holder="b", seconds=30, now=NOW + dt.timedelta(seconds=10))
    assert acquire_lease(engine, name=LEASE_NAME, holder="b", seconds=30, now=NOW + dt.timedelta(seconds=31))
    assert not acquire_lease(engine, name=LEASE_NAME, holder="a", seconds=30, now=NOW + dt.timedelta(seconds=32))
    release_lease(engine, name=LEASE_NAME, holder="b")
    assert acquire_lease(engine, name=LEASE_NAME, holder="a", seconds=30, now=NOW + dt.timedelta(seconds=33))
