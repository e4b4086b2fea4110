"""FUGONG_OPEN311_PUBLIC_READS=false: reading requests and updates needs an API key; a key then reads
only its own region's (or its own enterprise's) requests."""

from fastapi.testclient import TestClient

from fugong.config import load_settings
from fugong.desk import open311, service
from fugong.store.db import session_scope
from fugong.web.app import create_app
from tests.desk.helpers import CONTACT, HZ_OFFICER, SYSTEM, build_world


def test_without_public_reads_only_key_holders_read_and_only_their_own(engine, db_url, tmp_path):
    with session_scope(engine) as session:
        build_world(session)
        wh = service.submit_demand(session, CONTACT, enterprise_id="E-WH-1", category="labour", text="缺工")
        hz = service.submit_demand(session, HZ_OFFICER, enterprise_id="E-HZ-1", category="labour", text="缺工")
        _, hz_key = open311.create_key(session, SYSTEM, name="hz", unit_code="HZ-JXJ")
        wh_id, hz_id = str(wh.id), str(hz.id)
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path / "data"), "FUGONG_DATABASE_URL": db_url,
                              "FUGONG_OPEN311_PUBLIC_READS": "false", "FUGONG_SECRET_KEY": "s" * 40})
    with TestClient(create_app(settings)) as client:
        for path in ("/open311/v2/requests.json?jurisdiction_id=33", "/open311/v2/servicerequestupdates.json?jurisdiction_id=33",
                     f"/open311/v2/requests/{hz_id}.json?jurisdiction_id=33"):
            assert client.get(path).status_code == 403
        mine = client.get("/open311/v2/requests.json", params={"jurisdiction_id": "33", "api_key": hz_key,
                                                               "start_date": "2000-01-01T00:00:00Z",
                                                               "end_date": "2000-06-01T00:00:00+08:00"})
        assert mine.status_code == 400  # more than 90 days
        mine = client.get("/open311/v2/requests.json", params={"jurisdiction_id": "33", "api_key": hz_key})
        assert [r["service_request_id"] for r in mine.json()] == [hz_id]
        assert client.get("/open311/v2/requests.json", params={"jurisdiction_id": "34", "api_key": hz_key}).json() == []
        assert client.get(f"/open311/v2/requests/{wh_id}.json", params={"jurisdiction_id": "34",
                                                                        "api_key": hz_key}).status_code == 404
        # with public reads on (the default), the same anonymous call answers public fields
        settings_on = load_settings({"FUGONG_DATA_DIR": str(tmp_path / "data"), "FUGONG_DATABASE_URL": db_url,
                                     "FUGONG_SECRET_KEY": "s" * 40})
    with TestClient(create_app(settings_on)) as client:
        rows = client.get("/open311/v2/requests.json", params={"jurisdiction_id": "34"}).json()
        rows += client.get("/open311/v2/requests.json", params={"jurisdiction_id": "33"}).json()
        assert sorted(r["service_request_id"] for r in rows) == sorted([wh_id, hz_id])
        assert all(set(r) <= set(open311.PUBLIC_FIELDS) for r in rows)
