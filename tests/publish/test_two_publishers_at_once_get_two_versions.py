"""Two publications of the same date at the same moment: two complete versions, v1 and v2, no
half-written folder, and one audit entry each."""

import json
import threading

import pytest
from sqlalchemy import select

from fugong.publish.bundle import publish_bundle
from fugong.store.audit import AuditEntry
from fugong.store.db import session_scope

from tests.control.conftest import AS_OF

pytestmark = pytest.mark.xdist_group("control-world")  # one demo_world (tests/control/conftest.py)


def test_two_publishers_at_once_get_two_complete_versions(demo_world, tmp_path):
    settings, engine = demo_world
    results, errors = [], []

    def publish():
        try:
            results.append(publish_bundle(settings=settings, engine=engine, date=AS_OF, out=tmp_path, png=False,
                                          pdf=False))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r.version for r in results) == [1, 2]
    day = tmp_path / AS_OF.isoformat()
    assert sorted(p.name for p in day.iterdir()) == ["v1", "v2"]
    for version in ("v1", "v2"):
        manifest = json.loads((day / version / "manifest.json").read_text(encoding="utf-8"))
        assert all((day / version / f["name"]).exists() for f in manifest["files"])
    with session_scope(engine) as session:
        entries = session.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "publish.bundle")).all()
    assert {f"{AS_OF}/v1", f"{AS_OF}/v2"} <= set(entries)
