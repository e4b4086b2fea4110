"""Two at once: wrong passwords sent at the same moment all count, so the lock-out holds (before the fix,
8 concurrent failures left failed_logins = 1 and the right password then signed in)."""

import multiprocessing
import threading

from fugong.accounts import service
from fugong.store.db import connect, session_scope
from tests.accounts.helpers import PASSWORD, make_user

ATTEMPTS = 8


def _wrong(url: str, i: int, barrier=None) -> str:
    from argon2 import PasswordHasher

    from fugong.accounts import security

    security.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    engine = connect(url)
    try:
        if barrier is not None:
            barrier.wait()
        with session_scope(engine) as session:
            return service.authenticate(session, username="li", password=f"wrong-{i:06d}").reason
    finally:
        engine.dispose()


def _check(engine, reasons: list[str]) -> None:
    """Every attempt that was checked as a wrong password was counted (those that came after the lock
    were refused as locked, uncounted), the account is locked, and the right password is refused."""
    assert len(reasons) == ATTEMPTS and set(reasons) <= {"wrong_password", "locked"}
    with session_scope(engine) as session:
        user = service.get_user(session, username="li")
        assert user.failed_logins == reasons.count("wrong_password") >= service.LoginPolicy().max_failures
        assert user.locked_until is not None
        assert service.authenticate(session, username="li", password=PASSWORD).reason == "locked"


def test_wrong_passwords_from_threads_at_once_all_count_and_lock(engine, db_url):
    make_user(engine, "li")
    barrier = threading.Barrier(ATTEMPTS)
    reasons: list[str] = []
    threads = [threading.Thread(target=lambda i=i: reasons.append(_wrong(db_url, i, barrier))) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _check(engine, reasons)


def test_wrong_passwords_from_processes_at_once_all_count_and_lock(engine, db_url):
    make_user(engine, "li")
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        reasons = pool.starmap(_wrong, [(db_url, i) for i in range(ATTEMPTS)])
    _check(engine, reasons)
