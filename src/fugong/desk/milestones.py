"""The first time each demand entered a state the funnel counts (``desk_milestone``, see the model).

Written with every transition of a demand, in the same transaction, so the table always says what the
transition rows say: for each (demand, state[, department]) the earliest ``at`` of a row entering it.
A row recorded later with an earlier time (an import of past rounds) lowers ``first_at``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from fugong.desk.models import Demand, Milestone

COUNTED = ("collected", "valid", "dispatched", "invalid", "merged")


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def record(session: Session, demand: Demand, *, state: str, at: dt.datetime, department: str | None = None) -> None:
    """Note that ``demand`` entered ``state`` at ``at`` (a dispatch: to ``department``)."""
    if state not in COUNTED:
        return
    departments = ("", department or "") if state == "dispatched" else ("",)
    for key in dict.fromkeys(departments):
        row = session.get(Milestone, (demand.id, state, key))
        if row is None:
            session.add(Milestone(demand_id=demand.id, state=state, department=key, first_at=at,
                                  region_code=demand.region_code, enterprise_id=demand.enterprise_id,
                                  contact_unit=demand.contact_unit))
        elif _aware(row.first_at) > at:
            row.first_at = at
