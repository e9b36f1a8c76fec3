"""The public progress lookup (办件查询): a case number and its query code, no log-in.

The query code is given to a case when it is submitted (`give_query_code`, with the
receipt that prints it) and shown on the citizen's case page. A lookup shows the service,
the status and only the public steps of the case (`LOOKUP_STEP_KINDS`): who handled it
internally, auto-review results, incidents, messages and the applicant's data stay hidden.

A wrong code and an unknown case number give the same answer (None), so the form tells
nobody which case numbers exist. Each such miss counts against the client address
(`LOOKUP_MAX_FAILURES` per `LOOKUP_WINDOW_SECONDS`, kept in the log-in throttle table under
`lookup:` keys); an address that has spent its budget is refused (`LookupThrottled`, 429)
until the window ends, even with the right code, so guessing cannot go on.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from app import uow
from app.domain.errors import DomainError
from app.extensions import db
from app.models import Application, CaseEvent, Department, LoginThrottle, utcnow

QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read off paper
QUERY_CODE_LENGTH = 8  # 32**8 ≈ 10**12 codes per case number, guessed under a throttle
# Steps anyone holding the query code may see: fewer than the applicant's own timeline
# (app/domain/events.py PUBLIC_STEP_KINDS), which also has notices, ratings and incidents.
# A `task_done` is shown only when it asked for corrections (补正), as "corrections
# requested", without its text.
LOOKUP_STEP_KINDS = frozenset(
    {
        "submitted",
        "accepted",
        "deemed_accepted",
        "intake_refused",
        "extended",
        "correction_submitted",
        "decided",
        "certificate_issued",
        "withdrawn",
    }
)
CORRECTION_REQUESTED = "correction_requested"  # the public name of a task_done(correction)
_DUMMY_CODE = "X" * QUERY_CODE_LENGTH  # compared against when the case number is unknown


class LookupThrottled(DomainError):
    """This address failed too many lookups in the current window."""

    status = 429


@dataclass(frozen=True)
class PublicStep:
    """One step of a case as the public lookup shows it."""

    kind: str  # a LOOKUP_STEP_KINDS member or CORRECTION_REQUESTED
    at: datetime
    department: Department | None
    outcome: str | None  # approved / rejected for `decided`


@dataclass(frozen=True)
class PublicCase:
    """What the lookup tells about a case: nothing about the applicant."""

    case_number: str
    service_name_zh: str
    service_name_en: str
    status: str
    submitted_at: datetime | None
    due_at: datetime | None
    steps: list[PublicStep]

    def service_name(self, locale: str) -> str:
        """The service's name in the page's language."""
        return self.service_name_en if locale == "en" else self.service_name_zh


def new_query_code() -> str:
    """A random query code (8 characters that cannot be misread)."""
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def give_query_code(application: Application) -> str:
    """The case's query code, created the first time (at submission). Part of the caller's
    unit of work."""
    if not application.query_code:
        application.query_code = new_query_code()
    return application.query_code


def normalise_query_code(raw: str | None) -> str:
    """What was typed, as stored: upper case, without spaces and hyphens."""
    return re.sub(r"[\s-]+", "", raw or "").upper()[:32]


def normalise_case_number(raw: str | None) -> str:
    """A typed case number, upper case without spaces."""
    return re.sub(r"\s+", "", raw or "").upper()[:32]


def is_public(event: CaseEvent) -> bool:
    """Whether a timeline row may be shown to the public."""
    if event.kind == "task_done":
        return (event.data or {}).get("outcome") == "correction"
    return event.kind in LOOKUP_STEP_KINDS


def public_steps(application: Application) -> list[PublicStep]:
    """The case's public steps, oldest first."""
    rows = db.session.execute(
        db.select(CaseEvent)
        .where(CaseEvent.application_id == application.id)
        .order_by(CaseEvent.at, CaseEvent.id)
    ).scalars()
    return [
        PublicStep(
            kind=CORRECTION_REQUESTED if row.kind == "task_done" else row.kind,
            at=row.at,
            department=row.department,
            outcome=row.message if row.kind == "decided" else None,
        )
        for row in rows
        if is_public(row)
    ]


@uow.use_case
def find_case(case_number: str, query_code: str, client_addr: str | None) -> PublicCase | None:
    """The public view of the case with this number and query code, or None for any miss
    (unknown number or wrong code alike). Raises LookupThrottled for an address that has
    missed too often in the current window."""
    now = utcnow()
    key = _address_key(client_addr or "unknown", now)
    row = db.session.get(LoginThrottle, key)
    if row is not None and row.failures >= current_app.config["LOOKUP_MAX_FAILURES"]:
        raise LookupThrottled(
            "lookup_throttled",
            _l("Too many lookups that found nothing. Try again in %(minutes)d minutes.",
               minutes=_minutes_left(key, now)),
        )  # fmt: skip
    number = normalise_case_number(case_number)
    code = normalise_query_code(query_code)
    application = (
        db.session.execute(db.select(Application).where(Application.case_number == number))
        .scalars()
        .first()
        if number
        else None
    )
    stored = (application.query_code if application else None) or _DUMMY_CODE
    if application is None or not hmac.compare_digest(stored.encode(), code.encode()):
        _count_miss(key, row is None, now)
        return None
    return PublicCase(
        case_number=application.case_number,
        service_name_zh=application.service.name_zh,
        service_name_en=application.service.name_en,
        status=application.status.value,
        submitted_at=application.submitted_at,
        due_at=application.due_at,
        steps=public_steps(application),
    )


def _window_seconds() -> int:
    return current_app.config["LOOKUP_WINDOW_SECONDS"]


def _address_key(client_addr: str, now) -> str:
    return f"lookup:{client_addr[:100]}:{int(now.timestamp()) // _window_seconds()}"


def _minutes_left(key: str, now) -> int:
    ends = (int(key.rsplit(":", 1)[1]) + 1) * _window_seconds() - now.timestamp()
    return int(ends // 60) + 1


def _count_miss(key: str, new_window: bool, now) -> None:
    """One more miss for the address in this window, counted in the database (parallel
    misses are each counted); a new window first forgets the windows that have ended."""
    if new_window:
        db.session.execute(
            db.delete(LoginThrottle).where(
                LoginThrottle.key.startswith("lookup:"),
                LoginThrottle.updated_at < now - timedelta(seconds=_window_seconds()),
            )
        )
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(LoginThrottle)
        .values(key=key, failures=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key)
        .values(failures=LoginThrottle.failures + 1, updated_at=now)
    )
