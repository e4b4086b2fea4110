"""Control: indicator observations (feeds and fugong sources), runs and index results.

Revision ID: 0008_control
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_control"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "control_observation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("region_code", sa.String(20), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("indicator", sa.String(40), nullable=False),
        sa.Column("value", sa.String(40), nullable=False),
        sa.Column("flag", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_control_observation"),
        sa.UniqueConstraint("region_code", "date", "indicator", name="uq_control_observation_key"),
    )
    op.create_index("ix_control_observation_region_code", "control_observation", ["region_code"])
    op.create_index("ix_control_observation_date", "control_observation", ["date"])
    op.create_index("ix_control_observation_indicator", "control_observation", ["indicator"])
    op.create_table(
        "control_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model", sa.String(80), nullable=False),
        sa.Column("model_digest", sa.String(64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_control_run"),
    )
    op.create_index("ix_control_run_model", "control_run", ["model"])
    op.create_table(
        "control_result",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(80), nullable=False),
        sa.Column("region_code", sa.String(20), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("index_code", sa.String(40), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.Column("display", sa.Float(), nullable=True),
        sa.Column("carried_from", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_control_result"),
        sa.UniqueConstraint("model", "region_code", "date", "index_code", name="uq_control_result_key"),
    )
    op.create_index("ix_control_result_run_id", "control_result", ["run_id"])
    op.create_index("ix_control_result_model", "control_result", ["model"])
    op.create_index("ix_control_result_region_code", "control_result", ["region_code"])
    op.create_index("ix_control_result_date", "control_result", ["date"])


def downgrade() -> None:
    op.drop_table("control_result")
    op.drop_table("control_run")
    op.drop_table("control_observation")
