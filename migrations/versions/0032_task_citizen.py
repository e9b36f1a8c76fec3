"""Each task carries its case's applicant (`human_task.citizen_id`, copied when the row is
written, as `service_id` and `submitted_at` are), with an index per department by applicant
for live tasks and for everything seen, and the applicant carried in a clerk's own live
tasks (PostgreSQL `INCLUDE`).

Why: the queue filtered by applicant name went from the matching people to their cases and
from each case to its task. Each person's cases grow with every year of history, and almost
all of them are closed: with 400,000 decided cases in front of 110,001 open ones (510,001
in all, 5,100,004 tasks), a page filtered by a common surname (李) took 62-74 ms (p95
127-136 ms) for one clerk, where it took 26-28 ms at 110,001 cases, and the queue's p95 at
8 clients was 320 ms. The tabs' counts read 32,004 cases for "my tasks" and started a
sequential scan of the cases for the department. The filter now tests the task's own copy,
and each tab reads the matching people's tasks from its own index however many cases those
people had before: 17-32 ms for one clerk, and at 8 clients a p95 of 105-203 ms over four
runs on a noisy machine, the app's own p95 32-56 ms (107 ms before).

A case never changes applicant (nothing writes `application.citizen_id` after the case is
created), so the copy cannot go stale. It has no foreign key of its own: the case's key
already ties the task to a real applicant, and a foreign key would check every row of the
fill below once more.

The fill writes every task row once, in the migration's transaction: 49 s at 1,100,004
tasks and 5 minutes 30 s at 5,100,004 on a 2-core machine, during which writes to `human_task` wait (plan the
upgrade for a quiet hour). The rebuilt index is built under a temporary name, the old one
dropped and the new one renamed, as in 0031.

Revision ID: 0032
Revises: 0031
"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

LIVE = sa.text("status IN ('open', 'claimed')")
KEYS = ["department_id", "citizen_id", "due_at", "id"]


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _rebuild_assignee_live(include: str) -> None:
    op.execute(
        "CREATE INDEX ix_human_task_assignee_live_new ON human_task (assignee_id, due_at, id) "
        f"INCLUDE ({include}) WHERE status IN ('open', 'claimed')"
    )
    op.execute("DROP INDEX ix_human_task_assignee_live")
    op.execute("ALTER INDEX ix_human_task_assignee_live_new RENAME TO ix_human_task_assignee_live")


def upgrade():
    with op.batch_alter_table("human_task") as batch:
        batch.add_column(sa.Column("citizen_id", sa.Integer(), nullable=True))
    if _postgresql():
        op.execute(
            "UPDATE human_task SET citizen_id = application.citizen_id "
            "FROM application WHERE application.id = human_task.application_id"
        )
        op.create_index(
            "ix_human_task_live_citizen",
            "human_task",
            KEYS,
            postgresql_include=["candidate_group"],
            postgresql_where=LIVE,
        )
        op.create_index(
            "ix_human_task_department_citizen",
            "human_task",
            KEYS,
            postgresql_include=["status", "candidate_group"],
        )
        _rebuild_assignee_live("department_id, candidate_group, citizen_id")
    else:
        op.execute(
            "UPDATE human_task SET citizen_id = (SELECT application.citizen_id "
            "FROM application WHERE application.id = human_task.application_id)"
        )
        op.create_index("ix_human_task_live_citizen", "human_task", KEYS, sqlite_where=LIVE)
        op.create_index("ix_human_task_department_citizen", "human_task", KEYS)


def downgrade():
    if _postgresql():
        _rebuild_assignee_live("department_id, candidate_group")
    op.drop_index("ix_human_task_department_citizen", table_name="human_task")
    op.drop_index("ix_human_task_live_citizen", table_name="human_task")
    with op.batch_alter_table("human_task") as batch:
        batch.drop_column("citizen_id")
