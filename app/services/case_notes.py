"""Internal case notes: clerks of the departments that handle a case leave each other notes
on it ("called the applicant, lease follows on Monday"). Notes are for staff only: no
page of the applicant reads this table.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app import uow
from app.domain.errors import Forbidden, ValidationFailed
from app.extensions import db
from app.models import Application, CaseNote, User, utcnow
from app.services.approvals import can_view_case

NOTE_MAX_LENGTH = 2000


def _check_staff(user: User, application: Application) -> None:
    if not user.is_clerk or not can_view_case(user, application):
        raise Forbidden("not_your_case", _l("Your department does not handle this case."))


def notes(user: User, application: Application) -> list[CaseNote]:
    """The case's notes, oldest first, with author and department (for clerks of a
    department that handles the case)."""
    _check_staff(user, application)
    return list(
        db.session.execute(
            db.select(CaseNote)
            .options(joinedload(CaseNote.author), joinedload(CaseNote.department))
            .where(CaseNote.application_id == application.id)
            .order_by(CaseNote.id)
        ).scalars()
    )


@uow.use_case
def add_note(user: User, application: Application, body: str) -> CaseNote:
    """Leave an internal note on the case."""
    _check_staff(user, application)
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": _l("Please write the note.")})
    if len(body) > NOTE_MAX_LENGTH:
        raise ValidationFailed({"body": _l("At most %(n)d characters.", n=NOTE_MAX_LENGTH)})
    note = CaseNote(
        application_id=application.id,
        author_id=user.id,
        department_id=user.department_id,
        body=body,
        created_at=utcnow(),
    )
    db.session.add(note)
    db.session.flush()
    return note
