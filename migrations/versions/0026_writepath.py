"""Notices rendered on first use: `notice.content` keeps what the PDF prints, frozen when
the notice is issued, and the PDF itself (`stored_name`, `size`, `sha256`) is written the
first time someone downloads or verifies the notice, out of the use case that issued it.
Notices issued before this keep their PDF and have no `content`.

Revision ID: 0026
Revises: 0025
"""
import warnings

from alembic import op
import sqlalchemy as sa

# The batch copy of `notice` reflects the tables it references; SQLAlchemy cannot reflect
# application's expression index and says so. That index is not touched here.
warnings.filterwarnings(
    "ignore", message="Skipped unsupported reflection of expression-based index",
    category=sa.exc.SAWarning,
)

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notice") as batch:
        batch.add_column(sa.Column("content", sa.JSON(), nullable=True))
        batch.alter_column("stored_name", existing_type=sa.String(length=64), nullable=True)
        batch.alter_column("size", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("sha256", existing_type=sa.String(length=64), nullable=True)


def downgrade():
    # A notice never downloaded has no PDF yet: it cannot go back to the old schema.
    op.execute("DELETE FROM notice WHERE stored_name IS NULL")
    with op.batch_alter_table("notice") as batch:
        batch.alter_column("sha256", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("size", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("stored_name", existing_type=sa.String(length=64), nullable=False)
        batch.drop_column("content")
