"""A hash chain, sealed in batches by a job, makes any change to sealed entries detectable;
``fugong audit verify`` names the seal."""

import datetime as dt
import json

from sqlalchemy import text
from typer.testing import CliRunner

from fugong.store.audit import seal_all, verify, record_change
from fugong.store.db import session_scope

NO_GRACE = dt.timedelta(seconds=-5)  # tests seal at once (entries are a moment old)


def _entries(engine, n: int, start: int = 0) -> None:
    with session_scope(engine) as session:
        for i in range(start, start + n):
            record_change(session, actor="officer:li", action="filing.approve", entity="filing",
                          entity_id=f"F-{i}", after={"n": i, "名": "张*"})


def _tamper(engine, sql: str) -> None:
    """What someone with the database's superuser or its file can do: switch the guards off."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for name in ("audit_log_no_update", "audit_log_no_delete"):
                conn.execute(text(f"DROP TRIGGER {name}"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        conn.execute(text(sql))


def test_an_untouched_log_verifies_and_counts_what_is_not_sealed_yet(engine):
    _entries(engine, 25)
    assert seal_all(engine, grace=NO_GRACE) == 25
    _entries(engine, 3, start=25)
    with session_scope(engine) as session:
        result = verify(session)
    assert result.ok and result.entries == 28 and result.seals == 1 and result.unsealed == 3


def test_a_changed_entry_is_found(engine):
    _entries(engine, 10)
    seal_all(engine, grace=NO_GRACE)
    _entries(engine, 10, start=10)
    seal_all(engine, grace=NO_GRACE)
    _tamper(engine, "UPDATE audit_log SET reason = 'nothing happened' WHERE entity_id = 'F-12'")
    with session_scope(engine) as session:
        result = verify(session)
    assert not result.ok
    assert len(result.problems) == 1 and "changed" in result.problems[0] and "seal 2" in result.problems[0]


def test_a_deleted_entry_is_found(engine):
    _entries(engine, 10)
    seal_all(engine, grace=NO_GRACE)
    _tamper(engine, "DELETE FROM audit_log WHERE entity_id = 'F-3'")
    with session_scope(engine) as session:
        result = verify(session)
    assert not result.ok and "9 entries found, 10 sealed" in result.problems[0]


def test_entries_newer_than_the_grace_period_wait_for_a_later_seal(engine):
    _entries(engine, 5)
    assert seal_all(engine) == 0  # a minute's grace: transactions still open may hold lower ids
    with session_scope(engine) as session:
        assert verify(session).unsealed == 5


def test_the_command_exits_1_and_names_the_seal(engine, db_url, tmp_path, monkeypatch):
    from fugong.cli import app
    from fugong.config import get_settings

    monkeypatch.setenv("FUGONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FUGONG_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        _entries(engine, 4)
        runner = CliRunner()
        sealed = runner.invoke(app, ["audit", "seal", "--grace-seconds", "0"])
        assert sealed.exit_code == 0, sealed.output
        ok = runner.invoke(app, ["audit", "verify", "--json"])
        assert ok.exit_code == 0 and json.loads(ok.output)["ok"] is True
        _tamper(engine, "UPDATE audit_log SET actor = 'officer:someone-else' WHERE entity_id = 'F-0'")
        broken = runner.invoke(app, ["audit", "verify"])
        assert broken.exit_code == 1 and "seal 1" in broken.output and "changed" in broken.output
    finally:
        get_settings.cache_clear()
