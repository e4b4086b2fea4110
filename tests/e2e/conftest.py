"""Browser tests: a real `fugong serve` process on a free loopback port, driven by Playwright in
Debian's Chromium (never a downloaded browser). Screenshots go to test-artifacts/ — look at them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], *, timeout: float = 60.0) -> tuple[subprocess.Popen, str]:
    """Start `fugong serve` in its own process and wait for /healthz."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "fugong.cli", "serve", "--port", str(port)],
        env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"fugong serve exited: {process.stdout.read().decode(errors='replace')}")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("fugong serve did not answer /healthz in time")


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
