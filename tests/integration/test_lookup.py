"""The public progress lookup (办件查询): case number + query code, no log-in; public steps
only; a wrong code answers exactly as an unknown number; misses are throttled per address."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Application, CaseEvent
from tests import decisions


def _lookup(client, case_number, query_code, **kw):
    client.get("/lookup")
    return client.post("/lookup", {"case_number": case_number, "query_code": query_code}, **kw)


def _answer(resp) -> str:
    """The page without the CSRF token (the one part that may differ between answers)."""
    body = resp.get_data(as_text=True)
    return body.replace(body.split('name="csrf_token" value="')[1].split('"')[0], "TOKEN")


@pytest.mark.slow
def test_lookup_shows_the_public_steps_of_a_case_without_log_in(
    app, client, make_client, wait_jobs
):
    app_id = decisions.corrected_case(
        app, client, make_client, wait_jobs, seed=71, mobile="13911117101"
    )
    with app.app_context():
        application = db.session.get(Application, app_id)
        number, code = application.case_number, application.query_code
        name = application.citizen.real_name
        kinds = {
            e.kind
            for e in db.session.execute(
                db.select(CaseEvent).where(CaseEvent.application_id == app_id)
            ).scalars()
        }
    assert {"task_opened", "auto_review"} <= kinds  # internal steps exist, and are hidden

    public = make_client()
    page = public.get("/lookup")
    assert page.status_code == 200 and 'id="lookup-form"' in page.get_data(as_text=True)
    # typed as people type it: lower case, with spaces and a hyphen
    resp = _lookup(public, f" {number.lower()} ", f"{code[:4].lower()}-{code[4:]}")
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert f'id="lookup-result" data-case="{number}"' in body
    assert 'data-status="approved"' in body
    steps = [s.split('"')[0] for s in body.split('<li data-kind="')[1:]]
    assert steps == [
        "submitted",
        "accepted",
        "correction_requested",
        "correction_submitted",
        "certificate_issued",
        "decided",
    ]
    for hidden in ("task_opened", "auto_review", "task_done", "请重新上传在职证明", name):
        assert hidden not in body


def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(app, client, ctx):
    from app.services import lookup

    with app.app_context():
        application = _submitted_row(app)
        number, code = application.case_number, application.query_code
    other_number = number[:-1] + ("9" if number[-1] != "9" else "8")
    wrong_code = _lookup(client, number, "ABCDEFGH" if code != "ABCDEFGH" else "ABCDEFGJ")
    unknown = _lookup(client, other_number, code)
    assert wrong_code.status_code == unknown.status_code == 200
    assert 'id="lookup-missed"' in _answer(wrong_code)
    # the same page, but for the number typed (echoed back into the form)
    assert _answer(wrong_code).replace(number, "N") == _answer(unknown).replace(other_number, "N")
    assert lookup.find_case("YW00000000000000", code, "10.0.0.9") is None


def test_misses_are_throttled_per_address_even_for_the_right_code(app, client, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "LOOKUP_MAX_FAILURES", 3)
    with app.app_context():
        application = _submitted_row(app)
        number, code = application.case_number, application.query_code
    for _ in range(3):
        assert 'id="lookup-missed"' in _lookup(client, number, "WRONG234").get_data(as_text=True)
    refused = _lookup(client, number, code)
    assert refused.status_code == 429
    assert 'id="lookup-refused"' in refused.get_data(as_text=True)
    assert 'id="lookup-result"' not in refused.get_data(as_text=True)
    # another address still has its budget
    other = _lookup(client, number, code, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 200 and 'id="lookup-result"' in other.get_data(as_text=True)


def test_the_lookup_form_needs_its_csrf_token(client):
    resp = client.post("/lookup", {"case_number": "YW1", "query_code": "X"}, csrf=False)
    assert resp.status_code == 400


def _submitted_row(app):
    """A submitted case made directly (no workflow): enough for the lookup's own checks."""
    from app.models import ApplicationStatus, Service, User, utcnow
    from app.services import lookup

    citizen = db.session.execute(db.select(User).where(User.username == "13800138000")).scalar()
    service = db.session.execute(db.select(Service)).scalars().first()
    application = Application(
        citizen=citizen,
        service=service,
        status=ApplicationStatus.IN_REVIEW,
        case_number="YW20260101999999",
        submitted_at=utcnow(),
        form_data={},
    )
    lookup.give_query_code(application)
    db.session.add(application)
    db.session.commit()
    return application
