"""The demo's risk stage run a second time on the same data (cases unchanged) keeps the stored
publications as they are — same rows, same publication times, no new audit entries — and names them;
with changed cases it grades and publishes again."""

import shutil

from sqlalchemy import func, select

from fugong.config import load_settings
from fugong.demo.stages import DemoContext
from fugong.risk.demo import run_demo_stage
from fugong.risk.models import RiskCase, RiskPublication
from fugong.store.audit import AuditEntry
from fugong.store.db import connect, session_scope


def _state(engine):
    with session_scope(engine) as session:
        publications = session.execute(select(RiskPublication.id, RiskPublication.rule_set, RiskPublication.date,
                                              RiskPublication.published_at).order_by(RiskPublication.id)).all()
        audits = session.scalar(select(func.count()).select_from(AuditEntry))
    return publications, audits


def test_a_second_run_keeps_the_publications_and_changed_cases_publish_again(sqlite_template, tmp_path):
    # SQLite only: what is decided is the stage's (three runs of it, 13 s); storing publications is
    # tested on both databases in the other risk tests.
    shutil.copyfile(sqlite_template, tmp_path / "fugong.db")
    db_url = f"sqlite:///{tmp_path / 'fugong.db'}"
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path / "data"), "FUGONG_DATABASE_URL": db_url})
    engine = connect(db_url)
    first = run_demo_stage(DemoContext(settings=settings, scale=0.002))
    before = _state(engine)
    assert len(before[0]) > 20

    second = run_demo_stage(DemoContext(settings=settings, scale=0.002))
    assert _state(engine) == before
    assert first.split("publications: ")[1] == second.split("publications: ")[1]
    assert second.startswith("0 county-day case rows")

    with session_scope(engine) as session:  # a revised case count: graded and published again
        case = session.scalars(select(RiskCase).order_by(RiskCase.id)).first()
        case.new_confirmed = (case.new_confirmed or 0) + 1
    run_demo_stage(DemoContext(settings=settings, scale=0.002))
    after = _state(engine)
    assert after[1] > before[1] and [p.id for p in after[0]] != [p.id for p in before[0]]
    engine.dispose()
