"""A daily report is frozen per date; freezing the same rows again is a no-op; a late correction
makes a new version and the old one is kept; two freezers at once make one version."""

import datetime as dt

from sqlalchemy import func, select

from fugong.store.db import session_scope
from fugong.workflow import reports
from fugong.workflow.models import Report
from tests.support.processes import finish, spawn

DAY = dt.date(2020, 2, 11)
COLUMNS = ["code", "filed"]


def test_versions_are_kept_and_the_latest_wins(session):
    v1, created = reports.freeze(session, kind="k", day=DAY, columns=COLUMNS, rows=[{"code": "330110", "filed": 3}],
                                 actor="system:test")
    assert (v1.version, created, v1.reason) == (1, True, "frozen")
    same, created = reports.freeze(session, kind="k", day=DAY, columns=COLUMNS, rows=[{"code": "330110", "filed": 3}],
                                   actor="system:test")
    assert (same.version, created) == (1, False)
    v2, created = reports.freeze(session, kind="k", day=DAY, columns=COLUMNS, rows=[{"code": "330110", "filed": 4}],
                                 actor="system:test")
    assert (v2.version, created, v2.reason) == (2, True, "late correction")
    assert reports.get(session, kind="k", day=DAY).rows == [{"code": "330110", "filed": 4}]
    assert reports.get(session, kind="k", day=DAY, version=1).rows == [{"code": "330110", "filed": 3}]
    assert [v["version"] for v in reports.versions(session, kind="k", day=DAY)] == [1, 2]
    assert reports.get(session, kind="k", day=DAY + dt.timedelta(days=1)) is None


FREEZE = """
import os, datetime as dt
from fugong.store.db import connect, session_scope
from fugong.workflow import reports
with session_scope(connect(os.environ["DB"])) as session:
    report, created = reports.freeze(session, kind="k", day=dt.date(2020, 2, 11), columns=["code", "filed"],
                                     rows=[{"code": "330110", "filed": 3}], actor=os.environ["WHO"])
print(report.version, int(created))
"""


def test_two_freezers_at_once_make_one_version(engine, db_url):
    children = [spawn(FREEZE, DB=db_url, WHO=f"system:x{i}") for i in range(3)]
    outcomes = [finish(c).split() for c in children]
    assert all(version == "1" for version, _ in outcomes)
    assert sorted(created for _, created in outcomes) == ["0", "0", "1"]
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 1
