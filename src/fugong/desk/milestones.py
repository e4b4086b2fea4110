"""The first time each demand entered a state the funnel counts (``desk_milestone``, see the model).

Written with every transition of a demand, in the same transaction, so the table always says what the
transition rows say: for each (demand, state[, department]) the earliest ``at`` of a row entering it.
A row recorded later with an earlier time (an import of past rounds) lowers ``first_at``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from fugong.desk.models import Demand, Milestone
from fugong.workflow.sql import insert_or_skip

COUNTED = ("collected", "valid", "dispatched", "invalid", "merged")


def record(session: Session, demand: Demand, *, state: str, at: dt.datetime, department: str | None = None) -> None:
    """Note that ``demand`` entered ``state`` at ``at`` (a dispatch: to ``department``): a new row, or
    an earlier time for an existing one — one statement each, no read first."""
    if state not in COUNTED:
        return
    departments = ("", department or "") if state == "dispatched" else ("",)
    for key in dict.fromkeys(departments):
        values = {"demand_id": demand.id, "state": state, "department": key, "first_at": at,
                  "region_code": demand.region_code, "enterprise_id": demand.enterprise_id,
                  "contact_unit": demand.contact_unit}
        if not insert_or_skip(session, Milestone, values, ("demand_id", "state", "department")):
            session.execute(update(Milestone).where(
                Milestone.demand_id == demand.id, Milestone.state == state, Milestone.department == key,
                Milestone.first_at > at).values(first_at=at))
