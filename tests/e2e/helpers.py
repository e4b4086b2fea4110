"""Helpers for browser tests."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


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


def sign_in(page, base: str, username: str, password: str) -> None:
    """Sign in from the home page (the anonymous home page is the sign-in page) and wait for the landing."""
    page.goto(base + "/")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url and not url.rstrip("/").endswith(base.split("//")[1]))


def header_links(page) -> list[str]:
    return page.locator("header.top nav.pages a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
