"""A full demo run (small scale) and a served session leave no secret in any log: not the secret key,
not a password, not an ID number, not a health-code token, an API token or a session cookie.

The demo runs as a user would (``fugong demo --no-serve``), then ``fugong serve`` runs with debug logs
while a browser-like client signs in (once with the password typed into the username field), reads
pages, fetches a gate page, scans a token at a gate, and signs out; the command-line tools issue an API
token and verify a code. Every line the processes printed, and every file under the data directory
that is not data (``*.log``, ``*.txt`` except the password file itself), is searched.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.accounts.helpers import csrf_from

ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9X](?![0-9])")
TOKENS = (re.compile(r"HC1\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}"), re.compile(r"fgt_[A-Za-z0-9_-]{20,}"))
pytestmark = pytest.mark.xdist_group("demo")  # shares demo_command_runs (tests/conftest.py)


def _valid_id(text: str) -> bool:
    from fugong.healthcode.people import InvalidIdentity, normalise_id

    try:
        normalise_id(text)
        return True
    except InvalidIdentity:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def run(demo_command_runs):
    data, env, first, second, _ = demo_command_runs
    fugong = [sys.executable, "-m", "fugong.cli"]
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    out = [first.stdout, first.stderr, second.stdout, second.stderr]
    password = (data / "demo-password.txt").read_text().strip()
    created = subprocess.run(fugong + ["users", "token", "create", "demo-gate", "--name", "log test"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert created.returncode == 0, created.stderr
    api_token = TOKENS[1].search(created.stdout).group(0)  # shown once to the operator: not a log
    port = _free_port()
    server = subprocess.Popen(fugong + ["serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    secrets_seen = {"secret key": (data / "secret.key").read_text().strip(), "demo password": password,
                    "API token": api_token}
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        # generous timeouts: this test reads logs, not latency (a first page under a loaded CI is slow)
        with httpx.Client(base_url=base, follow_redirects=False, timeout=60) as browser:
            token = csrf_from(browser.get("/login").text)
            browser.post("/login", data={"username": password, "password": "wrong", "csrf_token": token})
            token = csrf_from(browser.get("/login").text)
            signed_in = browser.post("/login", data={"username": "demo-admin", "password": password, "csrf_token": token})
            assert signed_in.status_code == 303
            secrets_seen["session cookie"] = browser.cookies.get("fugong_session")
            for path in ("/overview", "/overview.json", "/risk/map.json", "/me.json", "/api/code/keys"):
                assert browser.get(path).status_code == 200, path
            csrf = csrf_from(browser.get("/login").text)
            browser.post("/logout", data={"csrf_token": csrf})
        gate = {"Authorization": f"Bearer {api_token}"}
        gates = httpx.get(base + "/api/code/gates", headers=gate, timeout=60).json()["gates"]
        code = _a_health_code_token(env)
        secrets_seen["health-code token"] = code
        scanned = httpx.post(base + "/api/code/scan", headers=gate,
                             json={"gate_id": gates[0]["id"], "token": code, "temperature": 36.6}, timeout=60)
        assert scanned.status_code == 200, scanned.text
        verified = subprocess.run(fugong + ["code", "verify", code], env=env, capture_output=True, text=True,
                                  timeout=120)
        out += [verified.stdout, verified.stderr]
    finally:
        server.terminate()
        out.append(server.communicate(timeout=30)[0])
    for path in data.rglob("*"):
        if path.is_file() and path.suffix in (".log", ".txt") and path.name != "demo-password.txt":
            out.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(out), secrets_seen


def _a_health_code_token(env) -> str:
    """A fresh token of a green demo person (issued as the person's page would)."""
    code = """
from sqlalchemy import select
from fugong.config import get_settings
from fugong.healthcode.models import Person
from fugong.healthcode.tokens import issue_token
from fugong.store.db import connect, session_scope
with session_scope(connect(get_settings().resolved_database_url)) as s:
    person = s.scalars(select(Person).where(Person.colour == "green")).first()
    print(issue_token(s, person=person))
"""
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_logs_hold_no_secret_password_token_or_cookie(run):
    logs, secrets_seen = run
    assert "GET /overview" in logs and "POST /api/code/scan" in logs  # the server's access log was captured
    found = [name for name, value in secrets_seen.items() if value and value in logs]
    assert not found, f"found in the logs: {found}"
    for pattern in TOKENS:
        assert not pattern.search(logs), f"a token in the logs: {pattern.search(logs).group(0)[:20]}…"


def test_the_logs_hold_no_id_number(run):
    logs, _ = run
    numbers = [m for m in ID_NUMBER.findall(logs) if _valid_id(m)]
    assert not numbers, f"{len(numbers)} ID number(s) in the logs, e.g. {numbers[0][:4]}…"
