"""Browser tests: a real `fugong serve` process on a free loopback port, driven by Playwright in
Debian's Chromium (never a downloaded browser). Screenshots go to test-artifacts/ — look at them.
"""

from __future__ import annotations

import os

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
