"""The demo's desk (余杭区): demands in every state of the machine, consistent with its enterprises
(every demand's firm is registered in 330110, every dispatched one has a department of the district),
and a demo account for each desk role."""

import datetime as dt

from sqlalchemy import func, select

from fugong.desk import service
from fugong.desk.models import Demand, Member, Pairing, Unit
from fugong.desk.scenarios import demo
from fugong.enterprises.models import Enterprise


def test_every_state_is_present_and_consistent_with_the_enterprises(session):
    firms = [(f"E-YH-{n:03d}", f"余杭演示企业{n:03d}") for n in range(1, 61)]
    result = demo.build(session, firms=firms, as_of=dt.date(2020, 2, 20))
    states = dict(session.execute(select(Demand.state, func.count()).group_by(Demand.state)).all())
    assert set(states) == set(service.machine().states)
    assert result["demands"] == sum(states.values()) >= 150
    regions = set(session.scalars(select(Enterprise.region_code).join(Demand, Demand.enterprise_id == Enterprise.enterprise_id)))
    assert regions == {"330110"}
    departments = set(session.scalars(select(Demand.department).where(Demand.department.is_not(None))))
    assert departments <= {u.code for u in session.scalars(select(Unit).where(Unit.is_department.is_(True)))}
    last = session.scalar(select(func.max(Demand.updated_at)))
    assert service.local_day(last) <= dt.date(2020, 2, 20)
    members = {m.username: m.unit_code for m in session.scalars(select(Member))}
    for username, _role, _prefix, unit, _head in demo.DESK_USERS:
        assert members[username] == unit
    assert session.scalar(select(func.count()).select_from(Pairing).where(Pairing.username == "demo-desk-official")) == 12
