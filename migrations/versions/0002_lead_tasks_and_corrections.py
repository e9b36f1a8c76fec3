"""Lead-only tasks (candidate group) and superseded attachments for corrections (补正).

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("human_task") as batch:
        batch.add_column(sa.Column("candidate_group", sa.String(length=64), nullable=True))
    with op.batch_alter_table("attachment") as batch:
        batch.add_column(sa.Column("superseded", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("attachment") as batch:
        batch.drop_column("superseded")
    with op.batch_alter_table("human_task") as batch:
        batch.drop_column("candidate_group")
