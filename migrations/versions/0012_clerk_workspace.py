"""The clerks' workspace: saved queue filters, internal case notes, each task's service
(copied from its case), and an index for each queue filter and order (service, everything
seen by due date, submission date, case-number and applicant-name prefixes, a clerk's own
live tasks).

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

LIVE = sa.text("status IN ('open', 'claimed')")


def upgrade():
    # Each task carries its case's service: queues filter and group by it from an index.
    with op.batch_alter_table("human_task") as batch:
        batch.add_column(sa.Column("service_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_human_task_service_id_service"), "service",
                                 ["service_id"], ["id"])
    op.execute("UPDATE human_task SET service_id = (SELECT application.service_id FROM "
               "application WHERE application.id = human_task.application_id)")
    op.create_index("ix_human_task_department_due", "human_task",
                    ["department_id", "due_at", "id"])
    op.create_index("ix_human_task_department_service", "human_task",
                    ["department_id", "service_id", "due_at", "id"])
    op.create_index("ix_human_task_service_queue", "human_task",
                    ["department_id", "service_id", "due_at", "id"],
                    postgresql_where=LIVE, sqlite_where=LIVE)
    op.create_table(
        "saved_filter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_saved_filter_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filter")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_saved_filter_user_id_name")),
    )
    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_case_note_application_id_application")),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], name=op.f("fk_case_note_author_id_user")),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name=op.f("fk_case_note_department_id_department")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_note")),
    )
    op.create_index("ix_case_note_application", "case_note", ["application_id", "id"])
    op.create_index("ix_application_service_id", "application", ["service_id"])
    op.create_index("ix_application_submitted_at", "application", ["submitted_at"])
    op.create_index("ix_application_case_number_prefix", "application", ["case_number"],
                    postgresql_ops={"case_number": "varchar_pattern_ops"})
    op.create_index("ix_user_real_name_prefix", "user", ["real_name"],
                    postgresql_ops={"real_name": "varchar_pattern_ops"})
    op.create_index("ix_human_task_assignee_live", "human_task", ["assignee_id", "due_at", "id"],
                    postgresql_where=LIVE, sqlite_where=LIVE)


def downgrade():
    op.drop_index("ix_human_task_assignee_live", table_name="human_task")
    op.drop_index("ix_human_task_service_queue", table_name="human_task")
    op.drop_index("ix_human_task_department_service", table_name="human_task")
    op.drop_index("ix_human_task_department_due", table_name="human_task")
    with op.batch_alter_table("human_task") as batch:
        batch.drop_constraint(op.f("fk_human_task_service_id_service"), type_="foreignkey")
        batch.drop_column("service_id")
    op.drop_index("ix_user_real_name_prefix", table_name="user")
    op.drop_index("ix_application_case_number_prefix", table_name="application")
    op.drop_index("ix_application_submitted_at", table_name="application")
    op.drop_index("ix_application_service_id", table_name="application")
    op.drop_index("ix_case_note_application", table_name="case_note")
    op.drop_table("case_note")
    op.drop_table("saved_filter")
