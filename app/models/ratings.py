"""Citizens' ratings of decided cases (政务服务"好差评") and the agency's follow-up of bad ones.

One rating per case (a unique key, so a double submit can never store two). A bad rating
(level 1–2) waits for an administrator's follow-up reply, which the citizen then sees.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, SmallInteger, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

LEVEL_MIN, LEVEL_MAX = 1, 5
BAD_LEVEL_MAX = 2  # 不满意 / 非常不满意: needs a follow-up
SATISFIED_LEVEL_MIN = 4  # 满意 / 非常满意


class Rating(db.Model):
    """A citizen's rating of one decided case, with the follow-up reply to a bad one."""

    __tablename__ = "rating"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        # Bad ratings still waiting for a follow-up: the administrators' to-do list.
        Index(
            "ix_rating_awaiting_follow_up",
            "created_at",
            postgresql_where=text("level <= 2 AND followed_up_at IS NULL"),
            sqlite_where=text("level <= 2 AND followed_up_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id"), nullable=False, unique=True
    )
    citizen_id: Mapped[int] = mapped_column(ForeignKey("user.id"), nullable=False)
    level: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    follow_up_reply: Mapped[str | None] = mapped_column(Text)
    followed_up_at = mapped_column(UTCDateTime)
    followed_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    application = relationship("Application")
    citizen = relationship("User", foreign_keys=[citizen_id])
    followed_up_by = relationship("User", foreign_keys=[followed_up_by_id])

    @property
    def is_bad(self) -> bool:
        """不满意 or 非常不满意: the agency must follow up."""
        return self.level <= BAD_LEVEL_MAX

    @property
    def awaits_follow_up(self) -> bool:
        return self.is_bad and self.followed_up_at is None
