"""Who is told what, when a case moves: in-app notifications, plus their SMS/e-mail deliveries.

Triggers are reactions to case events (app/services/case_events.py): case steps of the few
kinds in `EVENT_KINDS` reach `on_event` (every other kind stays a single timeline INSERT),
and a task with a preset assignee reaches `task_assigned`. Citizens hear about submission, problems
the auto-review found, corrections asked for (补正), the decision and their own withdrawal;
department leads hear about escalated cases; a clerk hears about a task assigned to them by
name. New tasks in a department's queue are deliberately not notified one by one.

Texts are written once, in the recipient's language, when the notification is created, in
the use case's transaction: a rolled-back action notifies nobody. SMS and e-mail go out later
from background jobs (`app/services/delivery.py`); they never block or fail the action.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, update
from sqlalchemy.orm import Session, selectinload

from app import uow
from app.domain.errors import NotFound
from app.domain.names import localized_name
from app.extensions import db
from app.jobs import queue
from app.models import (
    Application,
    Department,
    HumanTask,
    Notification,
    NotificationDelivery,
    TaskStatus,
    User,
    utcnow,
)
from app.services import channels

log = logging.getLogger(__name__)

# The case-step kinds that may notify someone (app/services/case_events.py asks).
EVENT_KINDS = frozenset(
    {
        "submitted",
        "auto_review",
        "task_done",
        "notified",
        "decided",
        "escalated",
        "withdrawn",
        "suspended",
        "resumed",
        "terminated",
    }
)
# `notify` operator templates whose news another trigger already tells (with more detail):
# the decision notifies on its own; a correction request is deduplicated by title.
_TOLD_BY_DECISION = frozenset({"application_rejected", "application_approved"})
_SENT_KEY = "onewindow_notified"  # (recipient, case, kind, title) already notified this transaction
_LIVE = (TaskStatus.OPEN, TaskStatus.CLAIMED)


# ---------------------------------------------------------------- triggers


def on_event(
    application_id: int,
    kind: str,
    *,
    department_id: int | None = None,
    message: str | None = None,
    data: dict | None = None,
) -> None:
    """React to a case step of one of `EVENT_KINDS` (the reaction in case_events.py)."""
    data = data or {}
    if kind == "task_done" and data.get("outcome") != "correction":
        return
    if kind == "auto_review" and not data.get("problems"):
        return
    if kind == "notified" and data.get("template") in _TOLD_BY_DECISION:
        return
    application = db.session.get(Application, application_id)
    if application is None:
        return
    if kind == "escalated":
        _escalated(application, department_id)
        return
    compose = (
        _plain(kind)
        if kind in _PLAIN
        else {"task_done": _correction, "decided": _decided, "notified": _process_notice}[kind]
    )
    kind_out, texts = compose(application, department_id=department_id, message=message, data=data)
    send(
        application.citizen,
        kind_out,
        texts,
        link=_path("portal.case", application_id=application.id),
        application=application,
    )


def task_assigned(task: HumanTask) -> None:
    """A new task names its clerk (a preset assignee): tell that clerk."""
    clerk = db.session.get(User, task.assignee_id)
    if clerk is None:
        return
    if task.id is None:
        db.session.flush()  # the link needs the task's id (rare: only preset assignees)
    application = db.session.get(Application, task.application_id)

    def texts():
        name = localized_name(task.name)
        return (
            _("Assigned to you: %(task)s", task=name),
            _(
                "Case %(number)s (%(service)s) is assigned to you: %(task)s.",
                number=application.case_number,
                service=_service(application),
                task=name,
            ),
        )

    send(
        clerk,
        "task_assigned",
        texts,
        link=_path("clerk.task", task_id=task.id),
        application=application,
    )


def _escalated(application: Application, department_id: int | None) -> None:
    if department_id is None:
        return
    leads = (
        db.session.execute(
            db.select(User).where(
                User.department_id == department_id, User.is_lead.is_(True), User.active.is_(True)
            )
        )
        .scalars()
        .all()
    )
    if not leads:
        return
    task_id = db.session.execute(
        db.select(HumanTask.id)
        .where(
            HumanTask.application_id == application.id,
            HumanTask.department_id == department_id,
            HumanTask.status.in_(_LIVE),
        )
        .order_by(HumanTask.id.desc())
        .limit(1)
    ).scalar()
    link = _path("clerk.task", task_id=task_id) if task_id else _path("clerk.queue")

    def texts():
        return (
            _("Escalated: case %(number)s is overdue", number=application.case_number),
            _(
                "The review of case %(number)s (%(service)s) in your department is overdue "
                "and has been escalated to you.",
                number=application.case_number,
                service=_service(application),
            ),
        )

    for lead in leads:
        send(lead, "escalated", texts, link=link, application=application)


# The citizen's plain notices: (kind sent, title, body). Placeholders: %(number)s the case
# number, %(service)s the service's name, %(reason)s the event's message, %(count)d the
# number of problems the auto-review found. Texts are filled in the recipient's language.
_PLAIN = {
    # Submitted is not accepted (受理): the department has not looked at the case yet.
    "submitted": (
        "case_submitted",
        _l("Application submitted: %(number)s"),
        _l(
            "Your application for %(service)s has been submitted and awaits acceptance by the "
            "department. Case number: %(number)s. You will be told here when it moves on."
        ),
    ),
    "withdrawn": (
        "case_withdrawn",
        _l("Withdrawn: %(number)s"),
        _l(
            "Your application for %(service)s (case %(number)s) has been withdrawn at your "
            "request. It will not be processed further."
        ),
    ),
    "suspended": (
        "case_suspended",
        _l("Processing suspended: %(number)s"),
        _l(
            "Processing of your application for %(service)s (case %(number)s) is suspended. "
            "Reason: %(reason)s. You will be told when it resumes."
        ),
    ),
    "resumed": (
        "case_resumed",
        _l("Processing resumed: %(number)s"),
        _l("Processing of your application for %(service)s (case %(number)s) has resumed."),
    ),
    "terminated": (
        "case_terminated",
        _l("Case ended: %(number)s"),
        _l(
            "Processing of your application for %(service)s (case %(number)s) has been ended "
            "by the agency. Reason: %(reason)s."
        ),
    ),
    "auto_review": (
        "review_problems",
        _l("Possible problems in your materials: %(number)s"),
        _l(
            "The automatic check found %(count)d possible problem(s) in the materials of case "
            "%(number)s. Open the case to see each one; the clerks will look at them too."
        ),
    ),
}


def _plain(kind: str):
    kind_out, title, body = _PLAIN[kind]

    def compose(application, *, message=None, data=None, **_kw):
        def texts():
            values = {
                "number": application.case_number,
                "service": _service(application),
                "reason": message or "",
                "count": int((data or {}).get("problems") or 0),
            }
            return str(title) % values, str(body) % values

        return kind_out, texts

    return compose


def _correction(application, *, department_id=None, message=None, data=None, **_kw):
    items = (data or {}).get("items") or message or ""

    def texts():
        title = _("Corrections needed: %(number)s", number=application.case_number)
        dept = db.session.get(Department, department_id) if department_id else None
        if dept is not None:
            body = _(
                "%(department)s asks you to correct application %(number)s: %(items)s",
                department=dept.display_name(_locale()),
                number=application.case_number,
                items=items,
            )
        else:
            body = _(
                "Please correct application %(number)s: %(items)s",
                number=application.case_number,
                items=items,
            )
        return title, body

    return "correction_requested", texts


def _decided(application, *, message=None, **_kw):
    if (application.decision or message) == "approved":

        def texts():
            body = (
                _(
                    "Your application for %(service)s has been approved. Certificate number: "
                    "%(certificate)s.",
                    service=_service(application),
                    certificate=application.certificate_number,
                )
                if application.certificate_number
                else _(
                    "Your application for %(service)s has been approved.",
                    service=_service(application),
                )
            )
            return _("Approved: %(number)s", number=application.case_number), body

        return "case_approved", texts

    def rejected():
        reasons = (application.decision_comment or "").strip()
        body = (
            _(
                "Your application for %(service)s was not approved. Reasons: %(reasons)s",
                service=_service(application),
                reasons=reasons,
            )
            if reasons
            else _(
                "Your application for %(service)s was not approved. Open the case for details.",
                service=_service(application),
            )
        )
        return _("Not approved: %(number)s", number=application.case_number), body

    return "case_rejected", rejected


def _process_notice(application, *, message=None, data=None, **kw):
    if (data or {}).get("template") == "correction_requested":
        return _correction(application, message=message, data=data)
    return "notice", lambda: (
        _("Notice about case %(number)s", number=application.case_number),
        message or _("There is news about your case %(number)s.", number=application.case_number),
    )


# ---------------------------------------------------------------- creating one notification


def send(
    user: User, kind: str, texts, *, link: str | None = None, application: Application | None = None
) -> Notification | None:
    """Create `user`'s notification, in their language, and queue its outside deliveries.

    `texts()` returns (title, body): it is called under each language of the site, so the
    inbox shows it in the reader's language of the moment; SMS and e-mail carry the
    recipient's preferred language (their account setting). The same
    title to the same person about the same case is sent once per transaction (a clerk's
    correction request and the process's own notice of it are one message). A failure to
    compose the texts is logged and notifies nobody; it never fails the caller's action.
    """
    if user is None or not user.active:
        return None
    key = (user.id, getattr(application, "id", None), kind)
    try:
        written = {}
        for lang in current_app.config["LANGUAGES"]:
            with force_locale(lang):
                title, body = texts()
                written[lang] = [str(title)[:255], str(body)[:4000]]
        with force_locale(locale_for(user)):
            title, body = written.get(locale_for(user)) or next(iter(written.values()))
            contents = _channel_contents(user, title, body, link)
    except Exception:  # noqa: BLE001 — a broken text must not stop a clerk's decision
        log.exception("could not compose notification %s for user %s", kind, user.id)
        return None
    sent = db.session.info.setdefault(_SENT_KEY, set())
    if key + (title,) in sent:
        return None
    sent.add(key + (title,))
    note = Notification(
        recipient_id=user.id,
        kind=kind,
        title=title,
        body=body,
        texts=written,
        link=link,
        application_id=getattr(application, "id", None),
        created_at=utcnow(),
    )
    for channel, address, backend, content in contents:
        note.deliveries.append(
            NotificationDelivery(channel=channel, address=address, backend=backend, content=content)
        )
    db.session.add(note)
    if note.deliveries:
        db.session.flush()
        for delivery in note.deliveries:
            queue.enqueue("notification_delivery", delivery_id=delivery.id)
    return note


def _channel_contents(user: User, title: str, body: str, link: str | None) -> list[tuple]:
    """(channel, address, backend, text) for each registered channel the user can be reached on.

    A channel whose backend setting is `off`, or on which the user has no address, is skipped.
    """
    cfg = current_app.config
    url = (cfg["PUBLIC_URL"].rstrip("/") + link) if cfg.get("PUBLIC_URL") and link else None
    message = channels.Message(
        recipient=user, title=title, body=body, link=link, url=url, locale=_locale()
    )
    out = []
    for channel in channels.registered():
        backend = channel.backend_name(cfg)
        address = channel.address_of(user)
        if address and backend != channels.OFF:
            out.append((channel.name, address, backend, channel.content_for(message)))
    return out


def locale_for(user: User) -> str:
    """The language to write to `user` in: their preferred one, else the default (Chinese)."""
    langs = current_app.config["LANGUAGES"]
    return (
        user.preferred_locale
        if user.preferred_locale in langs
        else current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def _service(application: Application) -> str:
    return application.service.display_name(_locale())


def task_link(task_id: int) -> str:
    """The path of a clerk's task page (for notifications about a task)."""
    return _path("clerk.task", task_id=task_id)


def _path(endpoint: str, **values) -> str:
    """A local URL path for `endpoint`, also outside a request (jobs, timers)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_sent(session):
    session.info.pop(_SENT_KEY, None)


# ---------------------------------------------------------------- the inbox


def unread_count(user: User) -> int:
    """How many of `user`'s notifications are unread (the header bell)."""
    return db.session.execute(
        db.select(func.count())
        .select_from(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
    ).scalar()


def inbox(user: User, *, page: int = 1, per_page: int = 30) -> tuple[list[Notification], bool]:
    """A page of `user`'s notifications, newest first, and whether an older page exists."""
    page = max(1, page)
    rows = list(
        db.session.execute(
            db.select(Notification)
            .where(Notification.recipient_id == user.id)
            .options(selectinload(Notification.deliveries))
            .order_by(Notification.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
        ).scalars()
    )
    return rows[:per_page], len(rows) > per_page


@uow.use_case
def open_notification(user: User, notification_id: int) -> Notification:
    """`user`'s own notification, marked read. Someone else's is NotFound."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.recipient_id != user.id:
        from flask_babel import lazy_gettext as _l

        raise NotFound("notification_not_found", _l("No such notification."))
    if note.read_at is None:
        note.read_at = utcnow()
    return note


@uow.use_case
def mark_all_read(user: User) -> int:
    """Mark every unread notification of `user` read; returns how many."""
    res = db.session.execute(
        update(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return res.rowcount
