"""Notifications keep their title and body in every language of the site (`texts`), so the
inbox shows each in the language its reader has when they open it. Older rows keep the one
language they were written in (`title`/`body`) and are shown as they are.

Revision ID: 0020
Revises: 0019
"""

from alembic import op
import sqlalchemy as sa

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("texts", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("texts")
