"""Demand desk: ``desk_milestone``, the first time each demand entered a state the funnel counts
(per department for "dispatched"), filled from the existing transition rows. The funnel of an open
round counts from it (docs/desk.md "Collection rounds and the funnel").

Revision ID: 0011_desk_milestones
Revises: 0010_desk_indexes
"""

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = "0011_desk_milestones"
down_revision = "0010_desk_indexes"
branch_labels = None
depends_on = None

MACHINE = "desk-demand"  # machines/demand.toml


def upgrade() -> None:
    op.create_table(
        "desk_milestone",
        sa.Column("demand_id", sa.Integer(), sa.ForeignKey("desk_demand.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("state", sa.String(length=40), primary_key=True),
        sa.Column("department", sa.String(length=40), primary_key=True),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("enterprise_id", sa.String(length=40), nullable=False),
        sa.Column("contact_unit", sa.String(length=40), nullable=True),
    )
    op.create_index("ix_desk_milestone_state_first", "desk_milestone",
                    ["state", "first_at", "department", "region_code", "contact_unit", "enterprise_id"])
    op.create_index("ix_desk_milestone_enterprise", "desk_milestone",
                    ["enterprise_id", "state", "contact_unit", "first_at", "region_code"])
    _fill(op.get_bind())


def _fill(bind) -> None:
    """Every existing demand's milestones from its transition rows: the earliest row entering each
    counted state (and each department a dispatch named). Read in id order, written in batches."""
    demands = {row.id: row for row in bind.execute(sa.text(
        "SELECT id, region_code, enterprise_id, contact_unit FROM desk_demand"))}
    if not demands:
        return
    first: dict[tuple, dt.datetime] = {}
    rows = bind.execute(sa.text(
        "SELECT entity_id, to_state, at, data FROM wf_transition WHERE machine = :machine AND to_state IN "
        "('collected', 'valid', 'dispatched', 'invalid', 'merged')"), {"machine": MACHINE})
    for entity_id, state, at, data in rows:
        demand_id = int(entity_id)
        if demand_id not in demands:
            continue
        if isinstance(at, str):  # SQLite: UTC wall-clock text
            at = dt.datetime.fromisoformat(at)
        at = at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)
        keys = [(demand_id, state, "")]
        if state == "dispatched":
            data = json.loads(data) if isinstance(data, str) else (data or {})
            if data.get("department"):
                keys.append((demand_id, state, data["department"]))
        for key in keys:
            if key not in first or at < first[key]:
                first[key] = at
    table = sa.table("desk_milestone", sa.column("demand_id"), sa.column("state"), sa.column("department"),
                     sa.column("first_at", sa.DateTime(timezone=True)), sa.column("region_code"),
                     sa.column("enterprise_id"), sa.column("contact_unit"))
    batch = []
    for (demand_id, state, department), at in first.items():
        demand = demands[demand_id]
        batch.append({"demand_id": demand_id, "state": state, "department": department, "first_at": at,
                      "region_code": demand.region_code, "enterprise_id": demand.enterprise_id,
                      "contact_unit": demand.contact_unit})
        if len(batch) == 5000:
            bind.execute(table.insert(), batch)
            batch = []
    if batch:
        bind.execute(table.insert(), batch)


def downgrade() -> None:
    op.drop_index("ix_desk_milestone_enterprise", table_name="desk_milestone")
    op.drop_index("ix_desk_milestone_state_first", table_name="desk_milestone")
    op.drop_table("desk_milestone")
