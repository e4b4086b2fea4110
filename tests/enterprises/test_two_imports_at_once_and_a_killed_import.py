"""Two imports of overlapping files at the same time store each enterprise once; an import killed
just before it commits leaves the registry as it was."""

import csv

from sqlalchemy import func, select

from fugong.enterprises.models import Enterprise
from fugong.store.audit import AuditEntry
from fugong.store.db import session_scope
from tests.enterprises.helpers import make_uscc
from tests.support.processes import finish, kill, spawn, wait_for

IMPORT = """
import os, pathlib
from fugong.access import Principal
from fugong.enterprises import importer
from fugong.store.db import connect
if os.environ.get("PAUSE_AT"):
    real = importer.write_rejects
    def pause(result, rejects_dir):
        pathlib.Path(os.environ["PAUSE_AT"]).write_text("ready")
        import time; time.sleep(60)
    importer.write_rejects = pause
result = importer.import_file(connect(os.environ["DB"]), Principal(user_id="loader", role="system"),
                              path=pathlib.Path(os.environ["FILE"]))
print(result.created, result.unchanged, result.rejected)
"""


def _file(path, numbers):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["enterprise_id", "uscc", "name", "region_code", "industry_code"])
        for n in numbers:
            writer.writerow([f"E{n:05d}", make_uscc(n), f"企业{n}", "330110", "34"])
    return path


def _counts(engine):
    with session_scope(engine) as session:
        return (session.scalar(select(func.count()).select_from(Enterprise)),
                session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "enterprise.import")))


def test_two_overlapping_imports_at_once_store_each_enterprise_once(engine, db_url, tmp_path):
    a = _file(tmp_path / "a.csv", range(0, 1500))
    b = _file(tmp_path / "b.csv", range(1000, 2500))
    first, second = spawn(IMPORT, DB=db_url, FILE=a), spawn(IMPORT, DB=db_url, FILE=b)
    results = [tuple(map(int, finish(p).split())) for p in (first, second)]
    assert _counts(engine) == (2500, 2500)
    assert sum(created for created, _, _ in results) == 2500
    assert sum(unchanged for _, unchanged, _ in results) == 500  # the overlap, stored by whichever came first


def test_an_import_killed_before_commit_leaves_the_registry_as_it_was(engine, db_url, tmp_path):
    finish(spawn(IMPORT, DB=db_url, FILE=_file(tmp_path / "first.csv", range(0, 10))))
    marker = tmp_path / "paused"
    child = spawn(IMPORT, DB=db_url, FILE=_file(tmp_path / "big.csv", range(10, 3000)), PAUSE_AT=marker)
    wait_for(marker, child)
    kill(child)
    assert _counts(engine) == (10, 10)
    # and the database is not left locked: the same file imports in full afterwards
    finish(spawn(IMPORT, DB=db_url, FILE=tmp_path / "big.csv"))
    assert _counts(engine) == (3000, 3000)
