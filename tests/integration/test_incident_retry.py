"""An administrator's retry of an incident says what really happened (issue 13): a case
whose step fails again is reported as failed again, with the error, and its incident stays
open; a case that moves on is reported as recovered and its incident is resolved."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import Incident
from tests.integration.test_access_and_bad_input import _submitted_case
from tests.integration.test_hostile_diagram import FIRST_STEP_FAILS, _deploy_process

FIXED_FIRST_STEP = FIRST_STEP_FAILS.replace("ratio = 1 / 0", "decision = 'approved'")


def _flashes(page: str) -> str:
    return " ".join(re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S))


def _incidents(app) -> list[tuple[int, bool, str]]:
    with app.app_context():
        rows = db.session.execute(db.select(Incident).order_by(Incident.id)).scalars()
        return [(i.id, i.resolved_at is not None, i.message) for i in rows]


def test_retry_of_the_same_error_says_it_failed_again(app, client, make_client, wait_jobs):
    admin = _deploy_process(make_client, FIRST_STEP_FAILS)
    _submitted_case(client, wait_jobs, seed=41, mobile="13911110041")
    [(incident_id, resolved, _msg)] = _incidents(app)
    assert not resolved
    resp = admin.post(f"/admin/incidents/{incident_id}/retry")
    page = admin.get(resp.headers["Location"]).get_data(as_text=True)
    told = _flashes(page)
    assert "ZeroDivisionError" in told, told
    assert "办件已恢复流转" not in told and "The case moved on" not in told
    incidents = _incidents(app)
    assert not any(resolved for _id, resolved, _m in incidents)  # still open


def test_retry_after_a_fix_says_the_case_moved_on(app, client, make_client, wait_jobs):
    admin = _deploy_process(make_client, FIRST_STEP_FAILS)
    app_id = _submitted_case(client, wait_jobs, seed=42, mobile="13911110042")
    [(incident_id, _r, _m)] = _incidents(app)
    _deploy_process(make_client, FIXED_FIRST_STEP)
    from app.models import Application, ProcessVersion
    from app.services import processes  # noqa: F401
    from app.workflow import runtime

    with app.app_context():  # move the stuck case onto the fixed version
        inst = db.session.get(Application, app_id).instance
        fixed = db.session.execute(
            db.select(ProcessVersion).where(
                ProcessVersion.is_current.is_(True),
                ProcessVersion.process_id == "business_registration",
            )
        ).scalar_one()
        inst.process_version_id = fixed.id
        db.session.commit()
        runtime.forget_specs()
    resp = admin.post(f"/admin/incidents/{incident_id}/retry")
    told = _flashes(admin.get(resp.headers["Location"]).get_data(as_text=True))
    assert "办件已恢复流转" in told or "The case moved on" in told, told
    assert _incidents(app)[0][1]  # resolved
    with app.app_context():
        assert db.session.get(Application, app_id).decision == "approved"


def test_retry_of_a_failed_job_requeues_it_and_reports_only_what_happened(
    app, client, make_client, wait_jobs, local_jobs, monkeypatch
):
    """The auto-review job fails for good: an incident. Before, a retry answered "moved on"
    while nothing ran again and the case stayed stuck. Now the call is queued again, the
    incident stays open while it fails (one incident, with the latest error) and is resolved
    once the call produces its result."""
    from app.models import Application, CaseEvent
    from app.services import reviews

    monkeypatch.setitem(app.config, "JOB_MAX_ATTEMPTS", 1)
    calls = {"n": 0}
    real = reviews.review_case

    def broken(application):
        calls["n"] += 1
        raise RuntimeError(f"OCR service down #{calls['n']}")

    monkeypatch.setattr(reviews, "review_case", broken)
    app_id = _submitted_case(client, wait_jobs, seed=43, mobile="13911110043")
    wait_jobs()
    [(incident_id, resolved, message)] = _incidents(app)
    assert not resolved and "OCR service down #1" in message

    admin = make_client()
    admin.login("admin")
    resp = admin.post(f"/admin/incidents/{incident_id}/retry")
    told = _flashes(admin.get(resp.headers["Location"]).get_data(as_text=True))
    assert "办件已恢复流转" not in told and "The case moved on" not in told, told
    wait_jobs()
    assert calls["n"] == 2, told  # it really ran again
    [(same_id, resolved, message)] = _incidents(app)  # one incident, still open
    assert same_id == incident_id and not resolved and "OCR service down #2" in message

    monkeypatch.setattr(reviews, "review_case", real)
    admin.post(f"/admin/incidents/{incident_id}/retry")
    wait_jobs()
    [(_id, resolved, _m)] = _incidents(app)
    assert resolved
    with app.app_context():
        kinds = set(
            db.session.execute(
                db.select(CaseEvent.kind).where(CaseEvent.application_id == app_id)
            ).scalars()
        )
        assert "auto_review" in kinds
        assert db.session.get(Application, app_id).instance.status != "error"
