"""Parallel requests against the real database (SQLite, or PostgreSQL with DATABASE_URL):
two clerks decide two parallel reviews of one case at the same moment and no update is lost;
twenty uploads into one slot at once store no more than the limit; a dozen "apply" presses
at once open one draft."""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path

from PIL import Image

from app.domain.errors import Conflict
from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    Attachment,
    HumanTask,
    Service,
    TaskStatus,
    User,
    WorkflowInstance,
)
from app.services import approvals, catalogue
from app.workflow import runtime
from tests.integration.test_access_and_bad_input import _submitted_case


def _decide_in_thread(app, username, task_id, barrier, results):
    with app.app_context():
        clerk = db.session.execute(db.select(User).where(User.username == username)).scalar()
        barrier.wait()
        try:
            approvals.decide(clerk, task_id, {"approved": "true", "comment": username})
            results[username] = "ok"
        except Conflict as exc:
            results[username] = exc.code
        finally:
            db.session.remove()


def test_parallel_advances_of_one_instance_lose_nothing(app, client, wait_jobs):
    app_id = _submitted_case(client, wait_jobs, seed=4, mobile="13911110001")
    with app.app_context():
        tasks = {
            t.lane: t.id
            for t in db.session.execute(
                db.select(HumanTask).where(
                    HumanTask.application_id == app_id,
                    HumanTask.form != "intake_decision",  # the intake (受理) is done already
                )
            ).scalars()
        }
    for _round in range(3):  # retry what was told to retry, like a clerk would
        pending = {lane: tid for lane, tid in tasks.items() if lane != "market_regulation"}
        with app.app_context():
            pending = {
                lane: tid
                for lane, tid in pending.items()
                if db.session.get(HumanTask, tid).status != TaskStatus.DONE
            }
            db.session.remove()
        if not pending:
            break
        barrier = threading.Barrier(len(pending))
        results: dict = {}
        threads = [
            threading.Thread(
                target=_decide_in_thread, args=(app, f"clerk_{lane}", tid, barrier, results)
            )
            for lane, tid in pending.items()
        ]
        [t.start() for t in threads]
        [t.join(60) for t in threads]
        assert set(results.values()) <= {"ok", "concurrent_advance", "busy"}, results
    with app.app_context():
        inst = db.session.execute(
            db.select(WorkflowInstance).where(WorkflowInstance.application_id == app_id)
        ).scalar()
        ready = runtime.load(inst).ready_user_tasks()
        assert [r.lane for r in ready] == ["market_regulation"]  # both others really done
        assert inst.revision >= 4
        clerk = db.session.execute(
            db.select(User).where(User.username == "clerk_market_regulation")
        ).scalar()
        approvals.decide(clerk, tasks["market_regulation"], {"approved": "true", "comment": ""})
        assert db.session.get(Application, app_id).status == ApplicationStatus.APPROVED


PARALLEL = 20
PRESSES = 12  # all held at once below, each with a pooled connection (the pool has 15)
CITIZEN = "13800138000"  # the demo citizen
SERVICE = "business_registration"


def _same_browser(make_client, logged_in):
    """Another test client carrying `logged_in`'s session cookie and CSRF token: one citizen's
    browser sending many requests at once (each client is used by one thread only)."""
    other = make_client()
    cookie = logged_in.http.get_cookie("session")
    other.http.set_cookie(cookie.key, cookie.value)
    other.token = logged_in.token
    return other


def _all_at_once(send, clients):
    """Call `send(i, client)` from one thread per client, released together; the responses."""
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)

    def run(i):
        barrier.wait()
        responses[i] = send(i, clients[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    [t.start() for t in threads]
    [t.join(120) for t in threads]
    assert all(r is not None for r in responses), "a request did not finish"
    return responses


def _small_png(shade: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, shade, shade)).save(buf, format="PNG")
    return buf.getvalue()


def _stored_uploads(app) -> set[str]:
    root = Path(app.config["UPLOAD_DIR"])
    return {p.name for p in root.glob("??/*") if p.is_file()}


def test_parallel_uploads_into_one_slot_store_at_most_the_limit(app, client, make_client):
    client.login(CITIZEN)
    resp = client.post(f"/services/{SERVICE}/apply")
    app_id = int(re.search(r"/applications/(\d+)", resp.headers["Location"]).group(1))
    client.get(f"/applications/{app_id}/materials")
    limit = app.config["MAX_FILES_PER_SLOT"]
    assert PARALLEL > limit
    before = _stored_uploads(app)
    browsers = [_same_browser(make_client, client) for _ in range(PARALLEL)]

    def upload(i, browser):
        return browser.post(
            f"/applications/{app_id}/materials",
            {"slot": "lease", "file": (io.BytesIO(_small_png(i * 10)), "lease.png")},
            content_type="multipart/form-data",
        )

    responses = _all_at_once(upload, browsers)
    assert [r.status_code for r in responses] == [302] * PARALLEL
    with app.app_context():
        stored = db.session.execute(
            db.select(Attachment.stored_name).where(
                Attachment.application_id == app_id, Attachment.slot == "lease"
            )
        ).scalars()
        stored = set(stored)
    assert len(stored) == limit  # every upload was valid: exactly the limit got in
    assert _stored_uploads(app) - before == stored  # the refused ones left no file behind


def test_parallel_apply_presses_open_one_draft(app, client, make_client, monkeypatch):
    client.login(CITIZEN)
    client.get(f"/services/{SERVICE}")
    browsers = [_same_browser(make_client, client) for _ in range(PRESSES)]
    # Widen the race to its worst case: every press has looked for a draft and found none
    # before any of them goes on to create one.
    looked = threading.Barrier(PRESSES, timeout=30)
    real_service_form = catalogue.service_form

    def service_form_after_all_looked(service):
        try:
            looked.wait()
        except threading.BrokenBarrierError:
            pass
        return real_service_form(service)

    monkeypatch.setattr(catalogue, "service_form", service_form_after_all_looked)
    responses = _all_at_once(lambda _i, b: b.post(f"/services/{SERVICE}/apply"), browsers)
    assert not looked.broken  # the presses really overlapped
    assert [r.status_code for r in responses] == [302] * PRESSES
    opened = {r.headers["Location"] for r in responses}
    assert len(opened) == 1, opened  # every press went to the same draft
    with app.app_context():
        drafts = db.session.execute(
            db.select(Application.id)
            .join(Service)
            .join(User, Application.citizen_id == User.id)
            .where(
                Service.code == SERVICE,
                User.mobile == CITIZEN,
                Application.status == ApplicationStatus.DRAFT,
            )
        ).scalars()
        assert [f"/applications/{i}" for i in drafts] == [
            re.search(r"/applications/\d+", opened.pop()).group(0)
        ]
