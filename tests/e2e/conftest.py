"""Browser tests: a real `fugong serve` process on a free loopback port, driven by Playwright in
Debian's Chromium (never a downloaded browser). Screenshots go to test-artifacts/ — look at them.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.e2e.helpers import start_server


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A served, empty fugong (SQLite in a temporary data directory)."""
    data = tmp_path_factory.mktemp("e2e-data")
    env = {key: value for key, value in os.environ.items() if not key.startswith("FUGONG_")}
    env.update({"FUGONG_DATA_DIR": str(data), "FUGONG_AS_OF": "2020-02-20"})
    process, base = start_server(env)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def demo_server(demo_command_runs, tmp_path_factory):
    """The small-scale `fugong demo` of the demo tests (every demo account, the risk map, health
    codes), copied as it was before any test used it, then `fugong serve` on the copy: the app
    exactly as a visitor of the demo gets it. Yields (base URL, password)."""
    data = tmp_path_factory.mktemp("e2e-demo") / "data"
    shutil.copytree(demo_command_runs.pristine, data, symlinks=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("FUGONG_")}
    env.update({"FUGONG_DATA_DIR": str(data), "FUGONG_AS_OF": "2020-02-20"})
    password = (data / "demo-password.txt").read_text().strip()
    process, base = start_server(env)
    yield base, password
    process.terminate()
    process.wait(timeout=10)
