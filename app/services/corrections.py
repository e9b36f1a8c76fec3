"""Corrections (补正): a department asks for better materials, the citizen answers once.

The request is a clerk's task outcome ("correction") with the items to correct; the answer
replaces files slot by slot and resumes the case through a BPMN message event
(`correction_submitted`), correlated by case number.
"""

from __future__ import annotations

from functools import partial

from flask_babel import lazy_gettext as _l

from app import uow
from app.domain import events
from app.domain.errors import Conflict, DomainError, ValidationFailed
from app.extensions import db
from app.models import Application, ApplicationStatus, CaseEvent
from app.services import agents, applications, uploads
from app.workflow import runtime

MESSAGE = "correction_submitted"


def open_request(application: Application) -> CaseEvent | None:
    """The latest correction request while the case waits for the citizen, else None."""
    if application.status != ApplicationStatus.CORRECTION:
        return None
    return (
        db.session.execute(
            db.select(CaseEvent)
            .where(CaseEvent.application_id == application.id, CaseEvent.kind == "task_done")
            .order_by(CaseEvent.id.desc())
        )
        .scalars()
        .first()
    )


@uow.use_case
def submit(application: Application, note: str, files: list[tuple[str, str, bytes]]) -> None:
    """Store the replacement files and resume the case, or nothing at all (a company's
    case only while its submitter may still act for the company)."""
    agents.require_may_act(application.citizen, application)
    if application.status != ApplicationStatus.CORRECTION:
        raise Conflict("no_correction", _l("No correction is requested for this case now."))
    note = (note or "").strip()
    if not note and not files:
        raise ValidationFailed(
            {"note": _l("Upload the corrected materials or explain what you changed.")}
        )
    if len(note) > 2000:
        raise ValidationFailed({"note": _l("At most %(n)d characters.", n=2000)})
    for _slot, name, data in files:  # refuse a bad file before storing any
        uploads.check_content(data, name)
    added = [
        applications.store_attachment(application, slot, name, data, supersede=True)
        for slot, name, data in files
    ]
    events.case_step(
        application,
        "correction_submitted",
        actor=application.citizen,
        message=note,
        data={"attachments": [a.id for a in added]},
    )
    try:
        runtime.deliver_message_for_case(
            application.case_number,
            MESSAGE,
            {"note": note, "attachments": [{"id": a.id, "slot": a.slot} for a in added]},
        )
    except runtime.CaseStuck as stuck:
        # Nothing half-saved (the stored files go too): the citizen may send it again later.
        uow.on_failure(partial(runtime.record_incident, stuck))
        raise DomainError(
            "case_stuck",
            _l(
                "Your corrections could not be processed right now. "
                "Nothing was saved; administrators have been "
                "alerted. Please try again later."
            ),
        ) from stuck
