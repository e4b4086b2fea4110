"""Browser tests: a real `fugong serve` process on a free loopback port, driven by Playwright in
Debian's Chromium (never a downloaded browser). Screenshots go to test-artifacts/ — look at them.
"""

from __future__ import annotations

import os
import subprocess
import sys

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
def demo_server(tmp_path_factory):
    """`fugong demo` at a small scale (every demo account, the risk map, health codes), then
    `fugong serve` on it: the app exactly as a visitor of the demo gets it. Yields (base URL, password)."""
    data = tmp_path_factory.mktemp("e2e-demo")
    env = {key: value for key, value in os.environ.items() if not key.startswith("FUGONG_")}
    env.update({"FUGONG_DATA_DIR": str(data / "data"), "FUGONG_AS_OF": "2020-02-20"})
    subprocess.run([sys.executable, "-m", "fugong.cli", "demo", "--scale", "0.003", "--no-serve"],
                   env=env, cwd=data, check=True, capture_output=True, timeout=900)
    password = (data / "data" / "demo-password.txt").read_text().strip()
    process, base = start_server(env)
    yield base, password
    process.terminate()
    process.wait(timeout=10)
