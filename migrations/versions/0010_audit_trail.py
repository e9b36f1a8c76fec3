"""The audit trail: hash-chained records, their chain head, and (PostgreSQL) a trigger that
refuses to change or delete a record.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64

APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_record_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_record is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$
"""


def upgrade():
    op.create_table(
        "audit_record",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False,
                  nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(16), nullable=True),
        sa.Column("actor_username", sa.String(64), nullable=True),
        sa.Column("client_addr", sa.String(64), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=True),
        sa.Column("object_id", sa.String(128), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_record")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_record_prev_hash")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_record_hash")),
    )
    op.create_index(op.f("ix_audit_record_at"), "audit_record", ["at"])
    op.create_index(op.f("ix_audit_record_action"), "audit_record", ["action"])
    op.create_index("ix_audit_record_object", "audit_record", ["object_type", "object_id"])
    op.create_index("ix_audit_record_actor_at", "audit_record", ["actor_username", "at"])
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    op.bulk_insert(head, [{"id": 1, "last_seq": 0, "last_hash": GENESIS_HASH}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_record_no_update_or_delete BEFORE UPDATE OR DELETE "
            "ON audit_record FOR EACH ROW EXECUTE FUNCTION audit_record_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_record_no_truncate BEFORE TRUNCATE "
            "ON audit_record FOR EACH STATEMENT EXECUTE FUNCTION audit_record_append_only()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_record_no_truncate ON audit_record")
        op.execute("DROP TRIGGER audit_record_no_update_or_delete ON audit_record")
        op.execute("DROP FUNCTION audit_record_append_only()")
    op.drop_table("audit_chain_head")
    op.drop_index("ix_audit_record_actor_at", table_name="audit_record")
    op.drop_index("ix_audit_record_object", table_name="audit_record")
    op.drop_index(op.f("ix_audit_record_action"), table_name="audit_record")
    op.drop_index(op.f("ix_audit_record_at"), table_name="audit_record")
    op.drop_table("audit_record")
