"""The scheduler's last round (`scheduler_round`, one row): when it started, how long it took,
what it did and the kind of error if it failed. A scheduler that stopped (Celery beat never
started, or its process dead) left timers, clock alerts and lost jobs waiting with nothing to
show it; the administrators' landing page and /metrics now read this row.

Revision ID: 0036
Revises: 0035
"""

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduler_round",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(200)),
    )


def downgrade():
    op.drop_table("scheduler_round")
