"""Risk: case rows, publications and grades.

Revision ID: 0002_risk
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_risk"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

COUNTS = ("new_confirmed", "cumulative_confirmed", "new_local", "new_imported", "cluster_events",
          "population", "tests", "positives")


def upgrade() -> None:
    op.create_table(
        "risk_case",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("series_key", sa.String(60), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=True),
        sa.Column("province_code", sa.String(6), nullable=False),
        sa.Column("label", sa.String(60), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        *[sa.Column(c, sa.Float(), nullable=True) for c in COUNTS],
        sa.Column("source", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_risk_case"),
        sa.UniqueConstraint("series_key", "date", name="uq_risk_case_series_day"),
    )
    op.create_index("ix_risk_case_region_code", "risk_case", ["region_code"])
    op.create_index("ix_risk_case_province_code", "risk_case", ["province_code"])
    op.create_index("ix_risk_case_date", "risk_case", ["date"])
    op.create_table(
        "risk_publication",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("rule_set", sa.String(80), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_risk_publication"),
        sa.UniqueConstraint("rule_set", "date", name="uq_risk_publication_rule_set_date"),
    )
    op.create_index("ix_risk_publication_rule_set", "risk_publication", ["rule_set"])
    op.create_index("ix_risk_publication_date", "risk_publication", ["date"])
    op.create_table(
        "risk_grade",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("level", sa.String(30), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=True),
        sa.Column("colour", sa.String(9), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reasons_zh", sa.JSON(), nullable=False),
        sa.Column("reasons_en", sa.JSON(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_risk_grade"),
        sa.ForeignKeyConstraint(["publication_id"], ["risk_publication.id"], ondelete="CASCADE",
                                name="fk_risk_grade_publication_id_risk_publication"),
        sa.UniqueConstraint("publication_id", "region_code", name="uq_risk_grade_publication_region"),
    )
    op.create_index("ix_risk_grade_publication_id", "risk_grade", ["publication_id"])
    op.create_index("ix_risk_grade_region_code", "risk_grade", ["region_code"])


def downgrade() -> None:
    op.drop_table("risk_grade")
    op.drop_table("risk_publication")
    op.drop_table("risk_case")
