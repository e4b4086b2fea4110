"""Every ingest that changes the store writes an audit entry with its counts (enterprises, daily,
interval; with or without --replace); an ingest that changes nothing writes none."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.store.audit import AuditEntry
from fugong.store.db import connect

from .conftest import write


def _actions(settings):
    engine = connect(settings.resolved_database_url)
    with Session(engine) as session:
        out = [(e.action, e.entity_id, e.after) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    engine.dispose()
    return [a for a in out if a[0] != "index_store.commit"]


def test_loading_enterprises_and_meters_is_audited_once_per_change(index_settings, tmp_path):
    from fugong.index.ingest import ingest_enterprises, ingest_readings

    daily = write(tmp_path, "feb.csv", "enterprise_id,date,kwh\nA,2020-02-10,15\nB,2020-02-10,9\n")
    ingest_readings(settings=index_settings, path=daily)
    ingest_readings(settings=index_settings, path=daily)  # nothing changes: no entry
    more = write(tmp_path, "more.csv", "enterprise_id,region_code,industry_code\nG,330106,3731\n")
    ingest_enterprises(settings=index_settings, path=more, actor="analyst:li")

    actions = _actions(index_settings)
    assert [a[:2] for a in actions] == [("index_enterprises.ingest", "enterprises.csv"),
                                        ("meter_readings.ingest_daily", "feb.csv"),
                                        ("index_enterprises.ingest", "more.csv")]
    assert actions[1][2]["accepted"] == 2 and actions[1][2]["first_day"] == "2020-02-10"
    assert actions[2][2]["new"] == 1
