"""The health-code API end to end: public keys, a person's declaration and QR token, a gate scan,
and the role refusals (gate staff see pass/deny only and cannot read personal data)."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient

from fugong.access import Principal
from fugong.config import load_settings
from fugong.store.db import session_scope
from tests.healthcode.helpers import make_id
from tests.healthcode.web_helpers import build_app, user_with_token


@pytest.fixture
def client(engine, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("FUGONG_SECRET_KEY", "test-secret-" + "x" * 32)  # services and app share one secret
    from fugong.config import get_settings

    get_settings.cache_clear()
    app = build_app(db_url, tmp_path / "data")
    with TestClient(app) as client:
        yield client
    if getattr(app.state, "db_engine", None) is not None:
        app.state.db_engine.dispose()


@pytest.fixture
def people(engine, client):
    from fugong.healthcode.people import register_person
    from fugong.healthcode.scans import register_gate

    headers = {
        "person": user_with_token(engine, "zhang", "person", "330106"),
        "guard": user_with_token(engine, "guard", "gate_staff", "330106"),
        "officer": user_with_token(engine, "li", "officer", "3301"),
        "ningbo": user_with_token(engine, "chen", "officer", "3302"),
    }
    with session_scope(engine) as session:
        person = register_person(session, Principal(user_id="zhang", role="person"), name="张三", phone="13800000001",
                                 id_number=make_id(1), region_code="330106", enterprise_id="E1")
        register_gate(session, Principal(user_id="li", role="officer", region_prefix="3301"), gate_id="G1",
                      enterprise_id="E1", region_code="330106", name="北门")
        person_id = person.id
    return headers, person_id


def test_the_public_keys_are_published_as_ed25519_jwk_without_login(client):
    keys = client.get("/api/code/keys").json()["keys"]
    assert keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519" and keys[0]["active"]
    Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(keys[0]["x"] + "="))  # a real key
    assert "d" not in keys[0]  # never the private part


def test_a_person_declares_gets_a_token_and_the_gate_passes_it(client, people):
    headers, _ = people
    declared = client.post("/api/code/declarations", headers=headers["person"],
                           json={"current_region": "330106", "temperature": 36.4})
    assert declared.status_code == 200 and declared.json()["colour"] == "green"
    issued = client.get("/api/code/me/token", headers=headers["person"]).json()
    assert issued["svg"].startswith("<svg") and issued["colour"] == "green"
    answer = client.post("/api/code/scan", headers=headers["guard"],
                         json={"gate_id": "G1", "token": issued["token"], "temperature": 36.5}).json()
    assert answer["result"] == "pass" and set(answer) == {"result", "reason", "scan_id"}
    again = client.post("/api/code/scan", headers=headers["guard"],
                        json={"gate_id": "G1", "token": issued["token"], "temperature": 36.5}).json()
    assert again["reason"]["code"] == "DENY_REPLAY"


def test_the_person_page_shows_the_qr_and_the_reason(client, people):
    headers, _ = people
    client.post("/api/code/declarations", headers=headers["person"],
                json={"current_region": "330106", "temperature": 36.4, "symptoms": ["cough"]})
    page = client.get("/code/me", headers=headers["person"])
    assert page.status_code == 200 and "<svg" in page.text and "申报有症状" in page.text


def test_gate_staff_may_not_read_a_person_or_declare(client, people):
    headers, person_id = people
    assert client.get(f"/api/code/people/{person_id}?purpose=x", headers=headers["guard"]).status_code == 403
    assert client.post("/api/code/declarations", headers=headers["guard"],
                       json={"current_region": "330106", "temperature": 36.4}).status_code == 403


def test_an_officer_reads_a_person_of_their_region_only(client, people):
    headers, person_id = people
    record = client.get(f"/api/code/people/{person_id}?purpose=appeal", headers=headers["officer"])
    assert record.status_code == 200 and record.json()["id_number"].startswith("3301**********")
    # another region's person: 404, as if nobody (scope does not reveal existence)
    assert client.get(f"/api/code/people/{person_id}?purpose=appeal", headers=headers["ningbo"]).status_code == 404


def test_a_list_upload_turns_the_person_red(client, people):
    headers, _ = people
    csv = f"kind,id_number,region_code,start_date,end_date\nclose_contact,{make_id(1)},330106,2020-02-01,\n"
    result = client.post("/api/code/lists", headers=headers["officer"], content=csv.encode()).json()
    assert (result["loaded"], result["colour_changes"]) == (1, 1)
    assert client.get("/api/code/me", headers=headers["person"]).json()["colour"] == "red"


def test_the_two_person_rule_holds_over_http(client, people, engine):
    headers, person_id = people
    second = user_with_token(engine, "wang", "officer", "3301")
    override = client.post("/api/code/overrides", headers=headers["officer"],
                           json={"person_id": person_id, "to_colour": "green", "legal_basis": "复核：误报"}).json()
    same = client.post(f"/api/code/overrides/{override['override']}/decision", headers=headers["officer"],
                       json={"approve": True})
    assert same.status_code == 422
    other = client.post(f"/api/code/overrides/{override['override']}/decision", headers=second, json={"approve": True})
    assert other.json()["status"] == "approved"


def test_without_login_the_api_answers_401(client):
    assert client.post("/api/code/scan", json={"gate_id": "G1", "token": "x"}).status_code == 401
