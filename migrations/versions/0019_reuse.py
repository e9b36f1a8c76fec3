"""Material slots filled without an upload: by an e-certificate (免提交), by a signed
declaration (告知承诺, with its later check) or deferred after acceptance (容缺受理).

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "material_substitute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("statement", sa.Text(), nullable=True),
        sa.Column("check_status", sa.String(length=16), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.Column("check_note", sa.Text(), nullable=True),
        sa.Column("supplied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_material_substitute_application_id_application")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"],
                                name=op.f("fk_material_substitute_created_by_id_user")),
        sa.ForeignKeyConstraint(["certificate_id"], ["ecertificate.id"],
                                name=op.f("fk_material_substitute_certificate_id_ecertificate")),
        sa.ForeignKeyConstraint(["checked_by_id"], ["user.id"],
                                name=op.f("fk_material_substitute_checked_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material_substitute")),
        sa.UniqueConstraint("application_id", "slot",
                            name=op.f("uq_material_substitute_application_id_slot")),
    )
    op.create_index("ix_material_substitute_application_id", "material_substitute",
                    ["application_id"])
    op.create_index("ix_material_substitute_certificate_id", "material_substitute",
                    ["certificate_id"])
    op.create_index("ix_material_substitute_check_status", "material_substitute",
                    ["check_status"])


def downgrade():
    op.drop_index("ix_material_substitute_check_status", table_name="material_substitute")
    op.drop_index("ix_material_substitute_certificate_id", table_name="material_substitute")
    op.drop_index("ix_material_substitute_application_id", table_name="material_substitute")
    op.drop_table("material_substitute")
