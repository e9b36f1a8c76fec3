"""People and organisation: departments, users (citizens, clerks, admins), login throttling."""

from __future__ import annotations

import enum

from flask_login import UserMixin
from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class Role(str, enum.Enum):
    """What a user may do: apply (citizen), handle a department's queue (clerk), manage
    (admin), read and export the audit trail (auditor)."""

    CITIZEN = "citizen"
    CLERK = "clerk"
    ADMIN = "admin"
    AUDITOR = "auditor"


class Department(db.Model):
    """A government department; BPMN lanes name departments by `code`."""

    __tablename__ = "department"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name_zh: Mapped[str] = mapped_column(String(128), nullable=False)
    name_en: Mapped[str] = mapped_column(String(128), nullable=False)
    # A division's bureau (None: a top-level department). Edited in /admin/departments.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), nullable=False
    )

    parent = relationship("Department", remote_side=[id])

    def display_name(self, locale: str) -> str:
        """The department's name in the given UI language."""
        return self.name_en if locale == "en" else self.name_zh


class User(UserMixin, db.Model):
    """Anyone who logs in. Citizens log in with their mobile number or ID number."""

    __tablename__ = "user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        nullable=False,
        index=True,
    )
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    real_name: Mapped[str] = mapped_column(String(64), nullable=False)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    mobile: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))  # optional: notifications by e-mail
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # Set by an administrator's password reset: until the user picks their own password
    # every page sends them to the change-password form.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), nullable=False
    )
    preferred_locale: Mapped[str | None] = mapped_column(String(8))
    # Raised when the password changes: sessions that logged in before carry the old value
    # in their Flask-Login id (see `get_id`) and are no longer loaded.
    session_version: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", nullable=False
    )
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    department = relationship(Department)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login keeps this in the session
        """ "<id>:<session_version>", so that a password change logs out other sessions."""
        return f"{self.id}:{self.session_version or 0}"

    @property
    def is_citizen(self) -> bool:
        return self.role == Role.CITIZEN

    @property
    def is_clerk(self) -> bool:
        return self.role == Role.CLERK

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_auditor(self) -> bool:
        return self.role == Role.AUDITOR


class LoginThrottle(db.Model):
    """Failed log-in attempts per login name and per client address, to slow guessing."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    locked_until = mapped_column(UTCDateTime, nullable=True)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
