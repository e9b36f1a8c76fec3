"""Extended statistics on the tasks' department and status (PostgreSQL): open tasks gather in
the departments that work them, so the planner's estimate from the two columns taken apart
was a third of the truth (29,511 open tasks in a department that had 100,001). It then
counted the queue's tabs with bitmap scans that read every entry of the department before
the count's limit applied: 15 ms of each queue page at 100,000 open tasks among 1,100,000,
1 ms with these statistics. SQLite has no such statistics; nothing is done there.

Revision ID: 0029
Revises: 0028
"""
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE STATISTICS IF NOT EXISTS st_human_task_department_status (mcv) "
            "ON department_id, status FROM human_task"
        )
        op.execute("ANALYZE human_task")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_human_task_department_status")
