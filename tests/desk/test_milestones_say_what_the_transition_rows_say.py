"""``desk_milestone`` holds, for every demand, the first time it entered each state the funnel counts
(per department for "dispatched") — exactly what its transition rows say, whether the services wrote
them (a re-dispatch to another department, a reopening, a demand recorded late with an earlier time)
or migration 0011 filled them from the rows of a database that had none."""

import datetime as dt
import importlib.util
from pathlib import Path

from sqlalchemy import delete, select

import fugong
from fugong.desk import service
from fugong.desk.milestones import COUNTED
from fugong.desk.models import Milestone
from fugong.workflow.models import TransitionRow
from tests.desk.helpers import CONTACT, FINANCE, TRANSPORT, TRIAGE, at, build_world, firm_user


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _from_the_rows(session) -> dict:
    """{(demand, state, department): earliest time} read from the transition rows."""
    first = {}
    for row in session.scalars(select(TransitionRow).where(TransitionRow.machine == service.machine().name,
                                                           TransitionRow.to_state.in_(COUNTED))):
        keys = [(int(row.entity_id), row.to_state, "")]
        if row.to_state == "dispatched":
            keys.append((int(row.entity_id), row.to_state, row.data["department"]))
        for key in keys:
            first[key] = min(first.get(key, _utc(row.at)), _utc(row.at))
    return first


def _stored(session) -> dict:
    return {(m.demand_id, m.state, m.department): _utc(m.first_at) for m in session.scalars(select(Milestone))}


def _lives(session) -> dict[str, int]:
    build_world(session)
    firm = firm_user("E-WH-2")
    moved = service.submit_demand(session, CONTACT, enterprise_id="E-WH-2", category="logistics",
                                  text="货车通行证", at=at("2020-02-11"))
    service.triage(session, TRIAGE, demand_id=moved.id, department="WH-JTJ", at=at("2020-02-12"))
    service.return_to_triage(session, TRANSPORT, demand_id=moved.id, reason="不属本局", at=at("2020-02-12", 15))
    service.dispatch(session, TRIAGE, demand_id=moved.id, department="WH-JRB", at=at("2020-02-13"))
    service.take(session, FINANCE, demand_id=moved.id, at=at("2020-02-13", 11))
    service.resolve(session, FINANCE, demand_id=moved.id, outcome="已协调", at=at("2020-02-14"))
    service.reopen(session, firm, demand_id=moved.id, reason="仍未解决", at=at("2020-02-15"))
    invalid = service.submit_demand(session, CONTACT, enterprise_id="E-WH-3", category="other", text="咨询",
                                    at=at("2020-02-11"))
    service.invalidate(session, TRIAGE, demand_id=invalid.id, reason="非诉求", at=at("2020-02-12"))
    merged = service.submit_demand(session, CONTACT, enterprise_id="E-WH-2", category="logistics",
                                   text="货车通行证 重复", at=at("2020-02-11", 12))
    service.merge(session, TRIAGE, demand_id=merged.id, into=moved.id, at=at("2020-02-12"))
    late = service.submit_demand(session, CONTACT, enterprise_id="E-WH-4", category="funding", text="贷款",
                                 at=at("2020-02-20"))
    service.triage(session, TRIAGE, demand_id=late.id, at=at("2020-02-21"))
    session.flush()
    return {"moved": moved.id, "invalid": invalid.id, "merged": merged.id, "late": late.id}


def test_the_services_keep_the_first_entry_of_each_counted_state(session):
    ids = _lives(session)
    stored = _stored(session)
    assert stored == _from_the_rows(session)
    moved = ids["moved"]
    assert {k[2] for k in stored if k[0] == moved and k[1] == "dispatched"} == {"", "WH-JTJ", "WH-JRB"}
    assert stored[(moved, "dispatched", "")] == at("2020-02-12")  # the first dispatch, not the later one
    assert stored[(moved, "valid", "")] == at("2020-02-12")      # returned to triage later: still the first
    assert (ids["invalid"], "invalid", "") in stored and (ids["merged"], "merged", "") in stored
    assert not any(k[0] in (ids["invalid"], ids["merged"]) and k[1] == "valid" for k in stored)


def test_a_row_recorded_later_with_an_earlier_time_moves_the_milestone_back(session):
    ids = _lives(session)
    # an import of past rounds: the department's return to triage recorded now, dated the day before
    # the demand was first accepted — the demand entered "valid" earlier than the table said
    service.return_to_triage(session, FINANCE, demand_id=ids["late"], reason="补录", at=at("2020-02-20", 11))
    session.flush()
    assert _stored(session)[(ids["late"], "valid", "")] == at("2020-02-20", 11)
    assert _stored(session) == _from_the_rows(session)


def test_the_migration_fills_the_milestones_of_a_database_that_had_none(session):
    _lives(session)
    written = _stored(session)
    session.execute(delete(Milestone))
    session.flush()
    path = Path(fugong.__file__).parent / "store" / "migrations" / "versions" / "0011_desk_milestones.py"
    spec = importlib.util.spec_from_file_location("migration_0011", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration._fill(session.connection())
    session.expire_all()
    assert _stored(session) == written == _from_the_rows(session)
