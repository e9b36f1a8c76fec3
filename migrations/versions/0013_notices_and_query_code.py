"""Written notices (a row per PDF issued on a case) and the query code of the public lookup.

Cases submitted before this migration are given a query code here, so that every submitted
case can be looked up once its applicant knows the code (shown on the citizen's case page).

Revision ID: 0013
Revises: 0012
"""
import secrets

from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # as app.services.lookup


def upgrade():
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("query_code", sa.String(length=16), nullable=True))
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("verification_code", sa.String(length=64), nullable=False),
        sa.Column("agency", sa.String(length=255), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_notice_application_id_application")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
        sa.UniqueConstraint("number", name=op.f("uq_notice_number")),
        sa.UniqueConstraint("verification_code", name=op.f("uq_notice_verification_code")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_notice_stored_name")),
    )
    op.create_index(op.f("ix_notice_application_id"), "notice", ["application_id"])
    application = sa.table("application", sa.column("id", sa.Integer),
                           sa.column("case_number", sa.String), sa.column("query_code", sa.String))
    conn = op.get_bind()
    ids = conn.execute(sa.select(application.c.id)
                       .where(application.c.case_number.isnot(None))).scalars().all()
    for id_ in ids:
        code = "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(8))
        conn.execute(application.update().where(application.c.id == id_).values(query_code=code))


def downgrade():
    op.drop_index(op.f("ix_notice_application_id"), table_name="notice")
    op.drop_table("notice")
    with op.batch_alter_table("application") as batch:
        batch.drop_column("query_code")
