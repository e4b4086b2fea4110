"""Every answer carries the security headers (CSP without inline script, no framing, referrer
policy, HSTS over HTTPS only); request bodies are limited; templates hold no inline script."""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.accounts.helpers import build_app, make_token, make_user

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "fugong" / "web" / "templates"


@pytest.fixture
def app(engine, db_url, tmp_path):
    app = build_app(db_url, tmp_path / "data")
    yield app
    if getattr(app.state, "db_engine", None) is not None:
        app.state.db_engine.dispose()


def test_pages_and_json_carry_the_security_headers(app):
    with TestClient(app) as client:
        for path in ("/login", "/healthz", "/me.json", "/static/risk/map.js", "/no-such-page"):
            headers = client.get(path).headers
            csp = headers["content-security-policy"]
            script_src = re.search(r"script-src ([^;]*)", csp).group(1)
            assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, path
            # framed by this site only (the overview embeds the map), never by another
            assert "frame-ancestors 'self'" in csp and headers["x-frame-options"] == "SAMEORIGIN"
            assert headers["referrer-policy"] == "same-origin" and headers["x-content-type-options"] == "nosniff"
            assert "strict-transport-security" not in headers  # plain HTTP: HSTS would be meaningless


def test_hsts_is_sent_over_https(app):
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/login").headers["strict-transport-security"].startswith("max-age=31536000")


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{template.name}: {tag}")
        offenders += [f"{template.name}: {h}" for h in re.findall(r"\son[a-z]+\s*=\s*\"", text)]
    assert not offenders, "inline script (blocked by the Content-Security-Policy):\n" + "\n".join(offenders)


def test_a_body_over_the_limit_is_refused_before_the_route_reads_it(engine, app):
    make_user(engine, "guard", role="gate_staff", region_prefix="3301", password=None)
    headers = {"Authorization": f"Bearer {make_token(engine, 'guard')}", "Content-Type": "application/json"}
    with TestClient(app) as client:
        big = client.post("/api/code/scan", headers=headers, content=b"{" + b" " * (2 << 20) + b"}")
        assert big.status_code == 413 and "larger than" in big.json()["detail"]

        def chunks():  # no Content-Length: counted as it streams
            for _ in range(40):
                yield b" " * 65536

        streamed = client.post("/api/code/scan", headers=headers, content=chunks())
        assert streamed.status_code == 413


def test_the_list_upload_has_its_own_larger_limit_and_never_echoes_every_reject(engine, app):
    make_user(engine, "li", role="officer", region_prefix="3301", password=None)
    headers = {"Authorization": f"Bearer {make_token(engine, 'li')}"}
    header = b"kind,id_number,region_code,start_date,end_date\n"
    with TestClient(app) as client:
        too_big = client.post("/api/code/lists", headers=headers, content=header + b"x" * (9 << 20))
        assert too_big.status_code == 413
        bad_rows = header + b"".join(b"nonsense,1,330106,2020-02-01,\n" for _ in range(30_000))  # ~1 MB
        answer = client.post("/api/code/lists", headers=headers, content=bad_rows)
        assert answer.status_code == 200, answer.text[:300]
        body = answer.json()
        assert body["rejected"] == 30_000 and len(body["rejects"]) == body["rejects_shown"] == 100
        assert len(answer.content) < 50_000
        rejects = Path(body["rejects_path"]).read_text(encoding="utf-8").splitlines()
        assert len(rejects) == 30_001  # every reject is in the file
