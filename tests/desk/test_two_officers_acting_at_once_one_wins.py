"""Two triage officers dispatch the same demand at the same moment: one dispatch is recorded, the
other is refused as a concurrent change and writes nothing (no second transition, no second jobs)."""

import pytest
from sqlalchemy import func, select

from fugong.desk import service
from fugong.store.db import session_scope
from fugong.workflow.models import Job, TransitionRow
from fugong.workflow.transitions import ConcurrentChange
from tests.desk.helpers import CONTACT, TRIAGE, build_world


def test_the_second_dispatch_is_refused_and_nothing_is_doubled(engine):
    with session_scope(engine) as session:
        build_world(session)
        demand = service.submit_demand(session, CONTACT, enterprise_id="E-WH-1", category="logistics", text="通行证")
        service.accept(session, TRIAGE, demand_id=demand.id)
        demand_id = demand.id
    first, second = session_scope(engine), session_scope(engine)
    a, b = first.__enter__(), second.__enter__()
    seen_by_a, seen_by_b = service.get_demand(a, TRIAGE, demand_id), service.get_demand(b, TRIAGE, demand_id)
    assert seen_by_a.state == seen_by_b.state == "valid"
    b.rollback()  # b has read; end its read transaction so SQLite lets a write (PostgreSQL would not wait)
    seen_by_b = service.get_demand(b, TRIAGE, demand_id)  # b decides on what it read: version 1
    service.dispatch(a, TRIAGE, demand_id=demand_id, department="WH-JTJ")
    first.__exit__(None, None, None)
    with pytest.raises(ConcurrentChange):
        service.dispatch(b, TRIAGE, demand_id=demand_id, department="WH-JRB")
    second.__exit__(ConcurrentChange, ConcurrentChange("x"), None)
    with session_scope(engine) as session:
        assert session.get(service.Demand, demand_id).department == "WH-JTJ"
        assert session.scalar(select(func.count()).select_from(TransitionRow).where(
            TransitionRow.entity_id == str(demand_id), TransitionRow.action == "dispatch")) == 1
        assert session.scalar(select(func.count()).select_from(Job).where(Job.key.like(f"desk.escalate:{demand_id}:%"))) == 2
