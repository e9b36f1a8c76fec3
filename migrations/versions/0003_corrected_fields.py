"""Clerks' corrections of extracted fields, kept as training feedback.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attachment") as batch:
        batch.add_column(sa.Column("corrected_fields", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("attachment") as batch:
        batch.drop_column("corrected_fields")
