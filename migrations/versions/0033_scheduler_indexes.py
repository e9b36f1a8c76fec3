"""Indexes for the scheduler's two rounds that read cases, so that each round costs what is
due rather than what the database holds:

* the clock alerts read the cases whose clock may have reached a level by their promised
  and statutory dates, among the running clocks (`ix_application_running_promised`,
  `ix_application_running_due`): each round read every live task of every case due within
  two weeks, with its case, and compared the levels in Python (4.7-7.3 s a round with
  100,000 cases running, 85-116 ms now);
* the retention job reads each service's expired cases by the time they closed
  (`ix_application_retention_due`, now per service and on the same expression the job
  orders by: the index it had, on `decided_at`, was never used): each round read every case
  ever submitted (48-59 ms at 510,001 cases, growing with history; 0.9-1.6 ms now).

The scheduler runs both every few seconds. Building the three indexes reads the case table
once each; writes to it wait meanwhile.

Revision ID: 0033
Revises: 0032
"""

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

NOT_ANONYMISED = sa.text("anonymised_at IS NULL")
RUNNING = sa.text("accepted_at IS NOT NULL AND decided_at IS NULL AND clock_paused_at IS NULL")


def upgrade():
    op.drop_index("ix_application_retention_due", table_name="application")
    op.create_index(
        "ix_application_retention_due",
        "application",
        ["service_id", sa.text("coalesce(decided_at, submitted_at, created_at)")],
        postgresql_where=NOT_ANONYMISED,
        sqlite_where=NOT_ANONYMISED,
    )
    for name, column in (
        ("ix_application_running_promised", "promised_due_at"),
        ("ix_application_running_due", "due_at"),
    ):
        op.create_index(
            name, "application", [column], postgresql_where=RUNNING, sqlite_where=RUNNING
        )


def downgrade():
    op.drop_index("ix_application_running_due", table_name="application")
    op.drop_index("ix_application_running_promised", table_name="application")
    op.drop_index("ix_application_retention_due", table_name="application")
    op.create_index(
        "ix_application_retention_due",
        "application",
        ["decided_at"],
        postgresql_where=NOT_ANONYMISED,
        sqlite_where=NOT_ANONYMISED,
    )
