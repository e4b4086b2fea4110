"""Demand desk: units, members, grid areas, rounds, demands, attachments, search terms, routing rules,
pairings, the contact log and Open311 API keys.

Revision ID: 0009_desk
Revises: 0007_enterprises
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_desk"
down_revision = ("0007_enterprises", "0007_workflow")
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The workflow core's transition rows, counted by the state entered up to a time (the desk's funnels).
    op.create_index('ix_wf_transition_machine_to_state_at', 'wf_transition',
                    ['machine', 'to_state', 'at', 'region_code', 'entity_id'], unique=False)
    op.create_table('desk_round',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('region_prefix', sa.String(length=6), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_round')),
    sa.UniqueConstraint('region_prefix', 'number', name='uq_desk_round_region_number')
    )
    op.create_index(op.f('ix_desk_round_region_prefix'), 'desk_round', ['region_prefix'], unique=False)
    op.create_table('desk_routing_set',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_desk_routing_set'))
    )
    op.create_table('desk_unit',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('is_contact', sa.Boolean(), nullable=False),
    sa.Column('is_triage', sa.Boolean(), nullable=False),
    sa.Column('is_department', sa.Boolean(), nullable=False),
    sa.Column('is_town', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_desk_unit'))
    )
    op.create_index(op.f('ix_desk_unit_region_code'), 'desk_unit', ['region_code'], unique=False)
    op.create_table('desk_api_key',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=True),
    sa.Column('enterprise_id', sa.String(length=40), nullable=True),
    sa.Column('region_prefix', sa.String(length=6), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['ent_enterprise.enterprise_id'], name=op.f('fk_desk_api_key_enterprise_id_ent_enterprise')),
    sa.ForeignKeyConstraint(['unit_code'], ['desk_unit.code'], name=op.f('fk_desk_api_key_unit_code_desk_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_api_key')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_desk_api_key_key_hash'))
    )
    op.create_table('desk_contact',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('enterprise_id', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['ent_enterprise.enterprise_id'], name=op.f('fk_desk_contact_enterprise_id_ent_enterprise')),
    sa.ForeignKeyConstraint(['unit_code'], ['desk_unit.code'], name=op.f('fk_desk_contact_unit_code_desk_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_contact'))
    )
    op.create_index(op.f('ix_desk_contact_at'), 'desk_contact', ['at'], unique=False)
    op.create_index(op.f('ix_desk_contact_enterprise_id'), 'desk_contact', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_desk_contact_region_code'), 'desk_contact', ['region_code'], unique=False)
    op.create_index('ix_desk_contact_unit_at', 'desk_contact', ['unit_code', 'at'], unique=False)
    op.create_table('desk_demand',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('enterprise_id', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('policy_ref', sa.String(length=200), nullable=True),
    sa.Column('amount_yuan', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('contact_unit', sa.String(length=40), nullable=True),
    sa.Column('area_code', sa.String(length=40), nullable=True),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('department', sa.String(length=40), nullable=True),
    sa.Column('routing_rule_id', sa.Integer(), nullable=True),
    sa.Column('dispatch_count', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('merged_into', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('address_string', sa.Text(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('state_version', sa.Integer(), nullable=False),
    sa.Column('state_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_unit'], ['desk_unit.code'], name=op.f('fk_desk_demand_contact_unit_desk_unit')),
    sa.ForeignKeyConstraint(['department'], ['desk_unit.code'], name=op.f('fk_desk_demand_department_desk_unit')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['ent_enterprise.enterprise_id'], name=op.f('fk_desk_demand_enterprise_id_ent_enterprise')),
    sa.ForeignKeyConstraint(['round_id'], ['desk_round.id'], name=op.f('fk_desk_demand_round_id_desk_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_demand'))
    )
    op.create_index(op.f('ix_desk_demand_category'), 'desk_demand', ['category'], unique=False)
    op.create_index('ix_desk_demand_contact_state', 'desk_demand', ['contact_unit', 'state'], unique=False)
    op.create_index(op.f('ix_desk_demand_created_at'), 'desk_demand', ['created_at'], unique=False)
    op.create_index('ix_desk_demand_department_state_due', 'desk_demand', ['department', 'state', 'due_on'], unique=False)
    op.create_index(op.f('ix_desk_demand_enterprise_id'), 'desk_demand', ['enterprise_id'], unique=False)
    op.create_index('ix_desk_demand_region_state', 'desk_demand', ['region_code', 'state'], unique=False)
    op.create_index(op.f('ix_desk_demand_round_id'), 'desk_demand', ['round_id'], unique=False)
    op.create_index(op.f('ix_desk_demand_state'), 'desk_demand', ['state'], unique=False)
    op.create_index(op.f('ix_desk_demand_updated_at'), 'desk_demand', ['updated_at'], unique=False)
    op.create_table('desk_grid_area',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.ForeignKeyConstraint(['unit_code'], ['desk_unit.code'], name=op.f('fk_desk_grid_area_unit_code_desk_unit')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_desk_grid_area'))
    )
    op.create_index(op.f('ix_desk_grid_area_region_code'), 'desk_grid_area', ['region_code'], unique=False)
    op.create_index(op.f('ix_desk_grid_area_unit_code'), 'desk_grid_area', ['unit_code'], unique=False)
    op.create_table('desk_member',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('head', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['unit_code'], ['desk_unit.code'], name=op.f('fk_desk_member_unit_code_desk_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_member')),
    sa.UniqueConstraint('username', 'unit_code', name='uq_desk_member_username_unit')
    )
    op.create_index(op.f('ix_desk_member_unit_code'), 'desk_member', ['unit_code'], unique=False)
    op.create_index(op.f('ix_desk_member_username'), 'desk_member', ['username'], unique=False)
    op.create_table('desk_pairing',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('enterprise_id', sa.String(length=40), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('layer', sa.String(length=12), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['ent_enterprise.enterprise_id'], name=op.f('fk_desk_pairing_enterprise_id_ent_enterprise')),
    sa.ForeignKeyConstraint(['unit_code'], ['desk_unit.code'], name=op.f('fk_desk_pairing_unit_code_desk_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_pairing'))
    )
    op.create_index('ix_desk_pairing_enterprise', 'desk_pairing', ['enterprise_id', 'ended_at'], unique=False)
    op.create_index(op.f('ix_desk_pairing_region_code'), 'desk_pairing', ['region_code'], unique=False)
    op.create_index(op.f('ix_desk_pairing_username'), 'desk_pairing', ['username'], unique=False)
    op.create_table('desk_routing_rule',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('region_prefix', sa.String(length=6), nullable=False),
    sa.Column('conditions', sa.JSON(), nullable=True),
    sa.Column('department', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['department'], ['desk_unit.code'], name=op.f('fk_desk_routing_rule_department_desk_unit')),
    sa.ForeignKeyConstraint(['version'], ['desk_routing_set.version'], name=op.f('fk_desk_routing_rule_version_desk_routing_set')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_routing_rule'))
    )
    op.create_index(op.f('ix_desk_routing_rule_version'), 'desk_routing_rule', ['version'], unique=False)
    op.create_table('desk_attachment',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('demand_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=80), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('added_by', sa.String(length=120), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['demand_id'], ['desk_demand.id'], name=op.f('fk_desk_attachment_demand_id_desk_demand'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_attachment'))
    )
    op.create_index(op.f('ix_desk_attachment_demand_id'), 'desk_attachment', ['demand_id'], unique=False)
    op.create_table('desk_grid_firm',
    sa.Column('enterprise_id', sa.String(length=40), nullable=False),
    sa.Column('area_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['desk_grid_area.code'], name=op.f('fk_desk_grid_firm_area_code_desk_grid_area')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['ent_enterprise.enterprise_id'], name=op.f('fk_desk_grid_firm_enterprise_id_ent_enterprise')),
    sa.PrimaryKeyConstraint('enterprise_id', name=op.f('pk_desk_grid_firm'))
    )
    op.create_index(op.f('ix_desk_grid_firm_area_code'), 'desk_grid_firm', ['area_code'], unique=False)
    op.create_table('desk_term',
    sa.Column('demand_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['demand_id'], ['desk_demand.id'], name=op.f('fk_desk_term_demand_id_desk_demand'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('demand_id', 'term', name=op.f('pk_desk_term'))
    )
    op.create_index('ix_desk_term_term', 'desk_term', ['term', 'demand_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_wf_transition_machine_to_state_at', table_name='wf_transition')
    op.drop_index('ix_desk_term_term', table_name='desk_term')
    op.drop_table('desk_term')
    op.drop_index(op.f('ix_desk_grid_firm_area_code'), table_name='desk_grid_firm')
    op.drop_table('desk_grid_firm')
    op.drop_index(op.f('ix_desk_attachment_demand_id'), table_name='desk_attachment')
    op.drop_table('desk_attachment')
    op.drop_index(op.f('ix_desk_routing_rule_version'), table_name='desk_routing_rule')
    op.drop_table('desk_routing_rule')
    op.drop_index(op.f('ix_desk_pairing_username'), table_name='desk_pairing')
    op.drop_index(op.f('ix_desk_pairing_region_code'), table_name='desk_pairing')
    op.drop_index('ix_desk_pairing_enterprise', table_name='desk_pairing')
    op.drop_table('desk_pairing')
    op.drop_index(op.f('ix_desk_member_username'), table_name='desk_member')
    op.drop_index(op.f('ix_desk_member_unit_code'), table_name='desk_member')
    op.drop_table('desk_member')
    op.drop_index(op.f('ix_desk_grid_area_unit_code'), table_name='desk_grid_area')
    op.drop_index(op.f('ix_desk_grid_area_region_code'), table_name='desk_grid_area')
    op.drop_table('desk_grid_area')
    op.drop_index(op.f('ix_desk_demand_updated_at'), table_name='desk_demand')
    op.drop_index(op.f('ix_desk_demand_state'), table_name='desk_demand')
    op.drop_index(op.f('ix_desk_demand_round_id'), table_name='desk_demand')
    op.drop_index('ix_desk_demand_region_state', table_name='desk_demand')
    op.drop_index(op.f('ix_desk_demand_enterprise_id'), table_name='desk_demand')
    op.drop_index('ix_desk_demand_department_state_due', table_name='desk_demand')
    op.drop_index(op.f('ix_desk_demand_created_at'), table_name='desk_demand')
    op.drop_index('ix_desk_demand_contact_state', table_name='desk_demand')
    op.drop_index(op.f('ix_desk_demand_category'), table_name='desk_demand')
    op.drop_table('desk_demand')
    op.drop_index('ix_desk_contact_unit_at', table_name='desk_contact')
    op.drop_index(op.f('ix_desk_contact_region_code'), table_name='desk_contact')
    op.drop_index(op.f('ix_desk_contact_enterprise_id'), table_name='desk_contact')
    op.drop_index(op.f('ix_desk_contact_at'), table_name='desk_contact')
    op.drop_table('desk_contact')
    op.drop_table('desk_api_key')
    op.drop_index(op.f('ix_desk_unit_region_code'), table_name='desk_unit')
    op.drop_table('desk_unit')
    op.drop_table('desk_routing_set')
    op.drop_index(op.f('ix_desk_round_region_prefix'), table_name='desk_round')
    op.drop_table('desk_round')
