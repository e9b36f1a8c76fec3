"""One open draft per citizen and service, enforced by the database.

Drafts duplicated by parallel "apply" requests before this index are kept but withdrawn
(all but the oldest, which is the one "apply" has been opening): nothing is deleted.

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


def downgrade():
    op.drop_index("uq_application_one_draft", table_name="application")
