"""Two clerks decide two parallel reviews of one case at the same moment: no lost update."""

from __future__ import annotations

import threading

from app.domain.errors import Conflict
from app.extensions import db
from app.models import Application, ApplicationStatus, HumanTask, TaskStatus, User, WorkflowInstance
from app.services import approvals
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
                db.select(HumanTask).where(HumanTask.application_id == app_id)
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
