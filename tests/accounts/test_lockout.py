"""After 5 wrong passwords in a row the account is locked for 15 minutes, even for the right password."""

import datetime as dt

from fugong.access import SYSTEM
from fugong.accounts import service
from fugong.store.audit import history
from tests.accounts.helpers import PASSWORD

T0 = dt.datetime(2020, 2, 20, 1, 0, tzinfo=dt.timezone.utc)


def _fail(session, times, at=T0, policy=service.LoginPolicy()):
    for i in range(times):
        service.authenticate(session, username="li", password=f"wrong-{i:06d}", now=at, policy=policy)


def test_it_locks_the_account_after_five_failures(session):
    service.add_user(session, actor=SYSTEM, username="li", role="officer", password=PASSWORD)
    _fail(session, 4)
    assert service.authenticate(session, username="li", password=PASSWORD, now=T0).ok  # 4 is not yet a lock
    _fail(session, 5)
    outcome = service.authenticate(session, username="li", password=PASSWORD, now=T0 + dt.timedelta(minutes=1))
    assert not outcome.ok and outcome.reason == "locked"
    assert any(e.action == "user.locked" for e in history(session, entity="user", entity_id="li"))


def test_the_lock_expires_after_fifteen_minutes(session):
    service.add_user(session, actor=SYSTEM, username="li", role="officer", password=PASSWORD)
    _fail(session, 5)
    still = service.authenticate(session, username="li", password=PASSWORD, now=T0 + dt.timedelta(minutes=14, seconds=59))
    assert still.reason == "locked"
    later = service.authenticate(session, username="li", password=PASSWORD, now=T0 + dt.timedelta(minutes=15, seconds=1))
    assert later.ok
    assert service.get_user(session, username="li").failed_logins == 0


def test_after_the_lock_expires_failures_are_counted_afresh(session):
    service.add_user(session, actor=SYSTEM, username="li", role="officer", password=PASSWORD)
    _fail(session, 5)
    _fail(session, 1, at=T0 + dt.timedelta(minutes=16))
    user = service.get_user(session, username="li")
    assert user.failed_logins == 1
    assert service.authenticate(session, username="li", password=PASSWORD, now=T0 + dt.timedelta(minutes=16)).ok


def test_the_threshold_and_duration_are_configurable(session):
    service.add_user(session, actor=SYSTEM, username="li", role="officer", password=PASSWORD)
    policy = service.LoginPolicy(max_failures=2, lockout=dt.timedelta(hours=1))
    _fail(session, 2, policy=policy)
    at_50_min = T0 + dt.timedelta(minutes=50)
    assert service.authenticate(session, username="li", password=PASSWORD, now=at_50_min, policy=policy).reason == "locked"


def test_an_admin_enabling_the_user_clears_the_lock(session):
    service.add_user(session, actor=SYSTEM, username="li", role="officer", password=PASSWORD)
    _fail(session, 5)
    service.enable_user(session, actor=SYSTEM, username="li")
    assert service.authenticate(session, username="li", password=PASSWORD, now=T0 + dt.timedelta(minutes=1)).ok
