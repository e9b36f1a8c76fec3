"""Drop columns that only restated other ones: human_task.for_applicant (= lane 'applicant')
and job.progress (= status 'done').

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("human_task") as batch:
        batch.drop_column("for_applicant")
    with op.batch_alter_table("job") as batch:
        batch.drop_column("progress")


def downgrade():
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("progress", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("human_task") as batch:
        batch.add_column(sa.Column("for_applicant", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
