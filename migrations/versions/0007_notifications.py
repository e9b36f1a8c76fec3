"""Notifications: the in-app inbox, per-channel deliveries (SMS, e-mail), users' e-mail.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=255), nullable=True),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["recipient_id"], ["user.id"],
                                name=op.f("fk_notification_recipient_id_user")),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_notification_application_id_application")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_index("ix_notification_recipient_unread", "notification", ["recipient_id", "read_at"])
    op.create_index("ix_notification_recipient_id", "notification", ["recipient_id", "id"])
    op.create_index("ix_notification_application_id", "notification", ["application_id"])
    op.create_table(
        "notification_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("status", sa.Enum("pending", "sent", "failed", name="deliverystatus",
                                    native_enum=False, length=16), nullable=False),
        sa.Column("backend", sa.String(length=16), nullable=True),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("provider_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["notification_id"], ["notification.id"],
                                name=op.f("fk_notification_delivery_notification_id_notification")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_delivery")),
    )
    op.create_index("ix_notification_delivery_notification_id", "notification_delivery",
                    ["notification_id"])


def downgrade():
    op.drop_index("ix_notification_delivery_notification_id", table_name="notification_delivery")
    op.drop_table("notification_delivery")
    op.drop_index("ix_notification_application_id", table_name="notification")
    op.drop_index("ix_notification_recipient_id", table_name="notification")
    op.drop_index("ix_notification_recipient_unread", table_name="notification")
    op.drop_table("notification")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("email")
