"""Users' session version: changing the password ends the account's other sessions.

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), server_default="0",
                                   nullable=False))


def downgrade():
    with op.batch_alter_table("user") as batch:
        batch.drop_column("session_version")
