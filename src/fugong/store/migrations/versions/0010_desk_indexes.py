"""Demand desk: the queues' indexes at 100,000 demands (department, contact unit, enterprise lists;
firms contacted per unit). docs/desk.md "Measured" has the figures before and after.

Revision ID: 0010_desk_indexes
Revises: 0009_desk
"""

from alembic import op

revision = "0010_desk_indexes"
down_revision = "0009_desk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Replaces (department, state, due_on): the same, with region_code so a count reads the index alone.
    op.drop_index("ix_desk_demand_department_state_due", table_name="desk_demand")
    op.create_index("ix_desk_demand_department_state_due_region", "desk_demand",
                    ["department", "state", "due_on", "region_code"], unique=False)
    op.create_index("ix_desk_demand_contact_updated_region", "desk_demand",
                    ["contact_unit", "updated_at", "region_code"], unique=False)
    op.create_index("ix_desk_demand_enterprise_state_due", "desk_demand",
                    ["enterprise_id", "state", "due_on"], unique=False)
    op.create_index("ix_desk_contact_unit_enterprise", "desk_contact", ["unit_code", "enterprise_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_desk_contact_unit_enterprise", table_name="desk_contact")
    op.drop_index("ix_desk_demand_enterprise_state_due", table_name="desk_demand")
    op.drop_index("ix_desk_demand_contact_updated_region", table_name="desk_demand")
    op.drop_index("ix_desk_demand_department_state_due_region", table_name="desk_demand")
    op.create_index("ix_desk_demand_department_state_due", "desk_demand", ["department", "state", "due_on"],
                    unique=False)
