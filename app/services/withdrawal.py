"""Withdrawal (撤回): the applicant takes back a submitted case before it is decided.

One use case: the case's workflow is terminated (its open tasks leave the clerks' queues,
its timers stop), the case becomes `withdrawn`, and a `withdrawn` step tells the timeline
(clerks see it, with the applicant's reason) and the applicant (a notification). A decided
case cannot be withdrawn. When the applicant's withdrawal and a clerk's final decision meet,
exactly one of them wins: the case's status changes only from a still-open status
(a conditional UPDATE, as `applications.submit` does), and the loser is told why.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from app import uow
from app.domain import events
from app.domain.errors import Conflict, NotFound
from app.extensions import db
from app.models import Application, ApplicationStatus, User
from app.services import agents
from app.workflow import runtime

# Statuses from which a case may still be withdrawn: submitted and not yet decided.
WITHDRAWABLE = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.CORRECTION,
)
REASON_MAX = 500


def can_withdraw(application: Application) -> bool:
    """Whether the case page offers the withdrawal (the use case checks again)."""
    return application.status in WITHDRAWABLE


@uow.use_case
def withdraw(citizen: User, application: Application, reason: str = "") -> Application:
    """Withdraw `citizen`'s undecided case, with an optional reason."""
    if application.citizen_id != citizen.id:
        raise NotFound("application_not_found", _l("No such application."))
    agents.require_may_act(citizen, application)
    _refuse_unless_withdrawable(application)
    reason = " ".join((reason or "").split())[:REASON_MAX]
    instance = application.instance
    if instance is not None:
        # Locks the case's tasks and workflow first, as a clerk's decision does.
        try:
            runtime.terminate(instance.id, reason, actor=citizen)
        except Conflict as exc:
            if exc.code != "concurrent_advance":
                raise
            uow.rollback()  # the case moved meanwhile: if it was decided, say so
            db.session.refresh(application)
            _refuse_unless_withdrawable(application)
            raise
    else:  # a case whose workflow never started: nothing to stop, the step is still told
        events.case_step(application, "withdrawn", actor=citizen, message=reason or None)
    res = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.status.in_(WITHDRAWABLE))
        .values(status=ApplicationStatus.WITHDRAWN)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(application)
    if res.rowcount != 1:  # decided (or withdrawn) meanwhile: undo the termination
        _refuse_unless_withdrawable(application)
        raise Conflict("not_withdrawable", _l("This case can no longer be withdrawn."))
    return application


def _refuse_unless_withdrawable(application: Application) -> None:
    status = application.status
    if status in WITHDRAWABLE:
        return
    if status == ApplicationStatus.WITHDRAWN:
        raise Conflict("already_withdrawn", _l("This case has already been withdrawn."))
    if status == ApplicationStatus.DRAFT:
        raise Conflict(
            "not_submitted",
            _l("This application has not been submitted; you can delete the draft instead."),
        )
    raise Conflict(
        "already_decided",
        _l("This case has already been decided and can no longer be withdrawn."),
    )
