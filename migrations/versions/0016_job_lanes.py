"""Job lanes: a file that asks for far more work than a real document (or comes from an
uploader with many files waiting) is reviewed in its own "heavy" lane, so that it never
holds up other citizens' reviews. Adds `attachment.lane` and `job.lane`.

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attachment") as batch:
        batch.add_column(
            sa.Column("lane", sa.String(length=16), nullable=False, server_default="default")
        )
    with op.batch_alter_table("job") as batch:
        batch.add_column(
            sa.Column("lane", sa.String(length=16), nullable=False, server_default="default")
        )


def downgrade():
    with op.batch_alter_table("job") as batch:
        batch.drop_column("lane")
    with op.batch_alter_table("attachment") as batch:
        batch.drop_column("lane")
