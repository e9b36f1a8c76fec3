"""The clerks' workspace: queue tabs and counts, filters, sorting, pages, saved filters,
claiming and giving back with reasons, a lead's reassignment, bulk claims, internal notes,
the decision form only for the holder, and a queue page whose SQL does not grow with rows."""

from __future__ import annotations

import re

import pytest

from app.domain.errors import Forbidden
from app.extensions import db
from app.models import (
    Application,
    CaseEvent,
    Department,
    HumanTask,
    Notification,
    SavedFilter,
    Service,
    TaskStatus,
    User,
)
from app.services import approvals, case_notes, timeline
from tests import queue_data
from tests.statements import counted_statements

TAX = "tax"


def _user(username: str) -> User:
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


def _dept(code: str) -> int:
    return db.session.execute(db.select(Department.id).where(Department.code == code)).scalar_one()


def _service(code: str) -> int:
    return db.session.execute(db.select(Service.id).where(Service.code == code)).scalar_one()


def _task(app_id: int, code: str = TAX) -> HumanTask:
    """The department's review task of the case (not the intake task the lead department
    decided first)."""
    return db.session.execute(
        db.select(HumanTask).where(
            HumanTask.application_id == app_id,
            HumanTask.department_id == _dept(code),
            HumanTask.form != "intake_decision",
        )
    ).scalar_one()


def _rows(body: str) -> list[str]:
    """Case numbers of the queue's rows, in order."""
    return re.findall(r'data-task="\d+" data-case="([^"]+)"', body)


def _header_user(body: str) -> str:
    """The header's "name · department" of the logged-in staff member."""
    return re.search(r'id="current-user"[^>]*>(.*?)</span>', body).group(1)


def _count(body: str, tab: str) -> int:
    return int(re.search(rf'data-count="{tab}">(\d+)<', body).group(1))


@pytest.fixture()
def case_id(app, demo):
    """One real case, its three department reviews open (tax's among them)."""
    with app.app_context():
        app_id = queue_data.real_case(citizen_username="13800138000")
        db.session.remove()
    return app_id


def _clone(app, case_id, count, **kw) -> list[int]:
    with app.app_context():
        ids = queue_data.clone_tasks(case_id, _dept(TAX), count, **kw)
        db.session.remove()
    return ids


def _clerk(make_client, login="clerk_tax"):
    c = make_client()
    c.login(login)
    return c


def _numbers(ids) -> list[str]:
    return [f"YW9{n:013d}" for n in ids]


def test_tabs_count_mine_department_and_everything_seen(app, case_id, make_client):
    with app.app_context():
        clerk, lead = _user("clerk_tax"), _user("lead_tax")
        clerk_id, lead_id = clerk.id, lead.id
    _clone(app, case_id, 3, first_number=1)
    _clone(app, case_id, 2, first_number=10, status=TaskStatus.CLAIMED, assignee_id=clerk_id)
    _clone(app, case_id, 1, first_number=20, status=TaskStatus.CLAIMED, assignee_id=lead_id)
    _clone(app, case_id, 4, first_number=30, status=TaskStatus.DONE, assignee_id=clerk_id)
    lead_only = _clone(app, case_id, 1, first_number=40)
    with app.app_context():
        db.session.get(HumanTask, lead_only[0]).candidate_group = "lead"
        db.session.commit()

    tax = _clerk(make_client)
    body = tax.get("/clerk/").get_data(as_text=True)
    # department: the real case + 3 open + 2 + 1 taken; the lead-only task is not the clerk's
    assert (_count(body, "mine"), _count(body, "department"), _count(body, "all")) == (2, 7, 11)
    assert len(_rows(body)) == 7
    mine = tax.get("/clerk/?tab=mine").get_data(as_text=True)
    assert sorted(_rows(mine)) == _numbers([10, 11])
    done_by_me = tax.get("/clerk/?tab=mine&state=done").get_data(as_text=True)
    assert sorted(_rows(done_by_me)) == _numbers([30, 31, 32, 33])
    assert _count(done_by_me, "all") == 4  # the state narrows every tab alike
    # a finished task is looked at, not handled: its button says so
    assert done_by_me.count(">查看</a>") == 4 and ">办理</a>" not in done_by_me
    assert mine.count(">办理</a>") == 2 and ">查看</a>" not in mine

    lead = _clerk(make_client, "lead_tax")
    body = lead.get("/clerk/?tab=all").get_data(as_text=True)
    assert (_count(body, "mine"), _count(body, "department"), _count(body, "all")) == (1, 8, 12)
    assert "YW9" + f"{40:013d}" in _rows(body)


def test_tab_counts_stop_at_the_cap(app, case_id, make_client, monkeypatch):
    from app.services import workspace

    _clone(app, case_id, 3, first_number=1, with_files=False)
    monkeypatch.setattr(workspace, "COUNT_CAP", 3)
    body = _clerk(make_client).get("/clerk/").get_data(as_text=True)
    assert re.search(r'data-count="department">3\+<', body)
    assert re.search(r'data-count="mine">0<', body)
    assert len(_rows(body)) == 4  # the rows themselves are not capped


def test_filter_by_service_state_applicant_and_case_number(app, case_id, make_client):
    with app.app_context():
        # a task the workflow creates carries its case's service and applicant (the service
        # and applicant filters' keys)
        assert _task(case_id).service_id == _service("business_registration")
        assert _task(case_id).citizen_id == db.session.get(Application, case_id).citizen_id
        assert _task(case_id).citizen_id is not None
        services = [_service("business_registration"), _service("residence_permit")]
        citizens = [queue_data.citizen_named("李四").id, queue_data.citizen_named("王五").id]
        db.session.commit()
        clerk_id = _user("clerk_tax").id
    _clone(app, case_id, 4, first_number=100, services=services, citizens=citizens)
    _clone(app, case_id, 1, first_number=200, status=TaskStatus.CLAIMED, assignee_id=clerk_id)
    _clone(app, case_id, 1, first_number=300, status=TaskStatus.DONE, assignee_id=clerk_id)
    tax = _clerk(make_client)

    body = tax.get("/clerk/?service=residence_permit").get_data(as_text=True)
    assert sorted(_rows(body)) == _numbers([101, 103])  # odd numbers took the second service
    assert _count(body, "department") == 2
    assert tax.get("/clerk/?service=no_such_service").status_code == 200

    assert _rows(tax.get("/clerk/?state=claimed").get_data(as_text=True)) == _numbers([200])
    assert _rows(tax.get("/clerk/?state=done").get_data(as_text=True)) == _numbers([300])
    opened = _rows(tax.get("/clerk/?state=open").get_data(as_text=True))
    assert len(opened) == 5 and _numbers([200])[0] not in opened

    body = tax.get("/clerk/?applicant=李").get_data(as_text=True)
    assert sorted(_rows(body)) == _numbers([100, 102])
    assert sorted(_rows(tax.get("/clerk/?applicant=王五").get_data(as_text=True))) == _numbers(
        [101, 103]
    )
    assert _rows(tax.get("/clerk/?applicant=%25").get_data(as_text=True)) == []  # no wildcard

    # "my tasks" narrowed by applicant (the applicant each task carries, read from the index)
    _clone(
        app,
        case_id,
        4,
        first_number=400,
        citizens=citizens,
        status=TaskStatus.CLAIMED,
        assignee_id=clerk_id,
    )
    body = tax.get("/clerk/?tab=mine&applicant=李").get_data(as_text=True)
    assert sorted(_rows(body)) == _numbers([400, 402])
    assert (_count(body, "mine"), _count(body, "department")) == (2, 4)
    body = tax.get("/clerk/?tab=mine&applicant=王五&state=claimed").get_data(as_text=True)
    assert sorted(_rows(body)) == _numbers([401, 403])

    body = tax.get("/clerk/?case_number=yw90000000000102").get_data(as_text=True)
    assert _rows(body) == _numbers([102])
    body = tax.get("/clerk/?case_number=YW900000000001").get_data(as_text=True)
    assert sorted(_rows(body)) == _numbers([100, 101, 102, 103])


def test_filter_by_due_overdue_and_due_soon(app, case_id, make_client):
    overdue = _clone(app, case_id, 2, first_number=1, due_days=(-3, -1))
    _clone(app, case_id, 2, first_number=10, due_days=(0.05, 0.4))
    _clone(app, case_id, 2, first_number=20, due_days=(20, 30))
    tax = _clerk(make_client)
    body = tax.get("/clerk/?due=overdue").get_data(as_text=True)
    assert sorted(_rows(body)) == _numbers([1, 2])
    assert body.count("table-danger") == len(overdue)
    body = tax.get("/clerk/?due=soon").get_data(as_text=True)
    assert sorted(_rows(body)) == _numbers([10, 11])


def test_sort_by_due_date_submission_and_service(app, case_id, make_client):
    with app.app_context():
        services = [_service("residence_permit"), _service("business_registration")]
    _clone(app, case_id, 6, first_number=1, services=services, seed=5)
    tax = _clerk(make_client)
    with app.app_context():
        tasks = db.session.execute(
            db.select(HumanTask, Application)
            .join(Application, HumanTask.application_id == Application.id)
            .where(HumanTask.department_id == _dept(TAX))
        ).all()
        by_due = [a.case_number for t, a in sorted(tasks, key=lambda r: (r[0].due_at, r[0].id))]
        by_submitted = [
            a.case_number for t, a in sorted(tasks, key=lambda r: (r[1].submitted_at, r[0].id))
        ]
        # grouped by service in catalogue order (the services' ids), soonest due first
        by_service = [
            a.case_number
            for t, a in sorted(tasks, key=lambda r: (r[1].service_id, r[0].due_at, r[0].id))
        ]
    assert len({tuple(by_due), tuple(by_submitted), tuple(by_service)}) == 3  # all differ
    assert _rows(tax.get("/clerk/").get_data(as_text=True)) == by_due
    assert _rows(tax.get("/clerk/?sort=submitted").get_data(as_text=True)) == by_submitted
    assert _rows(tax.get("/clerk/?sort=service").get_data(as_text=True)) == by_service


def test_a_task_carries_its_cases_submission_time(app, case_id, make_client):
    """The workflow's tasks copy the case's submission time (the queue sorts by it from the
    tasks' own index); a task written without it gets it from the case."""
    with app.app_context():
        application = db.session.get(Application, case_id)
        tasks = (
            db.session.execute(db.select(HumanTask).where(HumanTask.application_id == case_id))
            .scalars()
            .all()
        )
        assert len(tasks) >= 4  # intake and the three departments' reviews
        assert {t.submitted_at for t in tasks} == {application.submitted_at}
        template = tasks[0]
        submitted = application.submitted_at
        db.session.expunge_all()  # the case is not in the session: read from the database
        extra = HumanTask(
            instance_id=template.instance_id,
            application_id=case_id,
            spiff_task_id="extra",
            element_id=template.element_id,
            name="extra",
        )
        db.session.add(extra)
        db.session.commit()
        assert extra.submitted_at == submitted and extra.service_id == template.service_id


def test_pages_of_fifty(app, case_id, make_client):
    _clone(app, case_id, 55, first_number=1, with_files=False)
    tax = _clerk(make_client)
    first = tax.get("/clerk/").get_data(as_text=True)
    second = tax.get("/clerk/?page=2").get_data(as_text=True)
    assert len(_rows(first)) == 50 and len(_rows(second)) == 6
    assert not set(_rows(first)) & set(_rows(second))
    assert 'id="page-next" href="/clerk/?page=2"' in first
    assert _count(second, "department") == 56


def test_a_filter_on_the_case_pages_in_the_queues_order(app, case_id, make_client):
    """A filter on the case (case number, applicant) pages like the plain queue: every match
    once, soonest due first across the pages (the page's tasks are chosen before the case
    and the people are joined to them)."""
    _clone(app, case_id, 55, first_number=1, with_files=False)
    tax = _clerk(make_client)
    for query in ("case_number=YW9", "applicant=张"):
        first = tax.get(f"/clerk/?{query}").get_data(as_text=True)
        second = tax.get(f"/clerk/?{query}&page=2").get_data(as_text=True)
        rows = _rows(first) + _rows(second)
        assert len(_rows(first)) == 50 and len(rows) == len(set(rows)) == _count(
            first, "department"
        )
        assert set(_numbers(range(1, 56))) <= set(rows)
        due = re.findall(
            r'<td class="text-nowrap" data-label="[^"]*">(\d{4}-\d{2}-\d{2})(?: <span|</td>)',
            first + second,
        )
        assert len(due) == len(rows) and due == sorted(due)


def test_saved_filters_are_saved_listed_applied_and_deleted(app, case_id, make_client):
    tax = _clerk(make_client)
    tax.get("/clerk/")
    resp = tax.post("/clerk/filters", {"name": "逾期的", "due": "overdue", "tab": "mine"})
    assert resp.status_code == 302
    assert 'data-saved-filter="逾期的"' in tax.get("/clerk/").get_data(as_text=True)
    with app.app_context():
        saved = db.session.execute(db.select(SavedFilter)).scalar_one()
        saved_id = saved.id
        assert saved.query == {"tab": "mine", "due": "overdue"}
    applied = tax.get(f"/clerk/filters/{saved_id}")
    assert applied.status_code == 302
    assert applied.headers["Location"] in (
        "/clerk/?tab=mine&due=overdue",
        "/clerk/?due=overdue&tab=mine",
    )
    # the same name again replaces; a blank name is refused
    tax.post("/clerk/filters", {"name": "逾期的", "due": "soon"})
    tax.post("/clerk/filters", {"name": "  ", "due": "soon"})
    with app.app_context():
        assert [s.query for s in db.session.execute(db.select(SavedFilter)).scalars()] == [
            {"due": "soon"}
        ]
    other = _clerk(make_client, "lead_tax")
    assert other.get(f"/clerk/filters/{saved_id}").status_code == 404
    assert other.post(f"/clerk/filters/{saved_id}/delete").status_code == 404
    assert tax.post(f"/clerk/filters/{saved_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(SavedFilter)).first() is None


def test_claim_and_release_with_reasons_stay_on_the_clerks_timeline(app, case_id, make_client):
    with app.app_context():
        task_id = _task(case_id).id
    tax = _clerk(make_client)
    tax.get(f"/clerk/tasks/{task_id}")
    assert tax.post(f"/clerk/tasks/{task_id}/claim", {"reason": "熟悉该企业"}).status_code == 302
    tax.get(f"/clerk/tasks/{task_id}")
    assert tax.post(f"/clerk/tasks/{task_id}/release", {"reason": "休假"}).status_code == 302
    with app.app_context():
        task = db.session.get(HumanTask, task_id)
        assert task.status == TaskStatus.OPEN and task.assignee_id is None
        steps = [
            (e.kind, e.message)
            for e in db.session.execute(
                db.select(CaseEvent)
                .where(CaseEvent.application_id == case_id)
                .order_by(CaseEvent.id)
            ).scalars()
            if e.kind in ("task_claimed", "task_released")
        ]
        assert steps == [("task_claimed", "熟悉该企业"), ("task_released", "休假")]
        application = db.session.get(Application, case_id)
        citizen_kinds = {e.kind for e in timeline.public_events(application)}
        assert not citizen_kinds & {"task_claimed", "task_released"}
    page = tax.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    assert "熟悉该企业" in page and "休假" in page
    resp = tax.post(f"/clerk/tasks/{task_id}/claim", {"reason": "x" * 501})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(HumanTask, task_id).status == TaskStatus.OPEN


def test_decision_form_appears_only_for_the_clerk_who_holds_the_task(app, case_id, make_client):
    with app.app_context():
        task_id = _task(case_id).id
    tax, lead = _clerk(make_client), _clerk(make_client, "lead_tax")
    page = tax.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    assert 'id="claim-button"' in page and 'id="decide-form"' not in page
    tax.post(f"/clerk/tasks/{task_id}/claim")
    page = tax.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    assert 'id="decide-form"' in page and 'id="claim-button"' not in page
    page = lead.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    assert 'id="decide-form"' not in page and 'id="held-by"' in page
    assert 'id="reassign-card"' in page  # the lead may hand it on
    assert 'id="reassign-card"' not in tax.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)


def test_a_lead_reassigns_within_the_department_and_the_new_clerk_is_told(
    app, case_id, make_client
):
    with app.app_context():
        task_id = _task(case_id).id
        clerk_id, other_dept_clerk = _user("clerk_tax").id, _user("clerk_market_regulation").id
        lead_id = _user("lead_tax").id
    tax, lead = _clerk(make_client), _clerk(make_client, "lead_tax")
    lead.post(f"/clerk/tasks/{task_id}/claim")

    tax.get(f"/clerk/tasks/{task_id}")
    resp = tax.post(f"/clerk/tasks/{task_id}/reassign", {"assignee": clerk_id, "reason": "r"})
    assert resp.status_code == 403  # only a lead reassigns

    lead.get(f"/clerk/tasks/{task_id}")
    for refused in (
        {"assignee": other_dept_clerk, "reason": "换人"},  # another department
        {"assignee": clerk_id, "reason": " "},  # no reason
        {"assignee": "x", "reason": "换人"},
    ):
        lead.post(f"/clerk/tasks/{task_id}/reassign", refused)
        with app.app_context():
            assert db.session.get(HumanTask, task_id).assignee_id == lead_id

    lead.post(f"/clerk/tasks/{task_id}/reassign", {"assignee": clerk_id, "reason": "你更熟悉"})
    with app.app_context():
        task = db.session.get(HumanTask, task_id)
        assert (task.status, task.assignee_id) == (TaskStatus.CLAIMED, clerk_id)
        step = db.session.execute(
            db.select(CaseEvent).where(
                CaseEvent.application_id == case_id, CaseEvent.kind == "task_reassigned"
            )
        ).scalar_one()
        assert step.message == "你更熟悉" and step.actor_id == lead_id
        assert step.data["from"] == lead_id and step.data["to"] == clerk_id
        note = db.session.execute(
            db.select(Notification).where(Notification.recipient_id == clerk_id)
        ).scalar_one()
        assert note.kind == "task_assigned" and note.link == f"/clerk/tasks/{task_id}"
    assert 'id="decide-form"' in tax.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)


def test_bulk_claim_takes_the_open_tasks_and_names_who_holds_the_others(app, case_id, make_client):
    ids = _clone(app, case_id, 3, first_number=1)
    tax, lead = _clerk(make_client), _clerk(make_client, "lead_tax")
    lead.post(f"/clerk/tasks/{ids[1]}/claim")
    tax.get("/clerk/")
    resp = tax.post("/clerk/claim", {"task": [str(i) for i in ids], "next": "/clerk/?tab=mine"})
    assert resp.headers["Location"] == "/clerk/?tab=mine"
    body = tax.get(resp.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        holders = {i: db.session.get(HumanTask, i).assignee.username for i in ids}
        lead_name = _user("lead_tax").real_name
    assert holders == {ids[0]: "clerk_tax", ids[1]: "lead_tax", ids[2]: "clerk_tax"}
    assert lead_name in body and str(ids[1]) in body
    assert sorted(_rows(body)) == _numbers([1, 3])


def test_notes_are_shared_by_the_case_departments_and_hidden_from_the_citizen(
    app, case_id, make_client
):
    with app.app_context():
        tax_task, market_task = _task(case_id).id, _task(case_id, "market_regulation").id
    tax = _clerk(make_client)
    tax.get(f"/clerk/tasks/{tax_task}")
    tax.post(f"/clerk/tasks/{tax_task}/notes", {"body": "已电话联系申请人，租赁合同周一补交"})
    tax.post(f"/clerk/tasks/{tax_task}/notes", {"body": "   "})  # refused: empty
    market = _clerk(make_client, "clerk_market_regulation")
    page = market.get(f"/clerk/tasks/{market_task}").get_data(as_text=True)
    assert page.count('class="border-start border-3 ps-2 mb-2 case-note"') == 1
    assert "已电话联系申请人" in page
    citizen = make_client()
    citizen.login("13800138000")
    case_page = citizen.get(f"/cases/{case_id}")
    assert case_page.status_code == 200
    assert "已电话联系申请人" not in case_page.get_data(as_text=True)
    with app.app_context():
        application = db.session.get(Application, case_id)
        with pytest.raises(Forbidden):  # a department that does not handle the case
            case_notes.add_note(_user("clerk_housing_fund"), application, "x")
        with pytest.raises(Forbidden):
            case_notes.notes(_user("13800138000"), application)


def _statements():
    return counted_statements(db.engine)


def test_the_queue_page_costs_the_same_statements_for_5_and_50_tasks(app, case_id, make_client):
    with app.app_context():
        services = [_service("residence_permit"), _service("business_registration")]
        clerk_id = _user("clerk_tax").id
    tax = _clerk(make_client)
    urls = ("/clerk/", "/clerk/?tab=all&sort=service", "/clerk/?applicant=张&due=overdue")

    def measure():
        found = []
        for url in urls:
            tax.get(url)  # warm (translations, templates)
            with app.app_context(), _statements() as counted:
                assert tax.get(url).status_code == 200
            found.append(len(counted))
        return found

    _clone(app, case_id, 4, first_number=1, services=services)
    few = measure()
    _clone(app, case_id, 30, first_number=100, services=services, due_days=(-5, -1))
    _clone(app, case_id, 15, first_number=200, status=TaskStatus.CLAIMED, assignee_id=clerk_id)
    many = measure()
    body = tax.get("/clerk/").get_data(as_text=True)
    assert len(_rows(body)) == 50  # 1 real + 49 copies all on one page
    assert few == many, (few, many)


def test_with_reference_data_kept_a_queue_page_reads_only_its_own_rows(
    app, case_id, make_client, monkeypatch
):
    """As deployed (reference data kept per process), a queue page sends five statements:
    the clerk, the tabs' counts, the rows (with their auto-review), the saved filters and
    the unread count. The header's department and the service list come from the kept
    copies, and a rename in this process shows on the next page."""
    from app.services import departments

    monkeypatch.setitem(app.config, "CATALOGUE_CACHE_SECONDS", 3600)
    tax = _clerk(make_client)
    tax.get("/clerk/")  # warm: the kept copies are read once
    with app.app_context(), _statements() as counted:
        body = tax.get("/clerk/").get_data(as_text=True)
    assert len(counted) == 5, counted
    assert not [s for s in counted if "FROM department" in s or "FROM service" in s], counted
    with app.app_context():
        dept = db.session.get(Department, _dept(TAX))
        assert _header_user(body).endswith(f" · {dept.name_zh}")
        departments.update_department(_user("admin"), dept.id, "市财税服务中心", dept.name_en)
    assert _header_user(tax.get("/clerk/").get_data(as_text=True)).endswith(" · 市财税服务中心")


def test_a_queue_row_shows_each_cell_in_the_readers_language(app, case_id, make_client):
    """The row's cells (worked out in the view, not the template): the case number, the
    service and the task in the reader's language, the applicant masked, the auto-review at
    a glance, who holds the task, the dates, and the open button's address."""
    with app.app_context():
        task = _task(case_id)
        task_id, number = task.id, task.application.case_number
        service = task.application.service
        lead = _user("lead_tax")
    tax = _clerk(make_client)
    _clerk(make_client, "lead_tax").post(f"/clerk/tasks/{task_id}/claim", {"reason": ""})

    def row(body):
        found = re.search(rf'<tr data-task="{task_id}".*?</tr>', body, re.S)
        assert found, body[:2000]
        return found.group(0)

    zh = row(tax.get("/clerk/").get_data(as_text=True))
    assert f'data-case="{number}"' in zh and 'data-status="claimed"' in zh
    assert f"<td>{service.name_zh}</td>" in zh
    assert '<span translate="no">张*</span>' in zh  # 张三, masked
    assert "张三" not in zh
    assert f'<span class="small"><span translate="no">{lead.real_name}</span></span>' in zh
    assert f'href="/clerk/tasks/{task_id}"' in zh
    assert 'type="checkbox"' not in zh  # only open tasks are selectable
    assert re.search(r'<td class="small text-nowrap"[^>]*>\d{4}-\d{2}-\d{2}</td>', zh)
    assert re.search(r"<td[^>]*>税务审核</td>", zh)  # the task "税务审核 Review by tax", in Chinese
    tax.post("/account/language", {"language": "en"})
    en = row(tax.get("/clerk/").get_data(as_text=True))
    assert f"<td>{service.name_en}</td>" in en
    assert re.search(r"<td[^>]*>Review by tax</td>", en) and "税务审核" not in en


def test_a_queue_row_shows_its_cases_auto_review_at_a_glance(app, case_id, make_client):
    """ "pass" when every current file passed, "pending" while one is being checked, else
    "attention"; a replaced file does not count; a case without files shows "—"."""
    from app.models import Attachment

    with_files = _clone(app, case_id, 4, first_number=1)
    without = _clone(app, case_id, 1, first_number=10, with_files=False)
    with app.app_context():
        cases = [db.session.get(HumanTask, t).application_id for t in with_files]
        files = {
            a: db.session.execute(
                db.select(Attachment).where(Attachment.application_id == a).order_by(Attachment.id)
            )
            .scalars()
            .all()
            for a in cases
        }
        assert all(len(f) >= 2 for f in files.values())
        # (the second file's review, whether it was replaced); every other file passed
        plans = (
            ("pass", False),  # every file passed
            ("pending", False),  # one still being checked
            ("attention", False),  # one with a problem
            ("attention", True),  # the problem file was replaced
        )
        for application_id, (second, replaced) in zip(cases, plans, strict=True):
            for att in files[application_id]:
                att.review_status, att.superseded = "pass", False
            files[application_id][1].review_status = second
            files[application_id][1].superseded = replaced
        db.session.commit()

    body = _clerk(make_client).get("/clerk/").get_data(as_text=True)

    def verdict(task_id):
        row = re.search(rf'<tr data-task="{task_id}".*?</tr>', body, re.S).group(0)
        cell = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[5]  # the auto-review column
        found = re.search(r'data-status="(\w+)"', cell)
        return found.group(1) if found else cell

    assert [verdict(t) for t in with_files] == ["pass", "pending", "attention", "pass"]
    assert "—" in verdict(without[0])


def test_the_old_queue_and_claim_still_serve_callers(app, case_id):
    with app.app_context():
        clerk = _user("clerk_tax")
        assert [t.application_id for t in approvals.queue(clerk)] == [case_id]
        task = approvals.claim(clerk, _task(case_id).id)
        assert task.status == TaskStatus.CLAIMED
