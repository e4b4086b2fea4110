"""Scoping declarations of the resumption routes (tests/web/test_route_scoping.py runs them).

The world of every case: 杭州甲企业 E-HZ in 余杭 (330110) and 宁波乙企业 E-NB in 北仑 (330206), both with a
roster and a provisionally approved commitment filing, E-NB also leading a bundle. Hangzhou users —
officers of 3301, E-HZ's own users — must get nothing of Ningbo's (no firm, filing, bundle, staff,
county); a direct request for it is refused (403/404); roles without business there are refused.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from fugong.access import SYSTEM
from tests.web.matrix import Samples, matrix_seed
from tests.web.scoping import World, refusal_case

NB_MARKERS = ("E-NB", "宁波乙企业", "330206", "北仑", "宁波员工")


@dataclass(frozen=True)
class Seeded:
    hz_filing: str
    nb_filing: str
    nb_bundle: str
    hz: dict  # E-HZ's own user
    nb: dict  # E-NB's own user
    officer: dict  # an officer of 3301 (Hangzhou)
    nb_officer: dict  # an officer of 3302 (Ningbo)


def resumption_case(method: str, path: str):
    """refusal_case, run with the app's settings in force (secret key, data directory)."""
    from tests.healthcode.scoping_cases import _app_settings

    def register(check):
        @functools.wraps(check)
        def run(world: World):
            with _app_settings(world):
                check(world)

        return refusal_case(method, path)(run)

    return register


def seed(world: World) -> Seeded:
    from fugong.enterprises.service import register_enterprise
    from fugong.resumption.bundles import file_bundle
    from fugong.resumption.filings import create_filing, move, submit_filing
    from fugong.resumption.roster import upsert_employee
    from tests.enterprises.helpers import make_uscc
    from tests.resumption.helpers import ANSWERS, firm_user, publish

    today = dt.date.today()
    with world.session() as session:
        publish(session, today - dt.timedelta(days=1), {"330110": "blue", "330206": "blue"})
        ids = {}
        for eid, region, name, staff_name in (("E-HZ", "330110", "杭州甲企业", "杭州员工"),
                                              ("E-NB", "330206", "宁波乙企业", "宁波员工")):
            register_enterprise(session, SYSTEM, enterprise_id=eid, name=name, region_code=region,
                                uscc=make_uscc(7 if eid == "E-HZ" else 8, region))
            upsert_employee(session, SYSTEM, enterprise_id=eid, effective_on=today, employee_no="001", name=staff_name,
                            certificate="safety_manager", status="on_site")
            user = firm_user(eid, region)
            filing = create_filing(session, user, enterprise_id=eid, planned_start=today, policy="commitment-harbin-2020")
            submit_filing(session, user, filing_id=filing.id, answers=ANSWERS, policy="commitment-harbin-2020",
                          pledge_signed_by="法人", pledge_version="harbin-2020-v1")
            if filing.state == "submitted":  # the roster is not linked to health codes: granted here as the system would
                move(session, filing, action="grant_provisional", principal=SYSTEM, reason="承诺即复工")
            ids[eid] = filing.id
        bundle = file_bundle(session, firm_user("E-NB", "330206"), lead_enterprise_id="E-NB", name="宁波乙企业产业链",
                             suppliers=[{"uscc": make_uscc(9, "330206"), "name": "宁波乙供应商"}], planned_start=today)
    return Seeded(ids["E-HZ"], ids["E-NB"], bundle.id,
                  hz=world.headers("enterprise", "330110", ["E-HZ"]), nb=world.headers("enterprise", "330206", ["E-NB"]),
                  officer=world.headers("officer", "3301"), nb_officer=world.headers("officer", "3302"))


def refused(world: World, method: str, url: str, callers, **kwargs) -> None:
    for headers in callers:
        world.assert_refused(world.client.request(method, url, headers=headers, **kwargs))


def others(world: World):
    """Roles with no business in resumption: gate staff, a person, a grid analyst of Hangzhou."""
    return [world.headers("gate_staff", "3301"), world.headers("person", "330110"), world.headers("grid_analyst", "3301")]


def html(headers: dict) -> dict:
    return {**headers, "Accept": "text/html"}


# --- the enterprise's pages --------------------------------------------------------------------------

def _firm(world: World, url: str, accept: dict) -> None:
    s = seed(world)
    own = world.client.get(url, headers={**s.hz, **accept})
    assert own.status_code == 200 and "杭州甲企业" in own.text
    world.assert_not_leaked(own, *NB_MARKERS, s.nb_filing)
    refused(world, "GET", url, [{**h, **accept} for h in [s.officer] + others(world)])


@resumption_case("GET", "/api/firm")
def an_enterprise_user_lands_on_its_own_firm_only(world: World):
    _firm(world, "/api/firm", {})


@resumption_case("GET", "/firm")
def the_firm_page_shows_the_own_enterprise_only(world: World):
    _firm(world, "/firm", {"Accept": "text/html"})


def _roster(world: World, template: str, accept: dict) -> None:
    s = seed(world)
    for headers in (s.hz, s.officer):
        own = world.client.get(template.format("E-HZ"), headers={**headers, **accept})
        assert own.status_code == 200
        world.assert_not_leaked(own, *NB_MARKERS)
    refused(world, "GET", template.format("E-NB"), [{**h, **accept} for h in (s.hz, s.officer)])
    refused(world, "GET", template.format("E-HZ"), [{**h, **accept} for h in [s.nb, s.nb_officer] + others(world)])


@resumption_case("GET", "/api/enterprises/{enterprise_id}/roster")
def another_enterprises_roster_is_refused(world: World):
    _roster(world, "/api/enterprises/{}/roster", {})


@resumption_case("GET", "/enterprises/{enterprise_id}/roster")
def another_enterprises_roster_page_is_refused(world: World):
    _roster(world, "/enterprises/{}/roster", {"Accept": "text/html"})


@resumption_case("POST", "/enterprises/{enterprise_id}/roster")
def nobody_uploads_a_roster_for_another_enterprise(world: World):
    from sqlalchemy import func, select

    from fugong.resumption.models import Employee

    s = seed(world)
    body = "工号,姓名,状态\n900,混入者,在岗\n".encode()
    for headers in [s.hz, s.officer] + others(world):
        world.assert_refused(world.client.post("/enterprises/E-NB/roster", headers=headers,
                                               files={"file": ("r.csv", body, "text/csv")}))
    own = world.client.post("/enterprises/E-HZ/roster", headers=s.hz, files={"file": ("r.csv", body, "text/csv")})
    assert own.status_code == 200 and own.json()["created"] == 1
    with world.session() as session:
        assert session.scalar(select(func.count()).select_from(Employee).where(Employee.enterprise_id == "E-NB")) == 1


def _new(world: World, url: str, accept: dict) -> None:
    s = seed(world)
    own = world.client.get(url, headers={**s.hz, **accept})
    assert own.status_code == 200 and "杭州甲企业" in own.text
    world.assert_not_leaked(own, *NB_MARKERS)
    refused(world, "GET", url + "?enterprise_id=E-NB", [{**h, **accept} for h in (s.hz, s.officer)])
    refused(world, "GET", url + "?enterprise_id=E-HZ", [{**h, **accept} for h in others(world)])


@resumption_case("GET", "/api/resumption/filings/new")
def the_filing_form_is_for_the_own_enterprise(world: World):
    _new(world, "/api/resumption/filings/new", {})


@resumption_case("GET", "/resumption/filings/new")
def the_filing_form_page_is_for_the_own_enterprise(world: World):
    _new(world, "/resumption/filings/new", {"Accept": "text/html"})


@resumption_case("POST", "/resumption/filings")
def nobody_files_for_another_enterprise(world: World):
    from sqlalchemy import func, select

    from fugong.resumption.models import Filing

    s = seed(world)
    body = {"enterprise_id": "E-NB", "planned_start": dt.date.today().isoformat(), "prevention_plan": "true"}
    refused(world, "POST", "/resumption/filings", [s.hz, s.officer] + others(world), data=body)
    with world.session() as session:
        assert session.scalar(select(func.count()).select_from(Filing).where(Filing.enterprise_id == "E-NB")) == 1


def _filing(world: World, template: str, accept: dict) -> None:
    s = seed(world)
    for headers in (s.hz, s.officer):
        own = world.client.get(template.format(s.hz_filing), headers={**headers, **accept})
        assert own.status_code == 200 and s.hz_filing in own.text
        world.assert_not_leaked(own, *NB_MARKERS, s.nb_filing)
    refused(world, "GET", template.format(s.nb_filing), [{**h, **accept} for h in (s.hz, s.officer)])
    refused(world, "GET", template.format(s.hz_filing), [{**h, **accept} for h in [s.nb, s.nb_officer] + others(world)])


@resumption_case("GET", "/api/resumption/filings/{filing_id}")
def another_enterprises_filing_is_refused(world: World):
    _filing(world, "/api/resumption/filings/{}", {})


@resumption_case("GET", "/resumption/filings/{filing_id}")
def another_enterprises_filing_page_is_refused(world: World):
    _filing(world, "/resumption/filings/{}", {"Accept": "text/html"})


def _state(world: World, filing_id: str) -> str:
    from fugong.resumption.models import Filing

    with world.session() as session:
        return session.get(Filing, filing_id).state


@resumption_case("POST", "/resumption/filings/{filing_id}/action")
def nobody_decides_or_declares_another_regions_or_enterprises_filing(world: World):
    s = seed(world)
    url = f"/resumption/filings/{s.nb_filing}/action"
    refused(world, "POST", url, [s.officer, s.hz] + others(world), data={"action": "revoke", "reason": "越权"})
    refused(world, "POST", url, [s.hz], data={"action": "declare_resumed"})
    assert _state(world, s.nb_filing) == "provisionally_approved"
    # an enterprise may not decide its own filing either: the machine gives officers the decisions
    own = world.client.post(f"/resumption/filings/{s.hz_filing}/action", headers=s.hz,
                            data={"action": "revoke", "reason": "自己撤"})
    assert own.status_code == 403
    done = world.client.post(f"/resumption/filings/{s.nb_filing}/action", headers=s.nb_officer,
                             data={"action": "revoke", "reason": "核查发现问题"})
    assert done.status_code == 200 and done.json()["state"] == "revoked"


@resumption_case("POST", "/resumption/filings/{filing_id}/inspection")
def nobody_inspects_another_regions_filing(world: World):
    s = seed(world)
    url = f"/resumption/filings/{s.nb_filing}/inspection"
    refused(world, "POST", url, [s.officer, s.hz, s.nb] + others(world),
            data={"passed": "false", "findings": "x", "reason": "越权"})
    assert _state(world, s.nb_filing) == "provisionally_approved"


@resumption_case("POST", "/resumption/bundles")
def nobody_files_a_bundle_in_another_enterprises_name(world: World):
    from sqlalchemy import func, select

    from fugong.resumption.models import Bundle
    from tests.enterprises.helpers import make_uscc

    s = seed(world)
    body = {"lead_enterprise_id": "E-NB", "name": "冒名", "planned_start": dt.date.today().isoformat(),
            "suppliers": make_uscc(31, "330110")}
    refused(world, "POST", "/resumption/bundles", [s.hz, s.officer] + others(world), data=body)
    with world.session() as session:
        assert session.scalar(select(func.count()).select_from(Bundle)) == 1


def _bundle(world: World, template: str, accept: dict) -> None:
    s = seed(world)
    own = world.client.get(template.format(s.nb_bundle), headers={**s.nb, **accept})
    assert own.status_code == 200 and "宁波乙企业" in own.text
    refused(world, "GET", template.format(s.nb_bundle), [{**h, **accept} for h in [s.hz, s.officer] + others(world)])


@resumption_case("GET", "/api/resumption/bundles/{bundle_id}")
def another_enterprises_bundle_is_refused(world: World):
    _bundle(world, "/api/resumption/bundles/{}", {})


@resumption_case("GET", "/resumption/bundles/{bundle_id}")
def another_enterprises_bundle_page_is_refused(world: World):
    _bundle(world, "/resumption/bundles/{}", {"Accept": "text/html"})


# --- officers ------------------------------------------------------------------------------------------

def _officer_view(world: World, url: str, accept: dict, *, own_marker: str | None = None) -> None:
    s = seed(world)
    own = world.client.get(url, headers={**s.officer, **accept})
    assert own.status_code == 200, own.text[:300]
    if own_marker:
        assert own_marker in own.text
    world.assert_not_leaked(own, *NB_MARKERS, s.nb_filing)
    sep = "&" if "?" in url else "?"
    refused(world, "GET", f"{url}{sep}region=3302", [{**s.officer, **accept}])
    refused(world, "GET", url, [{**h, **accept} for h in [s.hz, s.nb] + others(world)])


@resumption_case("GET", "/api/resumption/queue")
def a_hangzhou_officers_queue_holds_hangzhou_filings_only(world: World):
    _officer_view(world, "/api/resumption/queue?state=all", {}, own_marker="杭州甲企业")


@resumption_case("GET", "/resumption/queue")
def the_queue_page_holds_the_officers_region_only(world: World):
    _officer_view(world, "/resumption/queue?state=all", {"Accept": "text/html"}, own_marker="杭州甲企业")


@resumption_case("GET", "/api/resumption/crosscheck")
def the_crosscheck_lists_hold_the_officers_region_only(world: World):
    _officer_view(world, "/api/resumption/crosscheck", {})


@resumption_case("GET", "/resumption/crosscheck")
def the_crosscheck_page_holds_the_officers_region_only(world: World):
    _officer_view(world, "/resumption/crosscheck", {"Accept": "text/html"})


@resumption_case("GET", "/api/resumption/report")
def the_report_holds_the_officers_region_only(world: World):
    _officer_view(world, "/api/resumption/report?by=county", {}, own_marker="330110")


@resumption_case("GET", "/resumption/report")
def the_report_page_holds_the_officers_region_only(world: World):
    _officer_view(world, "/resumption/report?by=county", {"Accept": "text/html"}, own_marker="余杭区")


@resumption_case("GET", "/resumption/report.csv")
def the_report_csv_holds_the_officers_region_only(world: World):
    _officer_view(world, "/resumption/report.csv?by=county", {}, own_marker="330110")


@resumption_case("GET", "/resumption/report.xlsx")
def the_report_xlsx_holds_the_officers_region_only(world: World):
    import io

    from openpyxl import load_workbook

    s = seed(world)
    own = world.client.get("/resumption/report.xlsx?by=county", headers=s.officer)
    assert own.status_code == 200
    codes = [row[2] for row in list(load_workbook(io.BytesIO(own.content)).active.values)[1:]]
    assert codes == ["330110"]
    refused(world, "GET", "/resumption/report.xlsx?region=3302", [s.officer])
    refused(world, "GET", "/resumption/report.xlsx", [s.hz, s.nb] + others(world))


@resumption_case("POST", "/resumption/report/freeze")
def only_province_admins_freeze_the_report(world: World):
    from sqlalchemy import func, select

    from fugong.workflow.models import Report

    s = seed(world)
    body = {"date": dt.date.today().isoformat()}
    refused(world, "POST", "/resumption/report/freeze", [s.officer, s.hz] + others(world), data=body)
    with world.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0
    done = world.client.post("/resumption/report/freeze", headers=world.headers("province_admin", "33"), data=body)
    assert done.status_code == 200 and done.json()["version"] == 1


# --- the access matrix's world (tests/web/test_access_matrix.py) ------------------------------------

MATRIX_FIRMS = (("E-HZ", "330106", "杭州甲企业"), ("E-NB", "330203", "宁波乙企业"), ("E-HZ2", "330110", "杭州丙企业"))


def matrix_registry(world) -> None:
    """The matrix's three enterprises (tests/web/matrix.ENTERPRISES) in the registry, once."""
    from fugong.enterprises.models import Enterprise
    from fugong.enterprises.service import register_enterprise
    from tests.enterprises.helpers import make_uscc

    with world.session() as session:
        if session.get(Enterprise, "E-HZ") is not None:
            return
        for n, (eid, region, name) in enumerate(MATRIX_FIRMS, start=1):
            register_enterprise(session, SYSTEM, enterprise_id=eid, name=name, region_code=region,
                                uscc=make_uscc(40 + n, region))


@matrix_seed
def _filings_and_bundles(world) -> Samples:
    """Each matrix enterprise with a roster, a provisionally approved filing and a bundle it leads."""
    from fugong.resumption.bundles import file_bundle
    from fugong.resumption.filings import create_filing, move, submit_filing
    from fugong.resumption.roster import upsert_employee
    from tests.enterprises.helpers import make_uscc
    from tests.resumption.helpers import ANSWERS, firm_user, publish

    matrix_registry(world)
    today = dt.date.today()
    filings, bundles = {}, {}
    with world.session() as session:
        publish(session, today - dt.timedelta(days=1), {region: "blue" for _, region, _ in MATRIX_FIRMS})
        for n, (eid, region, name) in enumerate(MATRIX_FIRMS, start=1):
            upsert_employee(session, SYSTEM, enterprise_id=eid, effective_on=today, employee_no="001",
                            name=f"{name}员工", certificate="safety_manager", status="on_site")
            user = firm_user(eid, region)
            filing = create_filing(session, user, enterprise_id=eid, planned_start=today, policy="commitment-harbin-2020")
            submit_filing(session, user, filing_id=filing.id, answers=ANSWERS, policy="commitment-harbin-2020",
                          pledge_signed_by="法人", pledge_version="harbin-2020-v1")
            if filing.state == "submitted":
                move(session, filing, action="grant_provisional", principal=SYSTEM, reason="承诺即复工")
            filings[eid] = filing.id
            bundle = file_bundle(session, user, lead_enterprise_id=eid, name=f"{name}产业链",
                                 suppliers=[{"uscc": make_uscc(50 + n, region), "name": f"{name}供应商"}],
                                 planned_start=today)
            bundles[eid] = bundle.id
    order = [eid for eid, _, _ in (MATRIX_FIRMS[0], MATRIX_FIRMS[1], MATRIX_FIRMS[2])]
    return Samples(params={"filing_id": tuple(filings[e] for e in order), "bundle_id": tuple(bundles[e] for e in order)},
                   markers=(filings["E-NB"], bundles["E-NB"], "宁波乙企业", "330203"),
                   firm_params=("filing_id", "bundle_id"))
