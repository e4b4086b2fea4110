"""Security: audit log sealed by a hash chain and protected from REPLACE and back-dating; server-side
sessions; rate limits shared by workers; one active signing key; late-synced gate scans.

Revision ID: 0005_security
Revises: 0002_risk, 0003_healthcode, 0004_accounts
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_security"
down_revision = ("0002_risk", "0003_healthcode", "0004_accounts")
branch_labels = None
depends_on = None

_SQLITE = [
    # INSERT OR REPLACE deletes the old row without firing delete triggers (no recursive_triggers):
    # refuse any insert of an id that exists.
    """CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
       WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    # ``at`` is the database clock: a back-dated (or forward-dated) entry is refused.
    """CREATE TRIGGER audit_log_database_clock BEFORE INSERT ON audit_log
       WHEN julianday(NEW.at) IS NULL OR abs(julianday(NEW.at) - julianday('now')) * 86400 > 120
       BEGIN SELECT RAISE(ABORT, 'audit_log.at is the database clock'); END""",
    """CREATE TRIGGER audit_seal_no_update BEFORE UPDATE ON audit_seal
       BEGIN SELECT RAISE(ABORT, 'audit_seal is append-only'); END""",
    """CREATE TRIGGER audit_seal_no_delete BEFORE DELETE ON audit_seal
       BEGIN SELECT RAISE(ABORT, 'audit_seal is append-only'); END""",
    """CREATE TRIGGER audit_seal_no_replace BEFORE INSERT ON audit_seal
       WHEN EXISTS (SELECT 1 FROM audit_seal WHERE id = NEW.id OR first_id = NEW.first_id)
       BEGIN SELECT RAISE(ABORT, 'audit_seal is append-only'); END""",
]

_POSTGRES = [
    """CREATE FUNCTION audit_log_database_clock() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN NEW.at := clock_timestamp(); RETURN NEW; END $$""",
    """CREATE TRIGGER audit_log_database_clock BEFORE INSERT ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_database_clock()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
    """CREATE TRIGGER audit_seal_no_change BEFORE UPDATE OR DELETE ON audit_seal
       FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    """CREATE TRIGGER audit_seal_no_truncate BEFORE TRUNCATE ON audit_seal
       FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
    # Grants: nobody but the owner may change rows; deploy the app as a role that does not own the
    # tables to make the triggers unremovable by the app (SECURITY.md).
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_seal FROM PUBLIC",
]


def upgrade() -> None:
    op.create_table(
        "audit_seal",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_seal"),
        sa.UniqueConstraint("first_id", name="uq_audit_seal_first_id"),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_user_sessions_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_user_sessions"),
        sa.UniqueConstraint("key_hash", name="uq_user_sessions_key_hash"),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("window_start", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rate_limits"),
    )
    with op.batch_alter_table("hc_scan") as batch:
        batch.add_column(sa.Column("late", sa.Boolean(), nullable=False, server_default=sa.false()))
    # One active signing key per purpose, enforced by the database (two requests at once cannot both
    # create one). Keys made before this revision: keep the newest active one.
    op.execute("""UPDATE hc_signing_key SET active = false
                  WHERE active AND created_at < (SELECT max(created_at) FROM hc_signing_key WHERE active)""")
    op.create_index("uq_hc_signing_key_one_active", "hc_signing_key", ["active"], unique=True,
                    sqlite_where=sa.text("active"), postgresql_where=sa.text("active"))
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE if dialect == "sqlite" else _POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("audit_log_no_replace", "audit_log_database_clock"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_database_clock ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_database_clock()")
    op.drop_index("uq_hc_signing_key_one_active", table_name="hc_signing_key")
    with op.batch_alter_table("hc_scan") as batch:
        batch.drop_column("late")
    op.drop_table("rate_limits")
    op.drop_index("ix_user_sessions_user_id", table_name="user_sessions")
    op.drop_table("user_sessions")
    op.drop_table("audit_seal")
