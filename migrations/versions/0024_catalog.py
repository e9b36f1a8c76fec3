"""Services edited in the browser: versioned drafts an admin publishes (service_version),
and task forms edited in the browser (task_form).

Revision ID: 0024
Revises: 0023
"""
from alembic import op
import sqlalchemy as sa

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "service_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"],
                                name=op.f("fk_service_version_created_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_version")),
        sa.UniqueConstraint("service_code", "number",
                            name=op.f("uq_service_version_service_code_number")),
    )
    op.create_index(op.f("ix_service_version_service_code"), "service_version",
                    ["service_code"], unique=False)
    op.create_table(
        "task_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("schema", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user.id"],
                                name=op.f("fk_task_form_updated_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_form")),
        sa.UniqueConstraint("name", name=op.f("uq_task_form_name")),
    )


def downgrade():
    op.drop_table("task_form")
    op.drop_index(op.f("ix_service_version_service_code"), table_name="service_version")
    op.drop_table("service_version")
