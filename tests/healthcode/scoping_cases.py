"""Scoping declarations of the health-code routes (tests/web/test_route_scoping.py runs them).

The world of every case: a Hangzhou person (330106, works at E-HZ, gate G-HZ) and a Ningbo person
(330203, works at E-NB, gate G-NB), both declared green. Hangzhou users (officers of 3301, gate staff
of 3301, the E-HZ enterprise user, the Hangzhou person) must get nothing of Ningbo's: no name, ID,
person id, enterprise, gate, appeal or scan; a direct request for it is refused (403/404).

Gate verification accepts a code from anywhere (a Ningbo resident may enter a Hangzhou factory) and
answers pass/deny and the reason only; the gate itself must be one the caller may scan at.
"""

from __future__ import annotations

import contextlib
import functools
import os
from dataclasses import dataclass

from fugong.access import SYSTEM, Principal
from tests.healthcode.helpers import make_id
from tests.web.scoping import World, refusal_case



@dataclass(frozen=True)
class Seeded:
    hz_person: str  # person ids
    nb_person: str
    hz: dict  # the Hangzhou person's bearer header
    nb: dict  # the Ningbo person's bearer header

    NB_MARKERS = ("宁波乙", "13900000002", "E-NB", "G-NB", "330203", "3302**")


@contextlib.contextmanager
def _app_settings(world: World):
    """Services read the process settings (secret key for ID hashes and signing keys): point them at
    the app's settings for the case, so nothing is written outside the case's data directory."""
    from fugong.config import get_settings

    settings = world.app.state.settings
    saved = {k: os.environ.get(k) for k in ("FUGONG_DATA_DIR", "FUGONG_SECRET_KEY")}
    os.environ["FUGONG_DATA_DIR"] = str(settings.data_dir)
    os.environ["FUGONG_SECRET_KEY"] = settings.secret().decode()
    get_settings.cache_clear()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


def healthcode_case(method: str, path: str):
    """refusal_case, run with the app's settings in force."""

    def register(check):
        @functools.wraps(check)
        def run(world: World):
            with _app_settings(world):
                check(world)

        return refusal_case(method, path)(run)

    return register


def _seed(world: World) -> Seeded:
    from fugong.healthcode.declarations import declare
    from fugong.healthcode.people import register_person
    from fugong.healthcode.scans import register_gate
    from fugong.healthcode.tokens import ensure_signing_key
    from tests.healthcode.helpers import register_enterprises

    register_enterprises(world.app.state.settings)  # E-HZ in 330106, E-NB in 330203 (their own regions)
    with world.session() as session:
        ensure_signing_key(session, SYSTEM)
    hz = world.headers("person", "330106", username="hz-person")
    nb = world.headers("person", "330203", username="nb-person")
    with world.session() as session:
        ids = []
        for n, (user, name, region, firm) in enumerate(
                (("hz-person", "杭州甲", "330106", "E-HZ"), ("nb-person", "宁波乙", "330203", "E-NB")), start=1):
            who = Principal(user_id=user, role="person")
            person = register_person(session, who, name=name, phone=f"1390000000{n}", id_number=make_id(n, region),
                                     region_code=region, enterprise_id=firm)
            declare(session, who, current_region=region, temperature=36.5)
            register_gate(session, SYSTEM, gate_id=f"G-{firm[2:]}", enterprise_id=firm, region_code=region,
                          name=f"{name}门")
            ids.append(person.id)
    return Seeded(ids[0], ids[1], hz, nb)


def _person(world: World, person_id: str):
    from fugong.healthcode.models import Person

    with world.session() as session:
        person = session.get(Person, person_id)
        session.expunge(person)
        return person


STAFF_AND_GATES = (("officer", "3301", ()), ("gate_staff", "3301", ()), ("enterprise", "330106", ("E-HZ",)))
NOT_STAFF = (("gate_staff", "3301", ()), ("enterprise", "330106", ("E-HZ",)), ("grid_analyst", "3301", ()))


# --- the person: only their own code ---------------------------------------------------------------

@healthcode_case("GET", "/api/code/me")
def a_person_reads_their_own_record_and_nobody_elses(world: World):
    seeded = _seed(world)
    response = world.client.get("/api/code/me", headers=seeded.hz)
    assert response.status_code == 200 and response.json()["id"] == seeded.hz_person
    world.assert_not_leaked(response, seeded.nb_person, *Seeded.NB_MARKERS)
    world.assert_refused_for("GET", "/api/code/me", STAFF_AND_GATES)


@healthcode_case("GET", "/api/code/me/token")
def a_persons_token_carries_their_own_code_only(world: World):
    from fugong.healthcode.tokens import decode

    seeded = _seed(world)
    response = world.client.get("/api/code/me/token", headers=seeded.hz)
    assert response.status_code == 200
    code_id = decode(response.json()["token"])[1]["c"]
    assert code_id == _person(world, seeded.hz_person).code_id
    world.assert_not_leaked(response, _person(world, seeded.nb_person).code_id, *Seeded.NB_MARKERS)
    world.assert_refused_for("GET", "/api/code/me/token", STAFF_AND_GATES)


@healthcode_case("GET", "/code/me")
def a_persons_page_shows_their_own_code_only(world: World):
    seeded = _seed(world)
    response = world.client.get("/code/me", headers={**seeded.hz, "Accept": "text/html"})
    assert response.status_code == 200 and "<svg" in response.text and "绿码" in response.text
    world.assert_not_leaked(response, seeded.nb_person, _person(world, seeded.nb_person).code_id, *Seeded.NB_MARKERS)
    world.assert_refused_for("GET", "/code/me", STAFF_AND_GATES)


@healthcode_case("POST", "/api/code/declarations")
def a_declaration_changes_the_callers_own_code_only(world: World):
    seeded = _seed(world)
    response = world.client.post("/api/code/declarations", headers=seeded.hz,
                                  json={"current_region": "330106", "temperature": 36.5, "contact_with_case": True})
    assert response.status_code == 200 and response.json()["colour"] == "red"
    world.assert_not_leaked(response, seeded.nb_person, *Seeded.NB_MARKERS)
    assert (_person(world, seeded.hz_person).colour, _person(world, seeded.nb_person).colour) == ("red", "green")
    world.assert_refused_for("POST", "/api/code/declarations", STAFF_AND_GATES,
                   json={"current_region": "330203", "temperature": 38.5})
    assert _person(world, seeded.nb_person).colour == "green"


@healthcode_case("POST", "/api/code/checkins")
def a_check_in_is_stored_for_the_caller_only(world: World):
    from sqlalchemy import select

    from fugong.healthcode.models import CheckIn

    seeded = _seed(world)
    response = world.client.post("/api/code/checkins", headers=seeded.hz, json={"temperature": 38.6})
    assert response.status_code == 200 and response.json()["colour"] == "red"
    world.assert_not_leaked(response, seeded.nb_person, *Seeded.NB_MARKERS)
    world.assert_refused_for("POST", "/api/code/checkins", STAFF_AND_GATES, json={"temperature": 38.6})
    with world.session() as session:
        assert list(session.scalars(select(CheckIn.person_id))) == [seeded.hz_person]
    assert _person(world, seeded.nb_person).colour == "green"


@healthcode_case("POST", "/api/code/appeals")
def an_appeal_is_filed_for_the_callers_own_code_only(world: World):
    from sqlalchemy import select

    from fugong.healthcode.models import Appeal

    seeded = _seed(world)
    response = world.client.post("/api/code/appeals", headers=seeded.hz, json={"statement": "我未接触病例"})
    assert response.status_code == 200
    world.assert_refused_for("POST", "/api/code/appeals", STAFF_AND_GATES, json={"statement": "替他人申诉"})
    with world.session() as session:
        assert list(session.scalars(select(Appeal.person_id))) == [seeded.hz_person]


# --- staff: their region only ----------------------------------------------------------------------

def _appeals(world: World, seeded: Seeded) -> dict:
    """Both persons file an appeal; returns {person id: appeal id}."""
    ids = {}
    for person_id, headers in ((seeded.hz_person, seeded.hz), (seeded.nb_person, seeded.nb)):
        response = world.client.post("/api/code/appeals", headers=headers, json={"statement": "行程有误"})
        assert response.status_code == 200
        ids[person_id] = response.json()["appeal"]
    return ids


@healthcode_case("GET", "/api/code/appeals")
def a_hangzhou_officer_lists_hangzhou_appeals_only(world: World):
    seeded = _seed(world)
    appeals = _appeals(world, seeded)
    response = world.client.get("/api/code/appeals", headers=world.headers("officer", "3301"))
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["appeals"]] == [appeals[seeded.hz_person]]
    world.assert_not_leaked(response, seeded.nb_person, *Seeded.NB_MARKERS)
    ningbo = world.client.get("/api/code/appeals", headers=world.headers("officer", "3302")).json()
    assert [a["id"] for a in ningbo["appeals"]] == [appeals[seeded.nb_person]]
    world.assert_refused_for("GET", "/api/code/appeals", NOT_STAFF + (("person", "330106", ()),))


@healthcode_case("POST", "/api/code/appeals/{appeal_id}/decision")
def a_hangzhou_officer_may_not_decide_a_ningbo_appeal(world: World):
    from fugong.healthcode.models import Appeal

    seeded = _seed(world)
    appeals = _appeals(world, seeded)
    decision = {"uphold": True, "reason": "行程记录有误", "to_colour": "green"}
    url = f"/api/code/appeals/{appeals[seeded.nb_person]}/decision"
    world.assert_refused(world.client.post(url, headers=world.headers("officer", "3301"), json=decision))
    world.assert_refused_for("POST", url, NOT_STAFF, json=decision)
    with world.session() as session:
        assert session.get(Appeal, appeals[seeded.nb_person]).status == "open"
    own = world.client.post(f"/api/code/appeals/{appeals[seeded.hz_person]}/decision",
                            headers=world.headers("officer", "3301"), json=decision)
    assert own.status_code == 200 and own.json()["status"] == "upheld"


@healthcode_case("POST", "/api/code/overrides")
def a_hangzhou_officer_may_not_request_a_ningbo_override(world: World):
    from sqlalchemy import func, select

    from fugong.healthcode.models import Override

    seeded = _seed(world)
    body = {"person_id": seeded.nb_person, "to_colour": "red", "legal_basis": "密接名单（核查）"}
    world.assert_refused(world.client.post("/api/code/overrides", headers=world.headers("officer", "3301"), json=body))
    world.assert_refused_for("POST", "/api/code/overrides", NOT_STAFF + (("person", "330106", ()),), json=body)
    with world.session() as session:
        assert session.scalar(select(func.count()).select_from(Override)) == 0


@healthcode_case("POST", "/api/code/overrides/{override_id}/decision")
def a_hangzhou_officer_may_not_approve_a_ningbo_override(world: World):
    from fugong.healthcode.appeals import request_override
    from fugong.healthcode.models import Override

    seeded = _seed(world)
    with world.session() as session:
        override_id = request_override(session, Principal(user_id="nb1", role="officer", region_prefix="3302"),
                                       person_id=seeded.nb_person, to_colour="red", legal_basis="密接名单（核查）").id
    url = f"/api/code/overrides/{override_id}/decision"
    world.assert_refused(world.client.post(url, headers=world.headers("officer", "3301"), json={"approve": True}))
    world.assert_refused_for("POST", url, NOT_STAFF, json={"approve": True})
    with world.session() as session:
        assert session.get(Override, override_id).status == "pending"
    assert _person(world, seeded.nb_person).colour == "green"


@healthcode_case("GET", "/api/code/people/{person_id}")
def another_regions_or_another_persons_record_is_refused(world: World):
    seeded = _seed(world)
    hangzhou = world.headers("officer", "3301")
    own = world.client.get(f"/api/code/people/{seeded.hz_person}?purpose=appeal", headers=hangzhou)
    assert own.status_code == 200 and own.json()["id"] == seeded.hz_person
    world.assert_refused(world.client.get(f"/api/code/people/{seeded.nb_person}?purpose=appeal", headers=hangzhou))
    world.assert_refused(world.client.get(f"/api/code/people/{seeded.nb_person}?purpose=x", headers=seeded.hz))
    world.assert_refused_for("GET", f"/api/code/people/{seeded.hz_person}?purpose=x", NOT_STAFF)


@healthcode_case("POST", "/api/code/lists")
def a_hangzhou_officer_may_not_load_list_rows_for_ningbo(world: World):
    seeded = _seed(world)
    nb_id = make_id(2, "330203")
    csv = f"kind,id_number,region_code,start_date,end_date\nclose_contact,{nb_id},330203,2020-02-01,\n"
    response = world.client.post("/api/code/lists", headers=world.headers("officer", "3301"), content=csv.encode())
    assert response.status_code == 200
    body = response.json()
    assert (body["loaded"], body["rejected"], body["colour_changes"]) == (0, 1, 0)
    assert body["rejects"][0]["field"] == "region_code"
    world.assert_not_leaked(response, nb_id, seeded.nb_person, "宁波乙")
    world.assert_refused_for("POST", "/api/code/lists", NOT_STAFF + (("person", "330106", ()),), content=csv.encode())
    assert _person(world, seeded.nb_person).colour == "green"


# --- gates: only the caller's own gates -----------------------------------------------------------

@healthcode_case("GET", "/api/code/gates")
def gate_staff_and_enterprises_list_their_own_gates_only(world: World):
    _seed(world)
    for role, prefix, firms in (("gate_staff", "3301", ()), ("enterprise", "330106", ("E-HZ",))):
        response = world.client.get("/api/code/gates", headers=world.headers(role, prefix, firms))
        assert response.status_code == 200 and [g["id"] for g in response.json()["gates"]] == ["G-HZ"]
        world.assert_not_leaked(response, *Seeded.NB_MARKERS, "宁波")
    response = world.client.get("/api/code/gates", headers=world.headers("officer", "3301"))
    assert response.status_code == 200 and response.json()["gates"] == []
    world.assert_refused(world.client.get("/api/code/gates", headers=world.headers("person", "330106")))


@healthcode_case("POST", "/api/code/gates")
def nobody_registers_a_gate_for_another_region_or_enterprise(world: World):
    from sqlalchemy import select

    from fugong.healthcode.models import Gate

    _seed(world)

    def gate(gate_id, firm, region):
        return {"gate_id": gate_id, "enterprise_id": firm, "region_code": region, "name": "东门"}

    attempts = [
        (world.headers("officer", "3301"), gate("G-X1", "E-NB2", "330203")),       # a Ningbo gate
        (world.headers("enterprise", "330106", ["E-HZ"]), gate("G-X2", "E-NB", "330203")),  # another enterprise
        (world.headers("enterprise", "330106", ["E-HZ"]), gate("G-X3", "E-NB", "330106")),
        (world.headers("gate_staff", "3301"), gate("G-X4", "E-HZ", "330106")),
        (world.headers("person", "330106"), gate("G-X5", "E-HZ", "330106")),
        # a Ningbo enterprise may not be claimed by a Hangzhou officer through a gate in Hangzhou
        (world.headers("officer", "3301"), gate("G-X6", "E-NB", "330106")),
    ]
    for headers, body in attempts:
        world.assert_refused(world.client.post("/api/code/gates", headers=headers, json=body))
    with world.session() as session:
        assert sorted(session.scalars(select(Gate.id))) == ["G-HZ", "G-NB"]


@healthcode_case("GET", "/code/gate")
def the_gate_page_holds_no_gate_or_person_and_is_for_gate_users_only(world: World):
    _seed(world)
    response = world.client.get("/code/gate", headers={**world.headers("gate_staff", "3301"), "Accept": "text/html"})
    assert response.status_code == 200 and 'id="scan-form"' in response.text
    world.assert_not_leaked(response, *Seeded.NB_MARKERS, "G-HZ", "杭州甲")
    world.assert_refused_for("GET", "/code/gate", (("officer", "3301", ()), ("person", "330106", ())))


def _token_of(world: World, headers: dict) -> str:
    response = world.client.get("/api/code/me/token", headers=headers)
    assert response.status_code == 200
    return response.json()["token"]


def _scans_at(world: World, gate_id: str) -> int:
    from sqlalchemy import func, select

    from fugong.healthcode.models import Scan

    with world.session() as session:
        return session.scalar(select(func.count()).select_from(Scan).where(Scan.gate_id == gate_id))


GATE_USERS_OF_HANGZHOU = (("gate_staff", "3301", ()), ("enterprise", "330106", ("E-HZ",)))


@healthcode_case("POST", "/api/code/scan")
def hangzhou_gate_users_may_not_scan_at_a_ningbo_gate_but_pass_a_ningbo_code_at_their_own(world: World):
    seeded = _seed(world)
    nb_token = _token_of(world, seeded.nb)
    for role, prefix, firms in GATE_USERS_OF_HANGZHOU:
        headers = world.headers(role, prefix, firms)
        world.assert_refused(world.client.post("/api/code/scan", headers=headers,
                                               json={"gate_id": "G-NB", "token": nb_token, "temperature": 36.5}))
    assert _scans_at(world, "G-NB") == 0
    # A code from anywhere is verified at one's own gate: the answer is pass/deny and a reason only.
    answer = world.client.post("/api/code/scan", headers=world.headers("gate_staff", "3301"),
                               json={"gate_id": "G-HZ", "token": nb_token, "temperature": 36.5})
    assert answer.status_code == 200 and set(answer.json()) == {"result", "reason", "scan_id"}
    assert answer.json()["result"] == "pass"
    world.assert_not_leaked(answer, seeded.nb_person, *Seeded.NB_MARKERS)
    world.assert_refused_for("POST", "/api/code/scan", (("officer", "3301", ()), ("person", "330106", ())),
                   json={"gate_id": "G-HZ", "token": nb_token, "temperature": 36.5})


@healthcode_case("POST", "/api/code/scans/sync")
def hangzhou_gate_users_may_not_sync_scans_for_a_ningbo_gate(world: World):
    import datetime as dt

    seeded = _seed(world)
    nb_token = _token_of(world, seeded.nb)
    at = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).isoformat()
    for n, (role, prefix, firms) in enumerate(GATE_USERS_OF_HANGZHOU):
        queued = [{"client_scan_id": f"c{n}", "gate_id": "G-NB", "token": nb_token, "temperature": 36.5,
                   "scanned_at": at}]
        world.assert_refused(world.client.post("/api/code/scans/sync", headers=world.headers(role, prefix, firms),
                                               json={"scans": queued}))
    assert _scans_at(world, "G-NB") == 0
    queued = [{"client_scan_id": "own", "gate_id": "G-HZ", "token": nb_token, "temperature": 36.5, "scanned_at": at}]
    answer = world.client.post("/api/code/scans/sync", headers=world.headers("gate_staff", "3301"),
                               json={"scans": queued})
    assert answer.status_code == 200 and set(answer.json()["results"][0]) == {"client_scan_id", "result", "reason",
                                                                               "scan_id", "late"}
    world.assert_not_leaked(answer, seeded.nb_person, *Seeded.NB_MARKERS)


# --- enterprises: their own day only ----------------------------------------------------------------

def _enterprise_day_refuses_another_enterprise(world: World, template: str, accept: str) -> None:
    seeded = _seed(world)
    nb_token = _token_of(world, seeded.nb)
    # a denied scan at the Ningbo gate (fever), so Ningbo's day has a denied entry to leak
    ningbo_gate = world.headers("gate_staff", "3302")
    denied = world.client.post("/api/code/scan", headers=ningbo_gate,
                               json={"gate_id": "G-NB", "token": nb_token, "temperature": 38.5})
    assert denied.json()["result"] == "deny"
    # a Hangzhou officer's claim on E-NB through a Hangzhou gate must not open Ningbo's day either
    world.client.post("/api/code/gates", headers=world.headers("officer", "3301"),
                      json={"gate_id": "G-X", "enterprise_id": "E-NB", "region_code": "330106", "name": "东门"})
    nb_url = template.format(enterprise_id="E-NB")
    world.assert_refused_for("GET", nb_url, (("officer", "3301", ()), ("enterprise", "330106", ("E-HZ",)),
                                             ("gate_staff", "3301", ()), ("person", "330203", ())), accept=accept)
    own = world.client.get(template.format(enterprise_id="E-HZ"),
                           headers={**world.headers("enterprise", "330106", ["E-HZ"]), "Accept": accept})
    assert own.status_code == 200 and "E-HZ" in own.text
    world.assert_not_leaked(own, *Seeded.NB_MARKERS, "宁*")
    officer = world.client.get(template.format(enterprise_id="E-HZ"),
                               headers={**world.headers("officer", "3301"), "Accept": accept})
    assert officer.status_code == 200
    world.assert_not_leaked(officer, *Seeded.NB_MARKERS, "宁*")
    assert world.client.get(nb_url, headers={**world.headers("officer", "3302"), "Accept": accept}).status_code == 200


@healthcode_case("GET", "/api/code/enterprise/{enterprise_id}/today")
def another_enterprises_day_is_refused(world: World):
    _enterprise_day_refuses_another_enterprise(world, "/api/code/enterprise/{enterprise_id}/today",
                                               "application/json")


@healthcode_case("GET", "/code/enterprise/{enterprise_id}/today")
def another_enterprises_day_page_is_refused(world: World):
    _enterprise_day_refuses_another_enterprise(world, "/code/enterprise/{enterprise_id}/today", "text/html")


# --- the browser pages of issue 12 ---------------------------------------------------------------------

# /code/register (GET and POST) is declared public on the route itself (healthcode.views.REGISTRATION):
# it creates the caller's own account and record only, CSRF-checked and rate-limited.

HTML = {"Accept": "text/html"}


def _form_post(world: World, url: str, headers: dict, data: dict | None = None, **kwargs):
    """A form post as a program would send it (bearer token: no CSRF), not following the redirect."""
    return world.client.post(url, headers=headers, data=data or {}, follow_redirects=False, **kwargs)


@healthcode_case("POST", "/code/me/declaration")
def the_declaration_form_changes_the_callers_own_code_only(world: World):
    seeded = _seed(world)
    response = _form_post(world, "/code/me/declaration", seeded.hz,
                          {"current_region": "330106", "temperature": "36.5", "contact": "yes"})
    assert response.status_code == 303
    assert (_person(world, seeded.hz_person).colour, _person(world, seeded.nb_person).colour) == ("red", "green")
    world.assert_refused_for("POST", "/code/me/declaration", STAFF_AND_GATES,
                   data={"current_region": "330203", "temperature": "38.5"})
    assert _person(world, seeded.nb_person).colour == "green"


@healthcode_case("POST", "/code/me/checkin")
def the_check_in_form_is_stored_for_the_caller_only(world: World):
    from sqlalchemy import select

    from fugong.healthcode.models import CheckIn

    seeded = _seed(world)
    assert _form_post(world, "/code/me/checkin", seeded.hz, {"temperature": "36.4"}).status_code == 303
    world.assert_refused_for("POST", "/code/me/checkin", STAFF_AND_GATES, data={"temperature": "38.6"})
    with world.session() as session:
        assert list(session.scalars(select(CheckIn.person_id))) == [seeded.hz_person]


@healthcode_case("POST", "/code/me/appeal")
def the_appeal_form_files_for_the_callers_own_code_only(world: World):
    from sqlalchemy import select

    from fugong.healthcode.models import Appeal

    seeded = _seed(world)
    assert _form_post(world, "/code/me/appeal", seeded.hz, {"statement": "我未接触病例"}).status_code == 303
    world.assert_refused_for("POST", "/code/me/appeal", STAFF_AND_GATES, data={"statement": "替他人申诉"})
    with world.session() as session:
        assert list(session.scalars(select(Appeal.person_id))) == [seeded.hz_person]


@healthcode_case("GET", "/code/people")
def the_people_page_is_for_officers_only(world: World):
    _seed(world)
    page = world.client.get("/code/people", headers={**world.headers("officer", "3301"), **HTML})
    assert page.status_code == 200 and 'name="id_number"' in page.text
    world.assert_not_leaked(page, *Seeded.NB_MARKERS, "杭州甲")
    world.assert_refused_for("GET", "/code/people", NOT_STAFF + (("person", "330106", ()),))


@healthcode_case("POST", "/code/people")
def a_hangzhou_officer_finds_no_ningbo_person_by_id_number(world: World):
    seeded = _seed(world)
    hangzhou = {**world.headers("officer", "3301"), **HTML}
    ningbo = world.client.post("/code/people", headers=hangzhou, data={"id_number": make_id(2, "330203"),
                                                                      "purpose": "申诉复核"})
    assert ningbo.status_code == 200 and 'id="not-found"' in ningbo.text
    world.assert_not_leaked(ningbo, seeded.nb_person, *Seeded.NB_MARKERS, "宁*")
    own = world.client.post("/code/people", headers=hangzhou, data={"id_number": make_id(1, "330106"),
                                                                   "purpose": "申诉复核"})
    assert own.status_code == 200 and seeded.hz_person in own.text and "杭*" in own.text
    assert make_id(1, "330106") not in own.text  # the ID number is shown masked only
    world.assert_refused_for("POST", "/code/people", NOT_STAFF + (("person", "330106", ()),),
                   data={"id_number": make_id(1, "330106"), "purpose": "x"})


@healthcode_case("GET", "/code/people/{person_id}")
def a_hangzhou_officer_may_not_open_a_ningbo_persons_page(world: World):
    seeded = _seed(world)
    hangzhou = {**world.headers("officer", "3301"), **HTML}
    own = world.client.get(f"/code/people/{seeded.hz_person}?purpose=review", headers=hangzhou)
    assert own.status_code == 200 and "杭*" in own.text
    world.assert_not_leaked(own, *Seeded.NB_MARKERS)
    refused = world.client.get(f"/code/people/{seeded.nb_person}?purpose=review", headers=hangzhou)
    assert refused.status_code == 404  # another region's person: as if nobody
    world.assert_not_leaked(refused, *Seeded.NB_MARKERS, "宁*")
    world.assert_refused_for("GET", f"/code/people/{seeded.hz_person}?purpose=x", NOT_STAFF + (("person", "330106", ()),))


@healthcode_case("GET", "/code/appeals")
def the_appeals_page_lists_hangzhou_appeals_only(world: World):
    seeded = _seed(world)
    appeals = _appeals(world, seeded)
    page = world.client.get("/code/appeals", headers={**world.headers("officer", "3301"), **HTML})
    assert page.status_code == 200 and f'id="appeal-{appeals[seeded.hz_person]}"' in page.text
    assert f'id="appeal-{appeals[seeded.nb_person]}"' not in page.text
    world.assert_not_leaked(page, seeded.nb_person, *Seeded.NB_MARKERS, "宁*")
    world.assert_refused_for("GET", "/code/appeals", NOT_STAFF + (("person", "330106", ()),))


@healthcode_case("POST", "/code/appeals/{appeal_id}/decision")
def the_decision_form_may_not_decide_a_ningbo_appeal(world: World):
    from fugong.healthcode.models import Appeal

    seeded = _seed(world)
    appeals = _appeals(world, seeded)
    decision = {"decision": "uphold", "reason": "行程记录有误", "to_colour": "green"}
    url = f"/code/appeals/{appeals[seeded.nb_person]}/decision"
    world.assert_refused(_form_post(world, url, world.headers("officer", "3301"), decision))
    world.assert_refused_for("POST", url, NOT_STAFF, data=decision)
    with world.session() as session:
        assert session.get(Appeal, appeals[seeded.nb_person]).status == "open"
    own = _form_post(world, f"/code/appeals/{appeals[seeded.hz_person]}/decision", world.headers("officer", "3301"),
                     decision)
    assert own.status_code == 303


def _ningbo_override(world: World, seeded: Seeded) -> int:
    from fugong.healthcode.appeals import request_override

    with world.session() as session:
        return request_override(session, Principal(user_id="nb1", role="officer", region_prefix="3302"),
                                person_id=seeded.nb_person, to_colour="red", legal_basis="密接名单（核查）").id


@healthcode_case("GET", "/api/code/overrides")
def the_pending_changes_of_ningbo_are_not_listed_for_hangzhou(world: World):
    seeded = _seed(world)
    _ningbo_override(world, seeded)
    response = world.client.get("/api/code/overrides", headers=world.headers("officer", "3301"))
    assert response.status_code == 200 and response.json()["overrides"] == []
    world.assert_not_leaked(response, seeded.nb_person, *Seeded.NB_MARKERS, "宁*")
    assert len(world.client.get("/api/code/overrides", headers=world.headers("officer", "3302")).json()["overrides"]) == 1
    world.assert_refused_for("GET", "/api/code/overrides", NOT_STAFF + (("person", "330106", ()),))


@healthcode_case("GET", "/code/overrides")
def the_pending_changes_page_of_hangzhou_has_no_ningbo(world: World):
    seeded = _seed(world)
    override_id = _ningbo_override(world, seeded)
    page = world.client.get("/code/overrides", headers={**world.headers("officer", "3301"), **HTML})
    assert page.status_code == 200 and f'id="override-{override_id}"' not in page.text
    world.assert_not_leaked(page, seeded.nb_person, *Seeded.NB_MARKERS, "宁*")
    world.assert_refused_for("GET", "/code/overrides", NOT_STAFF + (("person", "330106", ()),))


@healthcode_case("POST", "/code/overrides")
def the_change_request_form_may_not_ask_for_a_ningbo_person(world: World):
    from sqlalchemy import func, select

    from fugong.healthcode.models import Override

    seeded = _seed(world)
    body = {"person_id": seeded.nb_person, "to_colour": "red", "legal_basis": "密接名单（核查）"}
    world.assert_refused(_form_post(world, "/code/overrides", world.headers("officer", "3301"), body))
    world.assert_refused_for("POST", "/code/overrides", NOT_STAFF + (("person", "330106", ()),), data=body)
    with world.session() as session:
        assert session.scalar(select(func.count()).select_from(Override)) == 0


@healthcode_case("POST", "/code/overrides/{override_id}/decision")
def the_approval_form_may_not_approve_a_ningbo_change(world: World):
    from fugong.healthcode.models import Override

    seeded = _seed(world)
    override_id = _ningbo_override(world, seeded)
    url = f"/code/overrides/{override_id}/decision"
    world.assert_refused(_form_post(world, url, world.headers("officer", "3301"), {"decision": "approve"}))
    world.assert_refused_for("POST", url, NOT_STAFF, data={"decision": "approve"})
    with world.session() as session:
        assert session.get(Override, override_id).status == "pending"
    assert _person(world, seeded.nb_person).colour == "green"


@healthcode_case("GET", "/code/lists")
def the_list_upload_page_is_for_officers_only(world: World):
    _seed(world)
    page = world.client.get("/code/lists", headers={**world.headers("officer", "3301"), **HTML})
    assert page.status_code == 200 and 'type="file"' in page.text
    world.assert_refused_for("GET", "/code/lists", NOT_STAFF + (("person", "330106", ()),))


@healthcode_case("POST", "/code/lists")
def the_list_upload_form_rejects_ningbo_rows_for_a_hangzhou_officer(world: World):
    seeded = _seed(world)
    nb_id = make_id(2, "330203")
    csv = f"kind,id_number,region_code,start_date,end_date\nclose_contact,{nb_id},330203,2020-02-01,\n"
    files = {"file": ("contacts.csv", csv.encode(), "text/csv")}
    page = world.client.post("/code/lists", headers={**world.headers("officer", "3301"), **HTML}, files=files)
    assert page.status_code == 200 and 'id="rejected">1<' in page.text and 'id="loaded">0<' in page.text
    world.assert_not_leaked(page, nb_id, seeded.nb_person, "宁乙", "宁波乙")
    world.assert_refused_for("POST", "/code/lists", NOT_STAFF + (("person", "330106", ()),), files=files)
    assert _person(world, seeded.nb_person).colour == "green"


@healthcode_case("GET", "/api/code/gates/region")
def a_hangzhou_officer_lists_hangzhou_gates_only(world: World):
    _seed(world)
    response = world.client.get("/api/code/gates/region", headers=world.headers("officer", "3301"))
    assert response.status_code == 200 and [g["id"] for g in response.json()["gates"]] == ["G-HZ"]
    world.assert_not_leaked(response, *Seeded.NB_MARKERS)
    world.assert_refused_for("GET", "/api/code/gates/region", NOT_STAFF + (("person", "330106", ()),))


@healthcode_case("GET", "/code/gates")
def the_gates_page_of_hangzhou_has_no_ningbo_gate(world: World):
    _seed(world)
    page = world.client.get("/code/gates", headers={**world.headers("officer", "3301"), **HTML})
    assert page.status_code == 200 and "G-HZ" in page.text
    world.assert_not_leaked(page, *Seeded.NB_MARKERS)
    world.assert_refused_for("GET", "/code/gates", NOT_STAFF + (("person", "330106", ()),))
