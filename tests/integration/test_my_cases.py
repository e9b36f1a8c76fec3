"""A citizen's "My cases": the cases in progress (drafts included) and the finished ones in
two tabs with their counts, newest first, a page at a time, in the same statements however
many cases the citizen ever had."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Application, ApplicationStatus, Department, User
from tests import queue_data
from tests.statements import counted_statements

CITIZEN = "13800138000"


def _rows(body: str) -> list[str]:
    """The case numbers of the listed cases, in the page's order ('' for a draft)."""
    return re.findall(r'<tr data-case="([^"]*)" data-application="\d+"', body)


def _count(body: str, tab: str) -> int:
    return int(re.search(rf'data-count="{tab}">(\d+)<', body).group(1))


def _number(n: int) -> str:
    return f"YW9{n:013d}"


def _tax() -> int:
    """The department whose review task the clones copy."""
    return db.session.execute(db.select(Department.id).where(Department.code == "tax")).scalar()


@pytest.fixture()
def citizen_cases(app, demo, wait_jobs):
    """The demo citizen's cases: one real case in review (YW20260101000001), three more in
    review (YW9…101-103) and four finished ones (YW9…201-204: approved, withdrawn)."""
    with app.app_context():
        case_id = queue_data.real_case(citizen_username=CITIZEN)
        wait_jobs()  # the case's own jobs are done before its copies are written
        citizen = db.session.get(Application, case_id).citizen_id
        tax = _tax()
        db.session.remove()
        queue_data.clone_tasks(case_id, tax, 3, first_number=101, citizens=[citizen])
        finished = queue_data.clone_tasks(
            case_id, tax, 4, first_number=201, citizens=[citizen], closed=True
        )
        withdrawn = db.session.execute(
            db.select(Application).where(Application.case_number == _number(204))
        ).scalar_one()
        withdrawn.status = ApplicationStatus.WITHDRAWN
        db.session.commit()
        assert len(finished) == 4
    return case_id


def test_the_cases_in_progress_and_the_finished_ones_are_two_tabs(citizen_cases, make_client):
    client = make_client()
    client.login(CITIZEN)
    body = client.get("/cases").get_data(as_text=True)
    assert (_count(body, "open"), _count(body, "finished")) == (4, 4)
    # newest first: the clones were written after the real case
    assert _rows(body) == [_number(103), _number(102), _number(101), "YW20260101000001"]
    assert 'aria-current="page" data-tab="open"' in body

    body = client.get("/cases?tab=finished").get_data(as_text=True)
    assert _rows(body) == [_number(n) for n in (204, 203, 202, 201)]
    assert body.count("data-application=") == 4
    assert 'aria-current="page" data-tab="finished"' in body


def test_a_draft_is_in_progress(citizen_cases, make_client, app):
    client = make_client()
    client.login(CITIZEN)
    client.post("/services/residence_permit/apply")
    body = client.get("/cases").get_data(as_text=True)
    assert _count(body, "open") == 5
    assert _rows(body)[0] == ""  # the draft, newest, with no case number yet
    assert 'data-action="continue"' in body


def test_the_list_pages_through_the_cases(citizen_cases, make_client, monkeypatch):
    from app.services import my_cases

    monkeypatch.setattr(my_cases, "PAGE_SIZE", 3)
    client = make_client()
    client.login(CITIZEN)
    first = client.get("/cases?tab=finished").get_data(as_text=True)
    assert _rows(first) == [_number(n) for n in (204, 203, 202)]
    assert 'id="page-next" href="/cases?tab=finished&amp;page=2"' in first
    second = client.get("/cases?tab=finished&page=2").get_data(as_text=True)
    assert _rows(second) == [_number(201)]
    assert 'id="page-previous" href="/cases?tab=finished&amp;page=1"' in second
    assert _count(second, "finished") == 4  # the counts are of the whole tab

    # a page beyond the end is empty (with the way back), a page that is not a number is
    # the first, an unknown tab is the cases in progress
    assert _rows(client.get("/cases?tab=finished&page=9").get_data(as_text=True)) == []
    assert _rows(client.get("/cases?tab=finished&page=x").get_data(as_text=True)) == _rows(first)
    body = client.get("/cases?tab=nonsense&page=-1").get_data(as_text=True)
    assert _rows(body) == [_number(103), _number(102), _number(101)]


def test_with_nothing_in_progress_the_finished_cases_are_shown(app, demo, make_client, wait_jobs):
    with app.app_context():
        case_id = queue_data.real_case(citizen_username=CITIZEN)
        wait_jobs()  # no job of the case's writes it after the decision below
        db.session.get(Application, case_id).status = ApplicationStatus.APPROVED
        db.session.commit()
    client = make_client()
    client.login(CITIZEN)
    body = client.get("/cases").get_data(as_text=True)
    assert (_count(body, "open"), _count(body, "finished")) == (0, 1)
    assert _rows(body) == ["YW20260101000001"]


def test_a_citizen_without_cases_is_pointed_to_the_services(app, demo, make_client):
    client = make_client()
    client.login(CITIZEN)
    body = client.get("/cases").get_data(as_text=True)
    assert _rows(body) == []
    assert (_count(body, "open"), _count(body, "finished")) == (0, 0)
    assert 'href="/"' in body


def test_the_page_costs_the_same_statements_however_many_cases(citizen_cases, app, make_client):
    client = make_client()
    client.login(CITIZEN)
    with app.app_context():
        engine = db.engine
        citizen = db.session.execute(db.select(User.id).where(User.username == CITIZEN)).scalar()
        tax = _tax()
    client.get("/cases")
    with counted_statements(engine) as few:
        client.get("/cases")
    with app.app_context():
        queue_data.clone_tasks(citizen_cases, tax, 60, first_number=1000, citizens=[citizen])
    client.get("/cases")
    with counted_statements(engine) as many:
        body = client.get("/cases").get_data(as_text=True)
    assert len(_rows(body)) == 20
    assert len(many) == len(few)
