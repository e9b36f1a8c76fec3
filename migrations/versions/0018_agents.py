"""Companies and their agents (代办): the company account with its (verified) legal
representative, the agents it authorises, and the company a case is applied for.

A person may now keep one draft per service for themself and one per company they apply
for: the one-draft index takes the company into account (no company counts as 0).

Revision ID: 0018
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

DRAFT = sa.text("status = 'draft'")


def upgrade():
    op.create_table(
        "company",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("legal_rep_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_via", sa.String(length=16), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("verify_reason", sa.Text(), nullable=True),
        sa.Column("certificate_number", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["legal_rep_id"], ["user.id"],
                                name=op.f("fk_company_legal_rep_id_user")),
        sa.ForeignKeyConstraint(["verified_by_id"], ["user.id"],
                                name=op.f("fk_company_verified_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_company_credit_code")),
    )
    op.create_index("ix_company_legal_rep_id", "company", ["legal_rep_id"])
    op.create_table(
        "agent_authorisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=False),
        sa.Column("all_services", sa.Boolean(), nullable=False),
        sa.Column("service_codes", sa.JSON(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"],
                                name=op.f("fk_agent_authorisation_company_id_company")),
        sa.ForeignKeyConstraint(["agent_id"], ["user.id"],
                                name=op.f("fk_agent_authorisation_agent_id_user")),
        sa.ForeignKeyConstraint(["granted_by_id"], ["user.id"],
                                name=op.f("fk_agent_authorisation_granted_by_id_user")),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["user.id"],
                                name=op.f("fk_agent_authorisation_revoked_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_authorisation")),
    )
    op.create_index("ix_agent_authorisation_company_id", "agent_authorisation", ["company_id"])
    op.create_index("ix_agent_authorisation_agent_id", "agent_authorisation", ["agent_id"])
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("company_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_application_company_id_company"), "company",
                                 ["company_id"], ["id"])
        batch.create_index("ix_application_company_id", ["company_id"])
    op.drop_index("uq_application_one_draft", table_name="application")
    op.create_index("uq_application_one_draft", "application",
                    ["citizen_id", "service_id", sa.text("coalesce(company_id, 0)")],
                    unique=True, postgresql_where=DRAFT, sqlite_where=DRAFT)


def downgrade():
    # Drafts for companies would break the narrower index: they go back to being withdrawn.
    op.execute("UPDATE application SET status = 'withdrawn' "
               "WHERE status = 'draft' AND company_id IS NOT NULL")
    op.drop_index("uq_application_one_draft", table_name="application")
    op.create_index("uq_application_one_draft", "application", ["citizen_id", "service_id"],
                    unique=True, postgresql_where=DRAFT, sqlite_where=DRAFT)
    with op.batch_alter_table("application") as batch:
        batch.drop_index("ix_application_company_id")
        batch.drop_constraint(op.f("fk_application_company_id_company"), type_="foreignkey")
        batch.drop_column("company_id")
    op.drop_index("ix_agent_authorisation_agent_id", table_name="agent_authorisation")
    op.drop_index("ix_agent_authorisation_company_id", table_name="agent_authorisation")
    op.drop_table("agent_authorisation")
    op.drop_index("ix_company_legal_rep_id", table_name="company")
    op.drop_table("company")
