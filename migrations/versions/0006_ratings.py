"""Citizens' ratings of decided cases (好差评) with the follow-up of bad ones.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

AWAITING = sa.text("level <= 2 AND followed_up_at IS NULL")


def upgrade():
    op.create_table(
        "rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("follow_up_reply", sa.Text(), nullable=True),
        sa.Column("followed_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("followed_up_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name=op.f("ck_rating_level_range")),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_rating_application_id_application")),
        sa.ForeignKeyConstraint(["citizen_id"], ["user.id"], name=op.f("fk_rating_citizen_id_user")),
        sa.ForeignKeyConstraint(["followed_up_by_id"], ["user.id"],
                                name=op.f("fk_rating_followed_up_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating")),
        sa.UniqueConstraint("application_id", name=op.f("uq_rating_application_id")),
    )
    op.create_index(op.f("ix_rating_created_at"), "rating", ["created_at"])
    op.create_index("ix_rating_awaiting_follow_up", "rating", ["created_at"],
                    postgresql_where=AWAITING, sqlite_where=AWAITING)


def downgrade():
    op.drop_index("ix_rating_awaiting_follow_up", table_name="rating")
    op.drop_index(op.f("ix_rating_created_at"), table_name="rating")
    op.drop_table("rating")
