"""The case timeline: the rows that record a case's steps, and reading them back.

Steps are recorded as events (`app.domain.events.case_step`); `write` is the reaction that
stores one (app/services/case_events.py), in the transaction of the use case that recorded it.
Clerks read every step (`events`); the applicant reads only the public ones
(`public_events`, the kinds in `PUBLIC_STEP_KINDS`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import uow
from app.domain.events import INTERNAL_STEP_KINDS, PUBLIC_STEP_KINDS, CaseStep
from app.extensions import db
from app.models import Application, CaseEvent

# One INSERT built once; written straight away rather than through the ORM's unit of work,
# which keeps the flush at commit empty on the hot path of clerks' decisions.
_INSERT = db.insert(CaseEvent.__table__)
# session.info: rows written by `write`, not sent yet (sent at commit, see the end)
_PENDING = "onewindow_pending_case_events"


def write(step: CaseStep) -> None:
    """Store one case step as a timeline row.

    The rows of a transaction are sent together, in order, in one INSERT (executemany) when
    it commits, or earlier as soon as anything in it reads or changes the timeline
    (`uow.send_at_commit`): a use case still reads its own steps back."""
    db.session.info.setdefault(_PENDING, []).append(
        {
            "application_id": step.application_id,
            "kind": step.kind,
            "actor_id": step.actor_id,
            "department_id": step.department_id,
            "message": step.message,
            "data": step.data,
            "at": step.at,
        }
    )


def send_pending(session: Session | None = None) -> None:
    """Send the timeline rows written so far in this transaction (normally done at commit)."""
    _send(session or db.session())


def _send(session: Session) -> None:
    rows = session.info.pop(_PENDING, None)
    if rows:
        session.execute(_INSERT, rows)


uow.send_at_commit(_PENDING, _send, read_by=(CaseEvent,))


def events(application: Application, *, internal: bool = True) -> list[CaseEvent]:
    """The case's events in order, as clerks read them; without the clerks' own working
    steps (`INTERNAL_STEP_KINDS`: a task taken, given back, reassigned) if `internal=False`."""
    query = db.select(CaseEvent).where(CaseEvent.application_id == application.id)
    if not internal:
        query = query.where(CaseEvent.kind.not_in(sorted(INTERNAL_STEP_KINDS)))
    return list(db.session.execute(query.order_by(CaseEvent.at, CaseEvent.id)).scalars())


def public_events(application: Application) -> list[CaseEvent]:
    """The case's public steps in order: what its applicant is shown (no internal steps)."""
    return list(
        db.session.execute(
            db.select(CaseEvent)
            .where(
                CaseEvent.application_id == application.id,
                CaseEvent.kind.in_(sorted(PUBLIC_STEP_KINDS)),
            )
            .order_by(CaseEvent.at, CaseEvent.id)
        ).scalars()
    )
