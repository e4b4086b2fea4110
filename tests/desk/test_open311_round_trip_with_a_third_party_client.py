"""Open311 GeoReport v2 against a live `fugong serve` on loopback: a request posted as the
specification's own example request (form-encoded, attribute[…], personal fields the desk does not
keep) is answered as its example response; the third-party `georeport` client (PyPI georeport 0.3.1)
reads services, a definition and the requests back in JSON and in XML; the public validators' rules
hold (identifiers as strings, times with an offset, exact content types, top-level arrays); the
updates feed shows the detailed lifecycle the way FixMyStreet publishes it."""

from __future__ import annotations

import os
import re

import httpx
import pytest
from georeport import GeoReport

from fugong.desk import open311, service
from fugong.store.db import connect, session_scope, upgrade
from tests.desk.helpers import SYSTEM, TRANSPORT, TRIAGE, build_world
from tests.e2e.helpers import start_server

OFFSET_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data = tmp_path_factory.mktemp("open311")
    engine = connect(f"sqlite:///{data / 'fugong.db'}")
    upgrade(engine)
    with session_scope(engine) as session:
        build_world(session)
        _, key = open311.create_key(session, SYSTEM, name="弋江区人社局", unit_code="WH-RSJ")
        _, firm_key = open311.create_key(session, SYSTEM, name="firm 2", enterprise_id="E-WH-2")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUGONG_") or k.startswith("FUGONG_TEST_")}
    env.update({"FUGONG_DATA_DIR": str(data), "FUGONG_OPEN311_JURISDICTION": "340203", "FUGONG_SCHEDULER": "false",
                "FUGONG_SECRET_KEY": "open311-test-" + "k" * 32})
    process, base = start_server(env, timeout=180)  # a loaded CI machine starts slowly
    yield {"base": base, "root": f"{base}/open311/v2", "key": key, "firm_key": firm_key, "engine": engine}
    process.terminate()
    process.wait(timeout=10)
    engine.dispose()


def _example_post(key: str, fmt: str, **changes) -> httpx.Response:
    # The specification's example request (GeoReport v2, POST Service Request), our codes substituted.
    body = (f"api_key={key}&jurisdiction_id=340203&service_code=logistics&lat=31.3270&long=118.3720"
            "&address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111&account_id=123456"
            "&first_name=john&last_name=smith&phone=111111111&description=%E8%B4%A7%E8%BD%A6%E6%97%A0%E6%B3%95%E9%80%9A"
            "%E8%A1%8C+a+large+sinkhole&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg"
            "&attribute[enterprise_id]=E-WH-3&attribute[WHISDORN]=COISL001")
    for name, value in changes.items():
        body = re.sub(rf"(^|&){name}=[^&]*", rf"\g<1>{name}={value}", body)
    return httpx.post(f"{served_root(key)}/requests.{fmt}", content=body.encode(),
                      headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})


_ROOTS: dict[str, str] = {}


def served_root(key: str) -> str:
    return _ROOTS[key]


def test_a_posted_request_is_read_back_by_the_georeport_client_in_json_and_xml(served):
    _ROOTS[served["key"]] = served["root"]
    posted = _example_post(served["key"], "json")
    assert posted.status_code == 200 and posted.headers["content-type"] == "application/json; charset=utf-8"
    body = posted.json()
    assert isinstance(body, list) and set(body[0]) == {"service_request_id", "service_notice", "account_id"}
    request_id = body[0]["service_request_id"]
    assert isinstance(request_id, str) and request_id.isdigit()
    xml = _example_post(served["key"], "xml", description="%E5%8F%A3%E7%BD%A9")
    assert xml.headers["content-type"] == "text/xml; charset=utf-8"
    assert re.search(r"<service_requests><request><service_request_id>\d+</service_request_id>", xml.text)

    with session_scope(served["engine"]) as session:  # the desk took it in: the firm named by the attribute
        demand = session.get(service.Demand, int(request_id))
        assert (demand.enterprise_id, demand.source, demand.category, demand.contact_unit) == \
            ("E-WH-3", "open311", "logistics", "WH-RSJ")
        assert "smith" not in repr(demand.__dict__) and "111111111" not in repr(demand.__dict__)
        service.triage(session, TRIAGE, demand_id=demand.id)
        service.take(session, TRANSPORT, demand_id=demand.id)

    for fmt in ("json", "xml"):
        public = GeoReport(served["root"], output_format=fmt)      # no key, no jurisdiction: the deployment's own
        services = public.get_service_list()
        assert {s["service_code"] for s in services} >= {"labour", "logistics", "protective", "funding"}
        definition = public.get_service_definition("funding")
        attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
        assert "amount_yuan" in [a["code"] for a in attributes]
        one = public.get_service_request(request_id)
        assert one["service_request_id"] == request_id and one["status"] == "open"
        assert one["agency_responsible"] == "交通局" and OFFSET_TIME.match(one["requested_datetime"])
        assert set(one) <= set(open311.PUBLIC_FIELDS)              # never the firm, its text or amounts
        assert "description" not in one and "address_id" not in one
        listed = public.get_service_requests(service_request_id=request_id)
        listed = listed if isinstance(listed, list) else [listed]
        assert [r["service_request_id"] for r in listed] == [request_id]
        authorised = GeoReport(served["root"], output_format=fmt, api_key=served["key"])
        response = httpx.get(f"{served['root']}/requests/{request_id}.{fmt}",
                             params={"api_key": authorised.api_key, "extensions": "true"})
        if fmt == "json":
            full = response.json()[0]
            assert full["description"].startswith("货车无法通行") and full["address_id"] == "E-WH-3"
            assert full["extended_attributes"]["region_code"] == "340203"
            assert full["extended_attributes"]["detailed_status"] == "in_progress"
        else:
            assert "<region_code>340203</region_code>" in response.text and "<industry_code" in response.text


def test_updates_carry_the_detailed_lifecycle_and_errors_follow_the_specification(served):
    _ROOTS[served["key"]] = served["root"]
    request_id = _example_post(served["key"], "json").json()[0]["service_request_id"]
    with session_scope(served["engine"]) as session:
        service.triage(session, TRIAGE, demand_id=int(request_id))
        service.resolve(session, TRANSPORT, demand_id=int(request_id), outcome="已开具通行证明")
    updates = httpx.get(f"{served['root']}/servicerequestupdates.json")
    mine = [u for u in updates.json() if u["service_request_id"] == request_id]
    assert [(u["status"], u["external_status_code"]) for u in mine] == [
        ("open", "valid"), ("action_scheduled", "dispatched"), ("fixed", "resolved")]
    assert all(isinstance(u["update_id"], str) and OFFSET_TIME.match(u["updated_datetime"]) for u in mine)
    assert "通行证明" not in updates.text          # officers' notes only for key holders
    keyed = httpx.get(f"{served['root']}/servicerequestupdates.xml", params={"api_key": served["key"]})
    assert keyed.headers["content-type"] == "text/xml; charset=utf-8" and "已开具通行证明" in keyed.text
    assert httpx.get(f"{served['root']}/requests/{request_id}.json").json()[0]["status"] == "closed"

    missing = httpx.get(f"{served['root']}/services/weather.json")
    assert missing.status_code == 404 and missing.json() == [{"code": 404, "description": "service_code weather was not found"}]
    bad_date = httpx.get(f"{served['root']}/requests.xml", params={"start_date": "2020-02-01 00:00"})
    assert bad_date.status_code == 400 and "<errors><error><code>400</code>" in bad_date.text
    foreign = httpx.get(f"{served['root']}/requests.json", params={"jurisdiction_id": "3301"})
    assert foreign.status_code == 404
    no_key = httpx.post(f"{served['root']}/requests.json", data={"service_code": "logistics", "description": "x"})
    assert no_key.status_code == 403
    other_firm = _example_post(served["firm_key"], "json") if _ROOTS.setdefault(served["firm_key"], served["root"]) else None
    assert other_firm.status_code == 403   # an enterprise key posts for its own enterprise only
    discovery = httpx.get(f"{served['base']}/open311/discovery.json").json()
    assert discovery["endpoints"][0]["url"].endswith("/open311/v2")
    assert discovery["endpoints"][0]["formats"] == ["text/xml", "application/json"]
