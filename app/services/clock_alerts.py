"""Clock alerts pushed by the scheduler (Administrative Licensing Law Art. 42): the people
who hold a case hear when its promised date comes near (yellow), when it has passed (red) and
when the statutory limit has passed (overdue), once per level and task.

The case page shows the same alert whenever it is opened (`app.domain.clock.alert`); this
module makes sure nobody has to open it to find out. Yellow goes to the clerk holding the
task, or to the department's leads while nobody holds it; red and overdue go to the holder
and the leads. Each live task remembers the last level it was told (`clock_alert_sent`),
so a tick that runs again tells nobody twice, and a clock that was extended (back to green)
starts over only above the level already told.
"""

from __future__ import annotations

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import case, func, or_
from sqlalchemy.orm import selectinload

from app import uow
from app.domain import calendar, clock
from app.extensions import db
from app.models import Application, HumanTask, TaskStatus, User, utcnow
from app.services import notifications

LEVELS = {"yellow": 1, "red": 2, "overdue": 3}


def _levels(now, near):
    """The alert level of each case's clock (`clock.alert`'s rules, as SQL: 3 overdue, 2 red,
    1 yellow once the promised date is `near`, 0 otherwise) and the level each task was told
    (`clock_alert_sent`, 0 none)."""
    promised = func.coalesce(Application.promised_due_at, Application.due_at)
    reached = case(
        (Application.due_at < now, 3),
        (promised < now, 2),
        (promised <= near, 1),
        else_=0,
    )
    told = case(*((HumanTask.clock_alert_sent == name, n) for name, n in LEVELS.items()), else_=0)
    return reached, told


@uow.use_case
def push_due_alerts(now=None) -> int:
    """Tell the holders (and leads) of every live task whose case's clock reached a level
    they have not been told yet; returns how many tasks were told.

    Only those tasks are read. The scheduler runs this every few seconds, and it read every
    live task of every case due within two weeks, with its case, to compare the levels in
    Python: 4.7-7.3 s a round with 100,000 cases running and 54,373 of their tasks told
    already (`benchmarks/clerk_queue.py`), 85-116 ms now.
    The cases whose clock can have reached a level are found by their due dates
    (`ix_application_running_promised`, `ix_application_running_due`); each live task of
    theirs is read only when its case's level is above the level it was told."""
    now = now or utcnow()
    near = calendar.add_working_days(now, clock.YELLOW_DAYS)  # yellow from here on
    reached, told = _levels(now, near)
    tasks = db.session.execute(
        db.select(HumanTask)
        .join(Application, HumanTask.application_id == Application.id)
        .where(
            HumanTask.status.in_((TaskStatus.OPEN, TaskStatus.CLAIMED)),
            HumanTask.department_id.is_not(None),
            Application.accepted_at.is_not(None),
            Application.decided_at.is_(None),
            Application.clock_paused_at.is_(None),
            # a level is reached only once a due date is this near (read from the indexes)
            or_(Application.promised_due_at <= near, Application.due_at <= near),
            reached > told,
        )
        .options(selectinload(HumanTask.application), selectinload(HumanTask.assignee))
        .order_by(HumanTask.id)
    ).scalars()
    told_tasks = 0
    leads_of: dict[int, list[User]] = {}
    for task in tasks:
        level = clock.alert(task.application, now)
        if LEVELS.get(level, 0) <= LEVELS.get(task.clock_alert_sent, 0):
            continue
        if task.department_id not in leads_of:
            leads_of[task.department_id] = _leads(task.department_id)
        for user in _recipients(task, level, leads_of[task.department_id]):
            notifications.send(
                user,
                "clock_alert",
                _texts(task.application, level),
                link=notifications.task_link(task.id),
                application=task.application,
            )
        task.clock_alert_sent = level
        told_tasks += 1
    return told_tasks


def _leads(department_id: int) -> list[User]:
    return list(
        db.session.execute(
            db.select(User).where(
                User.department_id == department_id, User.is_lead.is_(True), User.active.is_(True)
            )
        ).scalars()
    )


def _recipients(task: HumanTask, level: str, leads: list[User]) -> list[User]:
    holder = [task.assignee] if task.assignee is not None else []
    if level == "yellow":
        return holder or leads
    return holder + [lead for lead in leads if lead not in holder]


def _texts(application: Application, level: str):
    def texts():
        number = application.case_number
        promised = format_datetime(application.promised_due_at, "yyyy-MM-dd")
        fatal = format_datetime(application.due_at, "yyyy-MM-dd")
        if level == "yellow":
            title = _("Due soon: case %(number)s", number=number)
        elif level == "red":
            title = _("Promised date passed: case %(number)s", number=number)
        else:
            title = _("Statutory time limit passed: case %(number)s", number=number)
        body = _(
            "Case %(number)s is promised by %(promised)s; the statutory limit is %(fatal)s. "
            "Open the task to decide it or to record why it takes longer.",
            number=number,
            promised=promised,
            fatal=fatal,
        )
        return title, body

    return texts
