"""Resumption: at most one open filing per enterprise, enforced by the database (a partial unique
index), so that two writers filing for one enterprise at once cannot both commit (the web's filings are
written in batches, resumption/intake.py; before, the check was a read). Filings stored before this
revision that break the rule stop the upgrade: the error names the enterprise.

Revision ID: 0012_one_open_filing
Revises: 0007_resumption
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_one_open_filing"
down_revision = "0007_resumption"
branch_labels = None
depends_on = None

OPEN_FILING = "state IN ('draft', 'submitted', 'provisionally_approved', 'approved', 'resumed', 'reassessment')"


def upgrade() -> None:
    op.create_index("uq_rs_filing_one_open", "rs_filing", ["enterprise_id"], unique=True,
                    sqlite_where=sa.text(OPEN_FILING), postgresql_where=sa.text(OPEN_FILING))


def downgrade() -> None:
    op.drop_index("uq_rs_filing_one_open", table_name="rs_filing")
