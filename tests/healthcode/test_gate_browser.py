"""The gate page in Debian's Chromium: scan + temperature online, replay, and offline verification
of Ed25519 signatures and expiry in the browser with queued scans synced when the network returns."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import wait_until

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
PASSWORD = "gate keeper password 2020"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tamper(token: str) -> str:
    prefix, payload, signature = token.split(".")
    flipped = "A" if signature[5] != "A" else "B"
    return f"{prefix}.{payload}.{signature[:5]}{flipped}{signature[6:]}"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A seeded database (gate staff user, a green person, a gate), a served app, and a token maker."""
    data = tmp_path_factory.mktemp("gate-data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUGONG_") or k.startswith("FUGONG_TEST_")}
    env.update({"FUGONG_DATA_DIR": str(data), "FUGONG_SECRET_KEY": "gate-browser-secret-" + "y" * 24})
    seed = f"""
import sys
from argon2 import PasswordHasher
from fugong.access import SYSTEM, Principal
from fugong.accounts import security, service
from fugong.config import get_settings
from fugong.healthcode.declarations import declare
from fugong.healthcode.people import register_person
from fugong.healthcode.scans import register_gate
from fugong.healthcode.tokens import ensure_signing_key
from fugong.store.db import connect, session_scope, upgrade
from tests.healthcode.helpers import make_id
security.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
engine = connect(get_settings().resolved_database_url); upgrade(engine)
with session_scope(engine) as s:
    ensure_signing_key(s, SYSTEM)
    service.add_user(s, actor=SYSTEM, username="guard", role="gate_staff", region_prefix="330106", password={PASSWORD!r})
    for n, temp in ((1, 36.5), (2, 36.6), (3, 38.2)):
        me = Principal(user_id=f"p{{n}}", role="person")
        register_person(s, me, name=f"工人{{n}}", phone=f"1390000000{{n}}", id_number=make_id(n), region_code="330106", enterprise_id="E1")
        declare(s, me, current_region="330106", temperature=temp)
    register_gate(s, SYSTEM, gate_id="G1", enterprise_id="E1", region_code="330106", name="北门")
"""
    subprocess.run([sys.executable, "-c", seed], env=env, cwd=REPO, check=True)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "tests.healthcode.gate_app:make", "--factory",
                               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                              env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError("the gate app did not start: " + server.stdout.read().decode(errors="replace"))
        time.sleep(0.2)

    def token_for(n: int, *, at: float | None = None) -> str:
        code = f"""
import time
from sqlalchemy import select
from fugong.config import get_settings
from fugong.healthcode.models import Person
from fugong.healthcode.tokens import issue_token
from fugong.store.db import connect, session_scope
with session_scope(connect(get_settings().resolved_database_url)) as s:
    person = s.scalar(select(Person).where(Person.account_user_id == "p{n}"))
    print(issue_token(s, person=person, at={at!r}))
"""
        return subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, check=True,
                              capture_output=True, text=True).stdout.strip()

    def scans() -> list[tuple]:
        code = """
from sqlalchemy import select
from fugong.config import get_settings
from fugong.healthcode.models import Scan
from fugong.store.db import connect, session_scope
with session_scope(connect(get_settings().resolved_database_url)) as s:
    for r in s.scalars(select(Scan).order_by(Scan.id)):
        print(r.result, r.reason_code, int(r.offline))
"""
        out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, check=True, capture_output=True, text=True)
        return [tuple(line.split()) for line in out.stdout.splitlines()]

    yield {"base": base, "token_for": token_for, "scans": scans}
    server.terminate()
    server.wait(timeout=10)


def _check(page, token: str, temperature: str) -> dict:
    page.evaluate("document.querySelector('#result').dataset.reason = ''")
    page.fill("#token", token)
    page.fill("#temperature", temperature)
    page.click("#check")
    wait_until(page, "document.querySelector('#result').dataset.reason")
    return page.eval_on_selector("#result", "el => ({cls: el.className, reason: el.dataset.reason, "
                                             "offline: el.dataset.offline, text: el.textContent})")


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"healthcode-{name}.png"), full_page=True)


def test_the_gate_flow_online_and_offline(world, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(world["base"] + "/login?next=/code/gate")
    page.fill("#username", "guard")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/code/gate")
    page.wait_for_selector("body[data-ready='1']")
    assert int(page.get_attribute("body", "data-keys")) >= 1

    green = world["token_for"](1)
    passed = _check(page, green, "36.5")
    assert (passed["cls"], passed["reason"], passed["offline"]) == ("result pass", "PASS_GREEN", "0")
    assert "通行" in passed["text"]
    _shot(page, "gate-pass")
    assert _check(page, green, "36.5")["reason"] == "DENY_REPLAY"
    red = _check(page, world["token_for"](3), "36.5")
    assert (red["cls"], red["reason"]) == ("result deny", "DENY_RED")
    _shot(page, "gate-deny-red")

    # Offline: the browser verifies signature and expiry itself and queues the scans.
    context.set_offline(True)
    wait_until(page, "!navigator.onLine")
    offline_pass = _check(page, world["token_for"](2), "36.4")
    assert (offline_pass["reason"], offline_pass["offline"]) == ("PASS_GREEN", "1")
    _shot(page, "gate-offline-pass")
    assert _check(page, _tamper(world["token_for"](1)), "36.5")["reason"] == "DENY_BAD_SIGNATURE"
    assert _check(page, world["token_for"](1, at=time.time() - 400), "36.5")["reason"] == "DENY_EXPIRED"
    assert _check(page, world["token_for"](1), "37.6")["reason"] == "DENY_FEVER"
    assert page.inner_text("#queued") == "4"

    context.set_offline(False)
    wait_until(page, "document.querySelector('#queued').textContent === '0'", timeout=15000)
    _shot(page, "gate-synced")
    stored = world["scans"]()
    offline = [s for s in stored if s[2] == "1"]
    assert [s[1] for s in offline] == ["PASS_GREEN", "DENY_BAD_SIGNATURE", "DENY_EXPIRED", "DENY_FEVER"]
    assert [s[1] for s in stored if s[2] == "0"] == ["PASS_GREEN", "DENY_REPLAY", "DENY_RED"]
    context.close()
