"""Retention: when a closed case's personal data was replaced (anonymised_at), and an index
that finds the closed cases not yet anonymised.

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

NOT_ANONYMISED = sa.text("anonymised_at IS NULL")


def upgrade():
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_application_retention_due", "application", ["decided_at"],
                    postgresql_where=NOT_ANONYMISED, sqlite_where=NOT_ANONYMISED)


def downgrade():
    op.drop_index("ix_application_retention_due", table_name="application")
    with op.batch_alter_table("application") as batch:
        batch.drop_column("anonymised_at")
