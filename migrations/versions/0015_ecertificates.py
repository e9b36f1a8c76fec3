"""The e-certificate register (电子证照库): one row per issued certificate, with its signed
PDF's file name and sha256 and its public verification code.

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ecertificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("cert_type", sa.String(length=32), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("holder_kind", sa.String(length=16), nullable=False),
        sa.Column("holder_code", sa.String(length=32), nullable=False),
        sa.Column("holder_name", sa.String(length=128), nullable=False),
        sa.Column("representative_id_number", sa.String(length=18), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("verify_code", sa.String(length=32), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("pdf_name", sa.String(length=64), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pdf_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_ecertificate_application_id_application")),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"],
                                name=op.f("fk_ecertificate_service_id_service")),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name=op.f("fk_ecertificate_department_id_department")),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["user.id"],
                                name=op.f("fk_ecertificate_revoked_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ecertificate")),
        sa.UniqueConstraint("number", name=op.f("uq_ecertificate_number")),
        sa.UniqueConstraint("application_id", name=op.f("uq_ecertificate_application_id")),
        sa.UniqueConstraint("verify_code", name=op.f("uq_ecertificate_verify_code")),
    )
    op.create_index("ix_ecertificate_cert_type", "ecertificate", ["cert_type"])
    op.create_index("ix_ecertificate_holder_code", "ecertificate", ["holder_code"])
    op.create_index("ix_ecertificate_representative_id_number", "ecertificate",
                    ["representative_id_number"])
    op.create_index("ix_ecertificate_pdf_sha256", "ecertificate", ["pdf_sha256"])


def downgrade():
    op.drop_index("ix_ecertificate_pdf_sha256", table_name="ecertificate")
    op.drop_index("ix_ecertificate_representative_id_number", table_name="ecertificate")
    op.drop_index("ix_ecertificate_holder_code", table_name="ecertificate")
    op.drop_index("ix_ecertificate_cert_type", table_name="ecertificate")
    op.drop_table("ecertificate")
