"""Resumption: staff rosters, filings, bundles, inspections.

Revision ID: 0007_resumption
Revises: 0007_enterprises
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_resumption"
down_revision = "0007_enterprises"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rs_bundle',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('lead_enterprise_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_enterprise_id'], ['ent_enterprise.enterprise_id'], name=op.f('fk_rs_bundle_lead_enterprise_id_ent_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rs_bundle'))
    )
    op.create_index(op.f('ix_rs_bundle_lead_enterprise_id'), 'rs_bundle', ['lead_enterprise_id'], unique=False)
    op.create_table('rs_employee',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('enterprise_id', sa.String(length=40), nullable=False),
    sa.Column('employee_no', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('id_hash', sa.String(length=64), nullable=True),
    sa.Column('id_masked', sa.String(length=24), nullable=True),
    sa.Column('person_id', sa.String(length=24), nullable=True),
    sa.Column('post', sa.String(length=80), nullable=False),
    sa.Column('safety_critical', sa.Boolean(), nullable=False),
    sa.Column('certificate', sa.String(length=24), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_since', sa.Date(), nullable=False),
    sa.Column('origin_region', sa.String(length=6), nullable=True),
    sa.Column('planned_return', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['ent_enterprise.enterprise_id'], name=op.f('fk_rs_employee_enterprise_id_ent_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rs_employee')),
    sa.UniqueConstraint('enterprise_id', 'employee_no', name='uq_rs_employee_enterprise_no')
    )
    op.create_index(op.f('ix_rs_employee_enterprise_id'), 'rs_employee', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_rs_employee_id_hash'), 'rs_employee', ['id_hash'], unique=False)
    op.create_index(op.f('ix_rs_employee_person_id'), 'rs_employee', ['person_id'], unique=False)
    op.create_table('rs_employee_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['rs_employee.id'], name=op.f('fk_rs_employee_event_employee_id_rs_employee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rs_employee_event'))
    )
    op.create_index(op.f('ix_rs_employee_event_effective_on'), 'rs_employee_event', ['effective_on'], unique=False)
    op.create_index(op.f('ix_rs_employee_event_employee_id'), 'rs_employee_event', ['employee_id'], unique=False)
    op.create_index(op.f('ix_rs_employee_event_enterprise_id'), 'rs_employee_event', ['enterprise_id'], unique=False)
    op.create_table('rs_filing',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('enterprise_id', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('policy', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('bundle_id', sa.String(length=24), nullable=True),
    sa.Column('planned_start', sa.Date(), nullable=False),
    sa.Column('staff_planned', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('checklist', sa.JSON(), nullable=True),
    sa.Column('classes', sa.JSON(), nullable=True),
    sa.Column('priority_score', sa.Integer(), nullable=True),
    sa.Column('pledge_version', sa.String(length=40), nullable=True),
    sa.Column('pledge_signed_by', sa.String(length=80), nullable=True),
    sa.Column('pledge_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sample_probability', sa.Float(), nullable=True),
    sa.Column('sampled', sa.Boolean(), nullable=True),
    sa.Column('declared_resumed_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('state_version', sa.Integer(), nullable=False),
    sa.Column('state_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bundle_id'], ['rs_bundle.id'], name=op.f('fk_rs_filing_bundle_id_rs_bundle')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['ent_enterprise.enterprise_id'], name=op.f('fk_rs_filing_enterprise_id_ent_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rs_filing'))
    )
    op.create_index(op.f('ix_rs_filing_bundle_id'), 'rs_filing', ['bundle_id'], unique=False)
    op.create_index(op.f('ix_rs_filing_enterprise_id'), 'rs_filing', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_rs_filing_region_code'), 'rs_filing', ['region_code'], unique=False)
    op.create_index(op.f('ix_rs_filing_state'), 'rs_filing', ['state'], unique=False)
    op.create_table('rs_inspection',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('filing_id', sa.String(length=24), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('inspector', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['filing_id'], ['rs_filing.id'], name=op.f('fk_rs_inspection_filing_id_rs_filing'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rs_inspection'))
    )
    op.create_index(op.f('ix_rs_inspection_filing_id'), 'rs_inspection', ['filing_id'], unique=False)


def downgrade() -> None:
    op.drop_table("rs_inspection")
    op.drop_table("rs_filing")
    op.drop_table("rs_employee_event")
    op.drop_table("rs_employee")
    op.drop_table("rs_bundle")

