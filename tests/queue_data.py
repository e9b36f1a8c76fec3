"""Queue data in bulk, for the clerk-workspace tests and benchmarks/clerk_queue.py: one real
case driven through the workflow to its department reviews, then as many copies of its case,
files and one department's task as asked, inserted in batches (no workflow runs for the
copies: they are for reading queues and claiming, not for deciding).
"""

from __future__ import annotations

import random
from datetime import timedelta

from app import uow
from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    Attachment,
    HumanTask,
    Service,
    TaskStatus,
    User,
    utcnow,
)
from app.services import volume

SERVICE = "business_registration"
_BATCH = 2000


def real_case(
    citizen_name: str = "张三",
    case_number: str = "YW20260101000001",
    citizen_username: str | None = None,
) -> int:
    """A business-registration case whose auto-review passed and that was accepted at intake:
    its three department reviews are open. The applicant is the user `citizen_username`,
    else a citizen named `citizen_name`. Returns the application id (call inside an app
    context)."""
    from app.domain import calendar
    from app.workflow import runtime

    with uow.unit_of_work():
        citizen = (
            db.session.execute(
                db.select(User).where(User.username == citizen_username)
            ).scalar_one()
            if citizen_username
            else citizen_named(citizen_name)
        )
        service = db.session.execute(db.select(Service).where(Service.code == SERVICE)).scalar_one()
        now = utcnow()
        application = Application(
            citizen=citizen,
            service=service,
            status=ApplicationStatus.SUBMITTED,
            case_number=case_number,
            form_data={"company_name": "上海示例科技有限公司"},
            submitted_at=now,
            due_at=calendar.add_working_days(now, service.time_limit_days),
        )
        db.session.add(application)
        db.session.flush()
        volume.add_reviewed_files(application)
        inst = runtime.start_case(application)
        db.session.flush()
        call = runtime.load(inst).pending_service_calls()[0]
        runtime.complete_service_call(inst.id, call.task_id, {"auto_review": {"verdict": "pass"}})
        intake = db.session.execute(
            db.select(HumanTask).where(
                HumanTask.application_id == application.id, HumanTask.form == "intake_decision"
            )
        ).scalar_one()
        intake.status, intake.outcome, intake.completed_at = TaskStatus.DONE, "accepted", now
        db.session.flush()
        runtime.complete_user_task(inst.id, intake.spiff_task_id, {"intake": "accept"})
        application.status = ApplicationStatus.IN_REVIEW
        return application.id


def citizen_named(name: str) -> User:
    """A citizen with this name (created on first use; no login of its own)."""
    return volume.person(f"citizen-{name}", name)


def clone_tasks(
    source_application_id: int,
    department_id: int,
    count: int,
    *,
    first_number: int = 1,
    citizens: list[int] | None = None,
    services: list[int] | None = None,
    due_days: tuple[int, int] = (-5, 30),
    status: TaskStatus = TaskStatus.OPEN,
    assignee_id: int | None = None,
    with_files: bool = True,
    seed: int = 1,
    closed: bool = False,
) -> list[int]:
    """Insert `count` copies of the source case (numbers YW9…, citizens and services taken
    in turn from the lists given, else the source's), each with the source's files and a
    copy of its task in `department_id`, due a random number of days from now within
    `due_days`. `closed`: cases decided (approved) when their task was done, submitted before
    the due window: the history in front of today's work. Returns the new tasks' ids. Commits
    in batches (test data, not a use case)."""
    rng = random.Random(seed)
    source = db.session.get(Application, source_application_id)
    template = db.session.execute(
        db.select(HumanTask).where(
            HumanTask.application_id == source_application_id,
            HumanTask.department_id == department_id,
        )
    ).scalar_one()
    files = [a for a in source.attachments if not a.superseded]
    citizens = citizens or [source.citizen_id]
    services = services or [source.service_id]
    now = utcnow()
    task_ids: list[int] = []
    for start in range(0, count, _BATCH):
        numbers = range(first_number + start, first_number + min(count, start + _BATCH))
        # a closed case was submitted and decided 20 days before the earliest due date
        oldest = timedelta(days=20 - due_days[0]) if closed else timedelta(0)
        apps = [
            {
                "case_number": f"YW9{n:013d}",
                "citizen_id": citizens[n % len(citizens)],
                "service_id": services[n % len(services)],
                "status": ApplicationStatus.APPROVED if closed else ApplicationStatus.IN_REVIEW,
                "form_data": source.form_data,
                "created_at": now,
                "submitted_at": now - oldest - timedelta(minutes=n),
                "due_at": source.due_at,
                **({"decision": "approved", "decided_at": now - oldest} if closed else {}),
            }
            for n in numbers
        ]
        app_ids = list(
            db.session.execute(
                db.insert(Application).returning(Application.id, sort_by_parameter_order=True),
                apps,
            ).scalars()
        )
        if with_files:
            db.session.execute(
                db.insert(Attachment),
                [
                    {
                        "application_id": app_id,
                        "slot": f.slot,
                        "original_name": f.original_name,
                        "stored_name": f"c{app_id}-{f.id}",
                        "mime_type": f.mime_type,
                        "size": f.size,
                        "sha256": f.sha256,
                        "uploaded_at": now,
                        "review_status": f.review_status,
                        "superseded": False,
                        "review": f.review,
                    }
                    for app_id in app_ids
                    for f in files
                ],
            )
        rows = [
            {
                "instance_id": template.instance_id,
                "application_id": app_id,
                "service_id": app["service_id"],
                "submitted_at": app["submitted_at"],
                "citizen_id": app["citizen_id"],
                "spiff_task_id": f"clone-{app_id}",
                "element_id": template.element_id,
                "name": template.name,
                "lane": template.lane,
                "form": template.form,
                "department_id": department_id,
                "candidate_group": template.candidate_group,
                "status": status,
                "assignee_id": assignee_id,
                "due_at": now + timedelta(days=rng.uniform(*due_days)),
                "created_at": now,
                "claimed_at": now if assignee_id else None,
                **({"completed_at": now - oldest, "outcome": "approved"} if closed else {}),
            }
            for app_id, app in zip(app_ids, apps, strict=True)
        ]
        task_ids += list(
            db.session.execute(
                db.insert(HumanTask).returning(HumanTask.id, sort_by_parameter_order=True), rows
            ).scalars()
        )
        db.session.commit()
    return task_ids


def add_done_history(per_case: int, first_case_id: int = 0) -> int:
    """`per_case` done tasks more for every case whose id is at least `first_case_id`, copied
    from its first task and spread over the departments: the history a real case has (intake,
    the other departments' reviews, earlier rounds) that the clones lack, so that the task
    table holds what a city's would (1,000,000 tasks at 100,000 cases with `per_case` 9). One
    INSERT … SELECT per round, committed (test data, not a use case). Returns the rows added."""
    if per_case <= 0:
        return 0
    departments = list(
        db.session.execute(db.text("SELECT id FROM department ORDER BY id")).scalars()
    )
    added = 0
    for k in range(per_case):
        added += db.session.execute(
            db.text(
                "INSERT INTO human_task (instance_id, application_id, service_id, submitted_at,"
                " citizen_id, spiff_task_id, element_id, name, lane, form, department_id, status,"
                " created_at, completed_at, outcome, working_days)"
                " SELECT t.instance_id, t.application_id, t.service_id, t.submitted_at,"
                " t.citizen_id,"
                " 'hist-' || CAST(t.id AS VARCHAR) || '-' || :k, t.element_id, t.name, t.lane,"
                " t.form, :dept, 'done', t.created_at, t.created_at, 'approved', 1"
                " FROM human_task t WHERE t.id IN (SELECT min(id) FROM human_task"
                " WHERE application_id >= :first AND spiff_task_id NOT LIKE 'hist-%'"
                " GROUP BY application_id)"
            ),
            {"k": str(k), "dept": departments[k % len(departments)], "first": first_case_id},
        ).rowcount
        db.session.commit()
    return added
