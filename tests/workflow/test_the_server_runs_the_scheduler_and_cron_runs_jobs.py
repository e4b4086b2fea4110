"""The serving app starts the scheduler with it (one lease holder) and stops it, releasing the lease;
``fugong jobs run`` runs due jobs when no server holds the lease and does nothing while one does."""

import datetime as dt
import time

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from fugong.config import get_settings, load_settings
from fugong.store.db import connect, session_scope, upgrade
from fugong.workflow import jobs
from fugong.workflow.models import Job
from fugong.workflow.scheduler import LEASE_NAME, acquire_lease, lease_holder
from tests.workflow.entities import create_tables


def _settings(tmp_path, db_url):
    return load_settings({"FUGONG_DATA_DIR": str(tmp_path / "data"), "FUGONG_DATABASE_URL": db_url,
                          "FUGONG_SECRET_KEY": "s" * 40})


def test_the_serving_app_holds_the_lease_while_it_runs(engine, db_url, tmp_path):
    from fugong.web.app import create_app

    app = create_app(_settings(tmp_path, db_url), run_scheduler=True)
    with TestClient(app):
        deadline = time.monotonic() + 20
        while lease_holder(engine) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        holder, _ = lease_holder(engine)
        assert holder == app.state.scheduler.holder and holder.startswith("serve:")
    assert lease_holder(engine) is None  # released at shutdown: a restarted server takes over at once


def test_jobs_run_runs_due_jobs_unless_a_server_holds_the_lease(engine, db_url, tmp_path, monkeypatch):
    from fugong.cli import app as cli

    import tests.workflow.handlers  # noqa: F401  (registers test.effect and its table)

    create_tables(engine)

    with session_scope(engine) as session:
        jobs.schedule(session, kind="test.effect", key="cron-1",
                      due_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1))
    monkeypatch.setenv("FUGONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FUGONG_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        assert acquire_lease(engine, name=LEASE_NAME, holder="serve:other", seconds=60)
        busy = CliRunner().invoke(cli, ["jobs", "run"])
        assert busy.exit_code == 0 and "held by serve:other" in busy.output
        from fugong.workflow.scheduler import release_lease

        release_lease(engine, name=LEASE_NAME, holder="serve:other")
        with session_scope(engine) as session:
            assert session.scalar(select(Job.status).where(Job.key == "cron-1")) == "pending"  # the busy run left it
        result = CliRunner().invoke(cli, ["jobs", "run"])
        assert result.exit_code == 0, result.output
        # cron-1, and the daily report freezes when the clock is past their hour (20:00 Asia/Shanghai,
        # 12:00 UTC): the count depends on the time of day, cron-1's state does not
        with session_scope(engine) as session:
            done = session.scalar(select(func.count()).select_from(Job).where(Job.status == "done"))
            assert session.scalar(select(Job.status).where(Job.key == "cron-1")) == "done"
        assert done >= 1 and f"jobs: {done} done" in result.output
        listed = CliRunner().invoke(cli, ["jobs", "list"])
        assert "cron-1" in listed.output and "done" in listed.output
    finally:
        get_settings.cache_clear()
