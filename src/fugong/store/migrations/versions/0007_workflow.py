"""Workflow core: transitions, notifications and outbox, jobs, leases, frozen reports.

Revision ID: 0007_workflow
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_workflow"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('wf_job',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wf_job')),
    sa.UniqueConstraint('key', name=op.f('uq_wf_job_key'))
    )
    op.create_index('ix_wf_job_due', 'wf_job', ['status', 'due_at'], unique=False)
    op.create_table('wf_lease',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_wf_lease'))
    )
    op.create_table('wf_notification',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('dedupe_key', sa.String(length=160), nullable=False),
    sa.Column('recipient_kind', sa.String(length=16), nullable=False),
    sa.Column('recipient_id', sa.String(length=64), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=True),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('subject_zh', sa.String(length=200), nullable=False),
    sa.Column('subject_en', sa.String(length=200), nullable=False),
    sa.Column('body_zh', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('entity', sa.String(length=60), nullable=True),
    sa.Column('entity_id', sa.String(length=60), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wf_notification')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_wf_notification_dedupe_key'))
    )
    op.create_index('ix_wf_notification_recipient', 'wf_notification', ['recipient_kind', 'recipient_id'], unique=False)
    op.create_table('wf_report',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('frozen_by', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wf_report')),
    sa.UniqueConstraint('kind', 'day', 'version', name='uq_wf_report_kind_day_version')
    )
    op.create_index(op.f('ix_wf_report_day'), 'wf_report', ['day'], unique=False)
    op.create_table('wf_transition',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('machine', sa.String(length=60), nullable=False),
    sa.Column('machine_version', sa.Integer(), nullable=False),
    sa.Column('entity_id', sa.String(length=60), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_state', sa.String(length=40), nullable=True),
    sa.Column('to_state', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wf_transition'))
    )
    op.create_index('ix_wf_transition_machine_at', 'wf_transition', ['machine', 'at'], unique=False)
    op.create_index('ix_wf_transition_machine_entity', 'wf_transition', ['machine', 'entity_id'], unique=False)
    op.create_index(op.f('ix_wf_transition_region_code'), 'wf_transition', ['region_code'], unique=False)
    op.create_table('wf_outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=300), nullable=False),
    sa.Column('dedupe_key', sa.String(length=180), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['wf_notification.id'], name=op.f('fk_wf_outbox_notification_id_wf_notification'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wf_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_wf_outbox_dedupe_key'))
    )
    op.create_index('ix_wf_outbox_due', 'wf_outbox', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_wf_outbox_notification_id'), 'wf_outbox', ['notification_id'], unique=False)


def downgrade() -> None:
    op.drop_table("wf_outbox")
    op.drop_table("wf_transition")
    op.drop_table("wf_report")
    op.drop_table("wf_notification")
    op.drop_table("wf_lease")
    op.drop_table("wf_job")

