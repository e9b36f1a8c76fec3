"""The queue's task indexes also carry the columns its filters test (PostgreSQL `INCLUDE`):
the candidate group that hides a lead's tasks from clerks, the status in the indexes that
hold finished tasks too, and the department in a clerk's own live tasks. A tab's count
and a page's ids are then read from the index alone (an index-only scan) instead of
visiting the table for each entry. A case's tasks (`ix_human_task_application_id`) carry
the department, the status and the candidate group too: the tabs filtered by applicant count
the matching cases' tasks from there (at 330,001 cases and 3,300,004 tasks the applicant
filter's counts went from 33 ms to 13 ms, and the queue at 8 clients from 70 to 114 pages/s).

Why now: with the department's 100,000 open tasks among 1,100,000, the tab counts were
planned as sequential scans stopping at the 1,001st match, cheap when the scan starts at
the table's first page. Under load PostgreSQL starts a sequential scan of a large table
where another one already is (`synchronize_seqscans`), and 2 % of the queue pages then
took 110-170 ms instead of 1 ms: the whole p95 of the clerk queue with 8 clients. The
counts now read the tab's index in its order (app/services/workspace.py); these columns
keep that read as cheap as the lucky scan (0.2-0.3 ms a tab instead of 2.5-3 ms).

Each index is rebuilt under a temporary name, the old one dropped and the new one renamed,
in the migration's transaction: writes to `human_task` wait while they are built (about a
second per index at 1,100,000 tasks on a 2-core machine). SQLite has no `INCLUDE`: nothing
is done there.

Revision ID: 0031
Revises: 0030
"""

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

LIVE = "status IN ('open', 'claimed')"
# name: (key columns, columns carried, partial index predicate)
INDEXES = {
    "ix_human_task_live_queue": ("department_id, due_at, id", "candidate_group", LIVE),
    "ix_human_task_service_queue": (
        "department_id, service_id, due_at, id",
        "candidate_group",
        LIVE,
    ),
    "ix_human_task_live_submitted": ("department_id, submitted_at, id", "candidate_group", LIVE),
    "ix_human_task_assignee_live": (
        "assignee_id, due_at, id",
        "department_id, candidate_group",
        LIVE,
    ),
    "ix_human_task_department_due": ("department_id, due_at, id", "status, candidate_group", None),
    "ix_human_task_department_service": (
        "department_id, service_id, due_at, id",
        "status, candidate_group",
        None,
    ),
    "ix_human_task_department_submitted": (
        "department_id, submitted_at, id",
        "status, candidate_group",
        None,
    ),
    "ix_human_task_application_id": (
        "application_id",
        "department_id, status, candidate_group",
        None,
    ),
}


def _rebuild(carried: bool) -> None:
    for name, (keys, include, where) in INDEXES.items():
        sql = f"CREATE INDEX {name}_new ON human_task ({keys})"
        if carried:
            sql += f" INCLUDE ({include})"
        if where:
            sql += f" WHERE {where}"
        op.execute(sql)
        op.execute(f"DROP INDEX {name}")
        op.execute(f"ALTER INDEX {name}_new RENAME TO {name}")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _rebuild(carried=True)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _rebuild(carried=False)
