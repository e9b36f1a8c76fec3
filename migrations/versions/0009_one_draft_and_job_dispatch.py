"""One open draft per citizen and service, enforced by the database; when each job was last
handed to its runner, so that a job whose message was lost is re-sent within seconds.

Drafts duplicated by parallel "apply" requests before this index are kept but withdrawn
(all but the oldest, which is the one "apply" has been opening): nothing is deleted. Jobs
queued before this revision count as dispatched when they were created.

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DRAFT = sa.text("status = 'draft'")


def upgrade():
    op.execute(
        "UPDATE application SET status = 'withdrawn' WHERE status = 'draft' AND EXISTS ("
        " SELECT 1 FROM application AS older WHERE older.status = 'draft'"
        " AND older.citizen_id = application.citizen_id"
        " AND older.service_id = application.service_id AND older.id < application.id)"
    )
    op.create_index("uq_application_one_draft", "application", ["citizen_id", "service_id"],
                    unique=True, postgresql_where=DRAFT, sqlite_where=DRAFT)
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("dispatched_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("redispatches", sa.Integer(), server_default="0",
                                   nullable=False))
    op.execute("UPDATE job SET dispatched_at = created_at WHERE status = 'queued'")


def downgrade():
    with op.batch_alter_table("job") as batch:
        batch.drop_column("redispatches")
        batch.drop_column("dispatched_at")
    op.drop_index("uq_application_one_draft", table_name="application")
