"""Enterprise registry: enterprises, white lists, key projects and construction sites.

Revision ID: 0007_enterprises
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_enterprises"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ent_enterprise',
    sa.Column('enterprise_id', sa.String(length=40), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('region_vintage', sa.String(length=4), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('industry_code', sa.String(length=8), nullable=True),
    sa.Column('above_scale', sa.Boolean(), nullable=True),
    sa.Column('size_class', sa.String(length=8), nullable=True),
    sa.Column('enterprise_class', sa.String(length=24), nullable=False),
    sa.Column('essential_supply', sa.Boolean(), nullable=False),
    sa.Column('export', sa.Boolean(), nullable=False),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('key_project', sa.Boolean(), nullable=False),
    sa.Column('contact_email', sa.String(length=200), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('enterprise_id', name=op.f('pk_ent_enterprise')),
    sa.UniqueConstraint('uscc', name=op.f('uq_ent_enterprise_uscc'))
    )
    op.create_index(op.f('ix_ent_enterprise_region_code'), 'ent_enterprise', ['region_code'], unique=False)
    op.create_table('ent_white_list',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('region_prefix', sa.String(length=6), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ent_white_list'))
    )
    op.create_index(op.f('ix_ent_white_list_region_prefix'), 'ent_white_list', ['region_prefix'], unique=False)
    op.create_table('ent_project',
    sa.Column('project_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('enterprise_id', sa.String(length=40), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_since', sa.Date(), nullable=True),
    sa.Column('listed_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['ent_enterprise.enterprise_id'], name=op.f('fk_ent_project_enterprise_id_ent_enterprise')),
    sa.PrimaryKeyConstraint('project_id', name=op.f('pk_ent_project'))
    )
    op.create_index(op.f('ix_ent_project_enterprise_id'), 'ent_project', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_ent_project_region_code'), 'ent_project', ['region_code'], unique=False)
    op.create_table('ent_white_list_entry',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('added_by', sa.String(length=120), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['ent_enterprise.enterprise_id'], name=op.f('fk_ent_white_list_entry_enterprise_id_ent_enterprise')),
    sa.ForeignKeyConstraint(['list_id'], ['ent_white_list.id'], name=op.f('fk_ent_white_list_entry_list_id_ent_white_list'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ent_white_list_entry')),
    sa.UniqueConstraint('list_id', 'enterprise_id', name='uq_ent_white_list_entry_list_enterprise')
    )
    op.create_index(op.f('ix_ent_white_list_entry_enterprise_id'), 'ent_white_list_entry', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_ent_white_list_entry_list_id'), 'ent_white_list_entry', ['list_id'], unique=False)
    op.create_table('ent_project_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('project_id', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['ent_project.project_id'], name=op.f('fk_ent_project_event_project_id_ent_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ent_project_event'))
    )
    op.create_index(op.f('ix_ent_project_event_effective_on'), 'ent_project_event', ['effective_on'], unique=False)
    op.create_index(op.f('ix_ent_project_event_project_id'), 'ent_project_event', ['project_id'], unique=False)


def downgrade() -> None:
    op.drop_table("ent_project_event")
    op.drop_table("ent_white_list_entry")
    op.drop_table("ent_project")
    op.drop_table("ent_white_list")
    op.drop_table("ent_enterprise")

