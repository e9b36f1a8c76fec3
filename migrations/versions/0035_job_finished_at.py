"""Finished jobs by status and the time they finished (`ix_job_finished_at`), for the
housekeeping that deletes them after `JOB_KEEP_DAYS` (done) or `JOB_KEEP_FAILED_DAYS`
(failed) (app/jobs/housekeeping.py): a case leaves about seven finished jobs, and nothing
deleted them, so a city's job table grew by millions of rows a year.

Every use case may queue a job, so on PostgreSQL the index is built `CONCURRENTLY`, outside
the migration's transaction: writes to the job table go on while it is built. The first
rounds of the scheduler after the upgrade then delete the backlog, 2,000 rows a round. A
build that was interrupted leaves an invalid index of that name behind: drop it
(`DROP INDEX ix_job_finished_at`) before running the upgrade again.

Revision ID: 0035
Revises: 0034
"""

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

FINISHED = sa.text("finished_at IS NOT NULL")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index(
                "ix_job_finished_at",
                "job",
                ["status", "finished_at"],
                postgresql_where=FINISHED,
                postgresql_concurrently=True,
            )
    else:
        op.create_index(
            "ix_job_finished_at", "job", ["status", "finished_at"], sqlite_where=FINISHED
        )


def downgrade():
    op.drop_index("ix_job_finished_at", table_name="job")
