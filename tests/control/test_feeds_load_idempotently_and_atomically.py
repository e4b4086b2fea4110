"""``fugong control feeds load``: the same file twice changes nothing, a corrected file updates
what it corrects, two loads at once neither lose nor double a row, and a load killed before its
commit leaves the store as it was. Runs on SQLite and PostgreSQL."""

import os
import subprocess
import sys
import textwrap

from sqlalchemy import func, select

from fugong.access import SYSTEM, Principal
from fugong.control import service
from fugong.control.models import ControlObservation
from fugong.store.audit import AuditEntry
from fugong.store.db import session_scope

INDICATORS = ("public_transport_open_share", "checkpoints_lifted_share", "coach_services_resumed_share")
COUNTIES = ("330102", "330106", "330110", "330182", "330203", "330302")


def _write(path, shift="0"):
    lines = ["region_code,date,indicator,value,flag,note"]
    for county in COUNTIES:
        for day in range(10, 20):
            for n, indicator in enumerate(INDICATORS):
                lines.append(f"{county},2020-02-{day},{indicator},0.{day}{n}{shift},,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, len(lines) - 1


def _count(engine, model=ControlObservation):
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def _audits(engine):
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "control.feed.load"))


def test_loading_the_same_file_twice_changes_nothing(engine, tmp_path):
    path, rows = _write(tmp_path / "transport.csv")
    first = service.load_feed(engine, path=path, principal=SYSTEM, rejects_dir=tmp_path / "rejects")
    second = service.load_feed(engine, path=path, principal=SYSTEM, rejects_dir=tmp_path / "rejects")
    assert (first.inserted, first.updated, first.unchanged) == (rows, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, rows)
    assert _count(engine) == rows
    assert _audits(engine) == 1  # the load that changed nothing writes no audit entry


def test_a_corrected_file_updates_only_what_it_corrects(engine, tmp_path):
    path, rows = _write(tmp_path / "transport.csv")
    service.load_feed(engine, path=path, principal=SYSTEM, rejects_dir=tmp_path / "rejects")
    text = path.read_text(encoding="utf-8").replace("330110,2020-02-15,checkpoints_lifted_share,0.1510",
                                                    "330110,2020-02-15,checkpoints_lifted_share,0.5")
    path.write_text(text, encoding="utf-8")
    again = service.load_feed(engine, path=path, principal=SYSTEM, rejects_dir=tmp_path / "rejects")
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, rows - 1)
    with session_scope(engine) as session:
        row = session.scalar(select(ControlObservation).where(ControlObservation.region_code == "330110",
                                                              ControlObservation.indicator == "checkpoints_lifted_share",
                                                              ControlObservation.date == __import__("datetime").date(2020, 2, 15)))
        assert row.value == "0.5" and row.source == "feed:transport.csv"


def test_rows_outside_the_loaders_region_are_rejected_not_loaded(engine, tmp_path):
    path, rows = _write(tmp_path / "transport.csv")
    hangzhou = Principal(user_id="li", role="officer", region_prefix="3301")
    summary = service.load_feed(engine, path=path, principal=hangzhou, rejects_dir=tmp_path / "rejects")
    assert summary.rejected == rows // 3  # two of the six counties are Ningbo's and Wenzhou's
    assert summary.inserted == rows - summary.rejected
    assert summary.rejects_path and os.path.exists(summary.rejects_path)


_LOADER = textwrap.dedent("""
    import sys
    from fugong.access import SYSTEM
    from fugong.control import service
    from fugong.store.db import connect
    url, path, rejects, crash = sys.argv[1:5]
    if crash == "1":
        import os, signal
        service.before_commit = lambda: os.kill(os.getpid(), signal.SIGKILL)
    engine = connect(url)
    summary = service.load_feed(engine, path=path, principal=SYSTEM, rejects_dir=rejects)
    print(summary.inserted, summary.updated, summary.unchanged)
""")


def _loader(db_url, path, tmp_path, crash=False):
    return subprocess.Popen([sys.executable, "-c", _LOADER, db_url, str(path), str(tmp_path / "rejects"),
                             "1" if crash else "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_loads_at_once_neither_lose_nor_double_a_row(engine, db_url, tmp_path):
    path, rows = _write(tmp_path / "transport.csv")
    other, _ = _write(tmp_path / "transport-corrected.csv", shift="5")  # same keys, other values
    runs = [_loader(db_url, path, tmp_path), _loader(db_url, other, tmp_path)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert _count(engine) == rows
    counts = [tuple(map(int, out.split())) for out, _ in outputs]
    # whichever committed first inserted everything; the other found every row and rewrote all of them
    assert sorted(c[0] for c in counts) == [0, rows]
    assert sorted(c[1] for c in counts) == [0, rows]


def test_a_load_killed_before_its_commit_leaves_the_store_as_it_was(engine, db_url, tmp_path):
    path, rows = _write(tmp_path / "transport.csv")
    killed = _loader(db_url, path, tmp_path, crash=True)
    killed.communicate(timeout=120)
    assert killed.returncode == -9
    assert _count(engine) == 0 and _audits(engine) == 0
    summary = service.load_feed(engine, path=path, principal=SYSTEM, rejects_dir=tmp_path / "rejects")
    assert summary.inserted == rows and _count(engine) == rows
