"""The case clock: acceptance (受理), the promised limit, suspension during 补正, one
extension, and an explicit outcome detail (e.g. intake_refused). The new statuses
('accepted', 'refused') need nothing here: the status column is a plain string.

Cases already submitted keep running on their old due dates: their clock counts as started
when they were submitted (they were treated as accepted then).

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("outcome_detail", sa.String(length=32)))
        batch.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("promised_due_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("clock_paused_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("paused_days", sa.Integer(), server_default="0",
                                   nullable=False))
        batch.add_column(sa.Column("extension_days", sa.Integer(), server_default="0",
                                   nullable=False))
        batch.add_column(sa.Column("extension_reason", sa.Text()))
    op.execute("UPDATE application SET accepted_at = submitted_at, promised_due_at = due_at"
               " WHERE submitted_at IS NOT NULL AND status <> 'draft'")


def downgrade():
    with op.batch_alter_table("application") as batch:
        for column in ("extension_reason", "extension_days", "paused_days", "clock_paused_at",
                       "promised_due_at", "accepted_at", "outcome_detail"):
            batch.drop_column(column)
