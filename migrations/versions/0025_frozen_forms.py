"""Forms frozen per case: an application remembers the published version of a service
edited in the browser that it was started on (`application.service_version_id`), so that
publishing the service again does not change the form of cases already begun. Existing
applications keep NULL: they use their service's current form, as before.

Revision ID: 0025
Revises: 0024
"""
from alembic import op
import sqlalchemy as sa

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN with its reference inline: on SQLite a batch copy of the table
    # would drop the partial and expression indexes it cannot reflect (uq_application_one_draft).
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE application ADD COLUMN service_version_id INTEGER "
            "CONSTRAINT fk_application_service_version_id_service_version "
            "REFERENCES service_version (id)"
        )
        return
    op.add_column("application", sa.Column("service_version_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_application_service_version_id_service_version"),
        "application",
        "service_version",
        ["service_version_id"],
        ["id"],
    )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE application DROP COLUMN service_version_id")
    else:
        op.drop_constraint(
            op.f("fk_application_service_version_id_service_version"),
            "application",
            type_="foreignkey",
        )
        op.drop_column("application", "service_version_id")
