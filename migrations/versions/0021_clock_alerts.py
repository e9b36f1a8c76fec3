"""Clock alerts pushed by the scheduler: each live task remembers the last level (yellow,
red, overdue) its holders were told, so each is told once.

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("human_task") as batch:
        batch.add_column(sa.Column("clock_alert_sent", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("human_task") as batch:
        batch.drop_column("clock_alert_sent")
