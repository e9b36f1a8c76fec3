"""Analytics rollups (per day × service × department, per process step), working days
stored on decided cases and done tasks, and the indexes the rollup rebuild and the
retention job read by. The rollups start empty: on a database with history, run
`flask analytics rebuild` once after this upgrade.

Revision ID: 0022
Revises: 0021
"""
from alembic import op
import sqlalchemy as sa

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def _counter(name):
    return sa.Column(name, sa.Integer(), nullable=False, server_default="0")


def _sum(name):
    return sa.Column(name, sa.Float(), nullable=False, server_default="0")


DAY_KEYS = ("day", "service_id", "department_id")


def _day_keys():
    return [
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
    ]


def upgrade():
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("lead_working_days", sa.Float(), nullable=True))
        batch.create_index("ix_application_decided_at", ["decided_at"])
    with op.batch_alter_table("human_task") as batch:
        batch.add_column(sa.Column("working_days", sa.Float(), nullable=True))
        batch.create_index("ix_human_task_status_completed", ["status", "completed_at"])
    op.create_table(
        "case_rollup",
        *_day_keys(),
        *[
            _counter(name)
            for name in (
                "submitted",
                "decided",
                "approved",
                "rejected",
                "refused",
                "with_statutory",
                "on_time_statutory",
                "with_promised",
                "on_time_promised",
                "corrected",
            )
        ],
        _sum("lead_days_sum"),
        *[
            _counter(name)
            for name in (
                "ratings",
                "rating_sum",
                "satisfied",
                "files_reviewed",
                "files_passed",
                "files_type_corrected",
            )
        ],
        sa.PrimaryKeyConstraint(*DAY_KEYS),
    )
    op.create_table(
        "task_rollup",
        *_day_keys(),
        _counter("done"),
        _counter("with_due"),
        _counter("on_time"),
        _sum("days_sum"),
        sa.PrimaryKeyConstraint(*DAY_KEYS),
    )
    op.create_table(
        "duration_rollup",
        sa.Column("kind", sa.String(length=8), nullable=False),
        *_day_keys(),
        sa.Column("bucket", sa.SmallInteger(), nullable=False),
        _counter("n"),
        _sum("days_sum"),
        sa.PrimaryKeyConstraint("kind", *DAY_KEYS, "bucket"),
    )
    op.create_table(
        "step_rollup",
        sa.Column("process_version_id", sa.Integer(), nullable=False),
        sa.Column("element_id", sa.String(length=128), nullable=False),
        _counter("entered"),
        _counter("completed"),
        _counter("completed_late"),
        _sum("days_sum"),
        sa.PrimaryKeyConstraint("process_version_id", "element_id"),
    )
    op.create_table(
        "step_duration_rollup",
        sa.Column("process_version_id", sa.Integer(), nullable=False),
        sa.Column("element_id", sa.String(length=128), nullable=False),
        sa.Column("bucket", sa.SmallInteger(), nullable=False),
        _counter("n"),
        _sum("days_sum"),
        sa.PrimaryKeyConstraint("process_version_id", "element_id", "bucket"),
    )


def downgrade():
    for table in (
        "step_duration_rollup",
        "step_rollup",
        "duration_rollup",
        "task_rollup",
        "case_rollup",
    ):
        op.drop_table(table)
    with op.batch_alter_table("human_task") as batch:
        batch.drop_index("ix_human_task_status_completed")
        batch.drop_column("working_days")
    with op.batch_alter_table("application") as batch:
        batch.drop_index("ix_application_decided_at")
        batch.drop_column("lead_working_days")
