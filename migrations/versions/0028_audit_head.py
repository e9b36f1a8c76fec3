"""The audit chain head also holds the hash its last record links to (`prev_hash`): an
append moves the head on and hashes the new record in one UPDATE, whose RETURNING gives
the record its link. Existing heads are filled from their last record.

Revision ID: 0028
Revises: 0027
"""
from alembic import op
import sqlalchemy as sa

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_chain_head") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE audit_chain_head SET prev_hash = (SELECT r.prev_hash FROM audit_record r "
        "WHERE r.seq = audit_chain_head.last_seq)"
    )


def downgrade():
    with op.batch_alter_table("audit_chain_head") as batch:
        batch.drop_column("prev_hash")
