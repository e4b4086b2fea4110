"""Shared fixtures.

Database tests take the ``engine`` or ``session`` fixture and run once per database URL: SQLite
always, PostgreSQL when ``FUGONG_TEST_POSTGRES_URL`` is set (scripts/test.sh starts a server and sets
it). Each test gets an empty, migrated database of its own, copied from a template migrated once per
test worker: a SQLite file, or a PostgreSQL database (``CREATE DATABASE … TEMPLATE``: about a tenth of
running every migration for each of the ~650 PostgreSQL tests).

In CI (``CI=true``) a skipped test is a failure: every test must run there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import text

from fugong.store.db import connect, session_scope, upgrade

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
POSTGRES_URL = os.environ.get("FUGONG_TEST_POSTGRES_URL")


def shared_path(*parts: str) -> Path:
    """A file in ../shared (the project's shared data), skipping if this checkout has none."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


def _postgres_admin():
    """An autocommit engine on the server's maintenance database (CREATE / DROP DATABASE)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    return create_engine(make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _postgres_database_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template():
    """The name of a database migrated to head, one per test worker (templates cannot be shared while
    another session copies them)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"fugong_tpl_{worker}_{uuid.uuid4().hex[:8]}"
    admin = _postgres_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = connect(_postgres_database_url(name))
    upgrade(engine)
    engine.dispose()  # nobody may be connected to a template while it is copied
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to head once per test worker; each test gets a copy (a file copy, ~5 ms,
    where running every migration takes ~350 ms)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = connect(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # closed cleanly: the write-ahead log is folded into the file, which is complete alone
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "fugong.db")
        yield f"sqlite:///{tmp_path / 'fugong.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("FUGONG_TEST_POSTGRES_URL is not set (scripts/test.sh starts PostgreSQL and sets it)")
    template = request.getfixturevalue("postgres_template")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = _postgres_admin()
    with admin.connect() as conn:
        # FILE_COPY: a checkpoint and a file copy (~50 ms) rather than WAL-logging every page (~180 ms)
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY'))
    yield _postgres_database_url(name)
    with admin.connect() as conn:  # FORCE: a test's child process or pool may still hold a connection
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(db_url):
    engine = connect(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with session_scope(engine) as session:
        yield session


@pytest.fixture
def settings_env(tmp_path, monkeypatch):
    """A clean FUGONG_* environment pointing at a temporary data directory."""
    from fugong.config import get_settings

    for key in list(os.environ):
        if key.startswith("FUGONG_") and not key.startswith("FUGONG_TEST_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("FUGONG_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def cheap_hashing():
    """argon2id with tiny parameters in every test: the same code path, milliseconds instead of
    64 MiB per hash (tests/accounts checks the production parameters explicitly)."""
    from argon2 import PasswordHasher

    from fugong.accounts import security

    previous = security.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    security.use_password_hasher(previous)


# Browser tests share ONE Playwright driver and browser per test process: Playwright's sync API
# refuses a second driver while one is running.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it as root)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()



def wait_until(page, expression: str, timeout: float = 10_000) -> None:
    """Poll a JavaScript expression until it is truthy. Playwright's ``wait_for_function`` evaluates a
    string inside the page, which the app's Content-Security-Policy (no eval) forbids, as it should."""
    import time

    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout / 1000:.0f} s: {expression}")
        page.wait_for_timeout(50)


def pytest_sessionfinish(session, exitstatus):
    """In CI a skip is a failure: every test must run there."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; in CI every test must run", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Tests marked ``xdist_group("name")`` share an expensive session fixture (a demo run, a served
    demo, Spark): ``--dist loadgroup`` (scripts/test.sh) sends each group to one worker by suffixing
    its node ids with ``@name``. Under pytest 9.2 that suffix silently stopped sticking (node ids became
    structured), every group was split and built twice in CI; so check it took effect."""
    # The groups are the longest units of work: scheduled first, they do not keep one worker busy
    # while the other has run out of tests (a stable sort keeps every file's own order).
    items.sort(key=lambda item: item.get_closest_marker("xdist_group") is None)
    if not getattr(config.option, "loadgroup", False):  # set in xdist's workers under --dist loadgroup
        return
    ungrouped = [item.nodeid for item in items if item.get_closest_marker("xdist_group") and "@" not in item.nodeid]
    if ungrouped:
        raise pytest.UsageError(f"--dist loadgroup is not grouping ({len(ungrouped)} marked tests without an "
                                f"@group node id, e.g. {ungrouped[0]}): check the pytest and pytest-xdist versions")


class DemoRuns(NamedTuple):
    data: Path  # the data directory both runs used (tests may change it: the log test serves it)
    env: dict
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess
    pristine: Path  # a copy of ``data`` made right after the second run, before any test used it


@pytest.fixture(scope="session")
def demo_command_runs(tmp_path_factory) -> DemoRuns:
    """``fugong demo --no-serve --scale 0.003`` run twice on one data directory, as a user runs it
    (tests/demo, and tests/e2e's demo_server through ``pristine``; their files are xdist_group("demo"))."""
    data = tmp_path_factory.mktemp("demo-data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUGONG_") or k.startswith("FUGONG_TEST_")}
    env.update({"FUGONG_DATA_DIR": str(data), "FUGONG_LOG_LEVEL": "debug", "COLUMNS": "200"})
    command = [sys.executable, "-m", "fugong.cli", "demo", "--no-serve", "--scale", "0.003", "--port", "8123"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    pristine = tmp_path_factory.mktemp("demo-data-pristine") / "data"
    shutil.copytree(data, pristine, symlinks=True)  # results/index is a relative link to its generation
    return DemoRuns(data, env, first, second, pristine)

