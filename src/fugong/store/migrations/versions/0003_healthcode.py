"""Health code: people, declarations, lists, check-ins, colour events, appeals, overrides, keys, gates, scans.

Revision ID: 0003_healthcode
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_healthcode"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hc_gate',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('enterprise_id', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hc_gate'))
    )
    op.create_index(op.f('ix_hc_gate_enterprise_id'), 'hc_gate', ['enterprise_id'], unique=False)
    op.create_table('hc_list_entry',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('id_masked', sa.String(length=24), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('loaded_by', sa.String(length=120), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hc_list_entry')),
    sa.UniqueConstraint('kind', 'id_hash', 'start_date', name='uq_hc_list_entry_kind_hash_start')
    )
    op.create_index(op.f('ix_hc_list_entry_id_hash'), 'hc_list_entry', ['id_hash'], unique=False)
    op.create_index(op.f('ix_hc_list_entry_region_code'), 'hc_list_entry', ['region_code'], unique=False)
    op.create_table('hc_person',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('code_id', sa.String(length=24), nullable=False),
    sa.Column('account_user_id', sa.String(length=120), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('id_masked', sa.String(length=24), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('enterprise_id', sa.String(length=40), nullable=True),
    sa.Column('colour', sa.String(length=8), nullable=True),
    sa.Column('colour_since', sa.Date(), nullable=True),
    sa.Column('reason_code', sa.String(length=40), nullable=True),
    sa.Column('rule_set', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hc_person')),
    sa.UniqueConstraint('account_user_id', name=op.f('uq_hc_person_account_user_id')),
    sa.UniqueConstraint('code_id', name=op.f('uq_hc_person_code_id')),
    sa.UniqueConstraint('id_hash', name=op.f('uq_hc_person_id_hash'))
    )
    op.create_index(op.f('ix_hc_person_enterprise_id'), 'hc_person', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_hc_person_region_code'), 'hc_person', ['region_code'], unique=False)
    op.create_table('hc_revocation',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('token_id', sa.String(length=32), nullable=True),
    sa.Column('code_id', sa.String(length=24), nullable=True),
    sa.Column('issued_until', sa.Integer(), nullable=True),
    sa.Column('keep_colour', sa.String(length=8), nullable=True),
    sa.Column('reason', sa.String(length=80), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hc_revocation'))
    )
    op.create_index(op.f('ix_hc_revocation_code_id'), 'hc_revocation', ['code_id'], unique=False)
    op.create_index(op.f('ix_hc_revocation_token_id'), 'hc_revocation', ['token_id'], unique=False)
    op.create_table('hc_scan',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('gate_id', sa.String(length=40), nullable=False),
    sa.Column('enterprise_id', sa.String(length=40), nullable=False),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('token_id', sa.String(length=32), nullable=True),
    sa.Column('code_id', sa.String(length=24), nullable=True),
    sa.Column('colour', sa.String(length=8), nullable=True),
    sa.Column('temperature', sa.Float(), nullable=True),
    sa.Column('result', sa.String(length=8), nullable=False),
    sa.Column('reason_code', sa.String(length=40), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('accepted_key', sa.String(length=80), nullable=True),
    sa.Column('client_scan_id', sa.String(length=64), nullable=True),
    sa.Column('offline', sa.Boolean(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hc_scan')),
    sa.UniqueConstraint('accepted_key', name=op.f('uq_hc_scan_accepted_key')),
    sa.UniqueConstraint('client_scan_id', name=op.f('uq_hc_scan_client_scan_id'))
    )
    op.create_index(op.f('ix_hc_scan_code_id'), 'hc_scan', ['code_id'], unique=False)
    op.create_index(op.f('ix_hc_scan_day'), 'hc_scan', ['day'], unique=False)
    op.create_index(op.f('ix_hc_scan_enterprise_id'), 'hc_scan', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_hc_scan_gate_id'), 'hc_scan', ['gate_id'], unique=False)
    op.create_index(op.f('ix_hc_scan_scanned_at'), 'hc_scan', ['scanned_at'], unique=False)
    op.create_table('hc_signing_key',
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('private_key_encrypted', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_hc_signing_key'))
    )
    op.create_table('hc_appeal',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.String(length=24), nullable=False),
    sa.Column('contested_colour', sa.String(length=8), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=120), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('override_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['hc_person.id'], name=op.f('fk_hc_appeal_person_id_hc_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hc_appeal'))
    )
    op.create_index(op.f('ix_hc_appeal_person_id'), 'hc_appeal', ['person_id'], unique=False)
    op.create_table('hc_checkin',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.String(length=24), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('temperature', sa.Float(), nullable=False),
    sa.Column('symptoms', sa.JSON(), nullable=False),
    sa.Column('normal', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['hc_person.id'], name=op.f('fk_hc_checkin_person_id_hc_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hc_checkin')),
    sa.UniqueConstraint('person_id', 'day', name='uq_hc_checkin_person_day')
    )
    op.create_index(op.f('ix_hc_checkin_day'), 'hc_checkin', ['day'], unique=False)
    op.create_index(op.f('ix_hc_checkin_person_id'), 'hc_checkin', ['person_id'], unique=False)
    op.create_table('hc_colour_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.String(length=24), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('from_colour', sa.String(length=8), nullable=True),
    sa.Column('to_colour', sa.String(length=8), nullable=False),
    sa.Column('reason_code', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['hc_person.id'], name=op.f('fk_hc_colour_event_person_id_hc_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hc_colour_event'))
    )
    op.create_index(op.f('ix_hc_colour_event_person_id'), 'hc_colour_event', ['person_id'], unique=False)
    op.create_table('hc_declaration',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.String(length=24), nullable=False),
    sa.Column('declared_on', sa.Date(), nullable=False),
    sa.Column('current_region', sa.String(length=12), nullable=False),
    sa.Column('travel', sa.JSON(), nullable=False),
    sa.Column('symptoms', sa.JSON(), nullable=False),
    sa.Column('temperature', sa.Float(), nullable=False),
    sa.Column('contact_with_case', sa.Boolean(), nullable=False),
    sa.Column('found_false', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['hc_person.id'], name=op.f('fk_hc_declaration_person_id_hc_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hc_declaration'))
    )
    op.create_index(op.f('ix_hc_declaration_declared_on'), 'hc_declaration', ['declared_on'], unique=False)
    op.create_index(op.f('ix_hc_declaration_person_id'), 'hc_declaration', ['person_id'], unique=False)
    op.create_table('hc_override',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.String(length=24), nullable=False),
    sa.Column('to_colour', sa.String(length=8), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested_by', sa.String(length=120), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=120), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['hc_person.id'], name=op.f('fk_hc_override_person_id_hc_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hc_override'))
    )
    op.create_index(op.f('ix_hc_override_person_id'), 'hc_override', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_table("hc_override")
    op.drop_table("hc_declaration")
    op.drop_table("hc_colour_event")
    op.drop_table("hc_checkin")
    op.drop_table("hc_appeal")
    op.drop_table("hc_signing_key")
    op.drop_table("hc_scan")
    op.drop_table("hc_revocation")
    op.drop_table("hc_person")
    op.drop_table("hc_list_entry")
    op.drop_table("hc_gate")
