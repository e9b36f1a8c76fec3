"""The service catalogue: public services, their deployed BPMN process versions, holidays."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import JSONType, UTCDateTime, utcnow

DEFAULT_RETENTION_DAYS = 3650  # ten years, when a service does not say


class Service(db.Model):
    """A public service citizens can apply for (e.g. business registration).

    `definition` holds the service guide and the application form loaded from `forms/` and
    `workflows/services.json` (names, conditions, materials, statutory time limit).
    """

    __tablename__ = "service"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name_zh: Mapped[str] = mapped_column(String(128), nullable=False)
    name_en: Mapped[str] = mapped_column(String(128), nullable=False)
    process_id: Mapped[str] = mapped_column(String(128), nullable=False)
    time_limit_days: Mapped[int] = mapped_column(Integer, nullable=False)
    definition = mapped_column(JSONType, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    def display_name(self, locale: str) -> str:
        """The service's name in the given UI language."""
        return self.name_en if locale == "en" else self.name_zh

    @property
    def retention_days(self) -> int:
        """How many days a closed case of this service keeps its personal data and files
        (`retention_days` in workflows/services.json)."""
        return int((self.definition or {}).get("retention_days") or DEFAULT_RETENTION_DAYS)

    @property
    def promised_days(self) -> int:
        """The promised limit (承诺时限) the guide publishes; never longer than the statutory."""
        promised = (self.definition or {}).get("promised_days") or self.time_limit_days
        return min(int(promised), self.time_limit_days)


class ServiceVersion(db.Model):
    """One version of a service's definition edited in the browser: a draft an admin saves,
    then publishes (copied onto its `Service`); the one published before is retired.

    `definition` holds everything the service is: names, category and theme, the guide,
    materials, time limits, the process it runs on, and its application form (the schema
    itself, not a file name). A new service exists only as drafts until first published.
    """

    __tablename__ = "service_version"
    __table_args__ = (UniqueConstraint("service_code", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_code: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    definition = mapped_column(JSONType, nullable=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    published_at = mapped_column(UTCDateTime)


class TaskForm(db.Model):
    """A task form (what a clerk fills in at a step of a process) edited in the browser; it
    takes the place of the file `forms/tasks/<name>.json` of the same name, if any.
    `version` counts the saves; every save is audited with it."""

    __tablename__ = "task_form"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    schema = mapped_column(JSONType, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class ProcessVersion(db.Model):
    """One deployed version of a BPMN process; the spec is stored once, here."""

    __tablename__ = "process_version"
    __table_args__ = (
        UniqueConstraint("process_id", "version"),
        UniqueConstraint("process_id", "content_hash"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    source_files = mapped_column(JSONType, nullable=False)  # {filename: xml text}
    spec_json: Mapped[str] = mapped_column(Text, nullable=False)
    info = mapped_column(JSONType, nullable=False, default=dict)  # lanes, tasks, warnings
    is_current: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    deployed_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    deployed_by = relationship("User")


class Holiday(db.Model):
    """A calendar exception: a public holiday, or a make-up working day (调休) if is_workday."""

    __tablename__ = "holiday"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    is_workday: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
