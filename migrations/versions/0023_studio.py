"""The administrator's studio: departments as an editable tree (`department.parent_id`,
`department.active`), a password reset that forces a change at the next log-in
(`user.must_change_password`), suspended cases (`workflow_instance.suspended_at`,
`suspend_reason`, `status_before_suspend`) and an index for the running-cases list.

Revision ID: 0023
Revises: 0022
"""

from alembic import op
import sqlalchemy as sa

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("department") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.create_foreign_key("fk_department_parent_id_department", "department", ["parent_id"], ["id"])
        batch.create_index("ix_department_parent_id", ["parent_id"])
    with op.batch_alter_table("user") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("workflow_instance") as batch:
        batch.add_column(sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("suspend_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("status_before_suspend", sa.String(length=16), nullable=True))
    op.create_index(
        "ix_application_service_status_id", "application", ["service_id", "status", "id"]
    )


def downgrade():
    op.drop_index("ix_application_service_status_id", table_name="application")
    with op.batch_alter_table("workflow_instance") as batch:
        batch.drop_column("status_before_suspend")
        batch.drop_column("suspend_reason")
        batch.drop_column("suspended_at")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("must_change_password")
    with op.batch_alter_table("department") as batch:
        batch.drop_index("ix_department_parent_id")
        batch.drop_constraint("fk_department_parent_id_department", type_="foreignkey")
        batch.drop_column("active")
        batch.drop_column("parent_id")
