"""An ordered partial index for clerks' queues: open or claimed tasks of a department by due
date, so the queue query stops after its page instead of sorting every open task.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LIVE = sa.text("status IN ('open', 'claimed')")


def upgrade():
    op.create_index("ix_human_task_live_queue", "human_task", ["department_id", "due_at", "id"],
                    postgresql_where=LIVE, sqlite_where=LIVE)


def downgrade():
    op.drop_index("ix_human_task_live_queue", table_name="human_task")
