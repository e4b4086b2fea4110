"""The publication as a dashboard page: the day's report for the caller, the published versions
with a download each, and the JSON twin with the same facts."""

import io
import json
import zipfile

import pytest
from fastapi.testclient import TestClient

from fugong.access import SYSTEM
from fugong.accounts import service as accounts
from fugong.publish.bundle import publish_bundle
from fugong.store.db import session_scope
from fugong.web.app import create_app

from tests.control.conftest import AS_OF

pytestmark = pytest.mark.xdist_group("control-world")  # one demo_world (tests/control/conftest.py)


def test_the_page_lists_versions_and_the_download_is_the_bundle(demo_world):
    settings, engine = demo_world
    out = settings.data_dir / "publications"
    first = publish_bundle(settings=settings, engine=engine, date=AS_OF, out=out, png=False, pdf=False)
    second = publish_bundle(settings=settings, engine=engine, date=AS_OF, out=out, png=False, pdf=False)
    with session_scope(engine) as session:
        accounts.add_user(session, actor=SYSTEM, username="zj-admin-pub", role="province_admin", region_prefix="",
                          password="x" * 12)
        token = accounts.create_api_token(session, actor=SYSTEM, username="zj-admin-pub", name="t").token
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings)) as client:
        data = client.get(f"/publish.json?date={AS_OF}", headers=headers).json()
        page = client.get(f"/publish?date={AS_OF}", headers=headers)
        download = client.get(data["versions"][-1]["download"], headers=headers)
    versions = [v["version"] for v in data["versions"]]
    assert versions[-2:] == [first.version, second.version]
    assert page.status_code == 200
    for v in data["versions"]:
        assert v["download"].replace("&", "&amp;") in page.text
    for row in data["quadrant"]["rows"][:10]:
        assert row["name"] in page.text
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    manifest = json.loads(archive.read(f"{AS_OF}-v{second.version}/manifest.json"))
    assert manifest["version"] == second.version
    assert f"{AS_OF}-v{second.version}/quadrant.csv" in archive.namelist()
