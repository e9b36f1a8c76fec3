"""告知承诺: a material replaced by a signed declaration, and its check afterwards (事后核查).

A material declared `"declarable": {"zh": …, "en": …}` (forms/<service>.json) may be given
as a declaration instead of a file: the applicant reads the commitment's text, ticks that
they make it, and the text as shown, the time and who made it are recorded in place of the
file. The clerks of the departments that handle the case see it on the task page, and keep
a list of the declarations still to check after the decision; each is marked checked —
true, or false with a note saying what was found.
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app import uow
from app.domain import events
from app.domain.errors import DomainError, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.models import Application, HumanTask, User, utcnow
from app.models.materials import (
    BY_DECLARATION,
    CHECK_FALSE,
    CHECK_OK,
    CHECK_PENDING,
    MaterialSubstitute,
)
from app.services import material_rules

NOTE_MAX = 1000
CHECK_OUTCOMES = (CHECK_OK, CHECK_FALSE)
CHECK_LABELS = {
    CHECK_PENDING: _l("To be checked"),
    CHECK_OK: _l("Checked: true"),
    CHECK_FALSE: _l("Checked: false declaration"),
}


@uow.use_case
def declare(application: Application, slot: str, agreed: bool, actor: User) -> MaterialSubstitute:
    """The applicant signs the commitment of `slot` instead of uploading its file."""
    material_rules.require_draft(application)
    m = material_rules.material(application.service, slot)
    if not m.get("declarable"):
        raise DomainError(
            "slot_not_declarable", _l("This material cannot be replaced by a declaration.")
        )
    if not agreed:
        raise ValidationFailed(
            {f"declare:{slot}": _l("Tick the box to make the declaration, or upload the file.")}
        )
    locale = str(get_locale() or "zh")
    return material_rules.put(
        application,
        slot,
        BY_DECLARATION,
        actor,
        statement=material_rules.declaration_text(m, locale),
        check_status=CHECK_PENDING,
    )


def _visible(clerk: User):
    """Declarations on submitted cases that have a task in the clerk's department (all of
    them for an administrator)."""
    query = (
        db.select(MaterialSubstitute)
        .join(Application, Application.id == MaterialSubstitute.application_id)
        .where(MaterialSubstitute.kind == BY_DECLARATION, Application.case_number.is_not(None))
    )
    if not clerk.is_admin:
        query = query.where(
            db.select(HumanTask.id)
            .where(
                HumanTask.application_id == Application.id,
                HumanTask.department_id == clerk.department_id,
            )
            .exists()
        )
    return query


def to_check(clerk: User, status: str | None = CHECK_PENDING, limit: int = 200) -> list:
    """The declarations the clerk's department is to check (or has checked: `status`),
    oldest first, each with the id of the department's latest task on its case (None for
    an administrator) as `(declaration, task_id)`."""
    if not (clerk.is_clerk or clerk.is_admin):
        raise Forbidden("not_staff", _l("Only clerks check declarations."))
    latest_task = (
        db.select(db.func.max(HumanTask.id))
        .where(
            HumanTask.application_id == MaterialSubstitute.application_id,
            HumanTask.department_id == clerk.department_id,
        )
        .scalar_subquery()
    )
    query = _visible(clerk).add_columns(latest_task)
    if status:
        query = query.where(MaterialSubstitute.check_status == status)
    return [
        (sub, task_id)
        for sub, task_id in db.session.execute(query.order_by(MaterialSubstitute.id).limit(limit))
    ]


@uow.use_case
def record_check(clerk: User, substitute_id: int, outcome: str, note: str) -> MaterialSubstitute:
    """Mark a declaration checked: `ok` (true) or `false` (with a note saying what was
    found). A declaration already checked may be checked again (the latest check counts)."""
    if not (clerk.is_clerk or clerk.is_admin):
        raise Forbidden("not_staff", _l("Only clerks check declarations."))
    sub = db.session.execute(_visible(clerk).where(MaterialSubstitute.id == substitute_id)).scalar()
    if sub is None:
        raise NotFound("declaration_not_found", _l("No such declaration."))
    note = (note or "").strip()
    errors = {}
    if outcome not in CHECK_OUTCOMES:
        errors["outcome"] = _l("Choose whether the declaration was true or false.")
    if outcome == CHECK_FALSE and not note:
        errors["note"] = _l("Say what the check found.")
    if len(note) > NOTE_MAX:
        errors["note"] = _l("At most %(n)d characters.", n=NOTE_MAX)
    if errors:
        raise ValidationFailed(errors)
    sub.check_status = outcome
    sub.check_note = note or None
    sub.checked_at = utcnow()
    sub.checked_by = clerk
    events.audited(
        "decide",
        actor=clerk,
        object_type="declaration",
        object_id=sub.id,
        details={"case": sub.application.case_number, "slot": sub.slot, "outcome": outcome},
    )
    return sub


def check_label(status: str | None) -> str:
    """A declaration's check status in the page's language."""
    return str(CHECK_LABELS.get(status or CHECK_PENDING, status))
