"""The write path of one complete case stays within its budget of SQL statements (issue 18).

The same case as benchmarks/write_path.py — a draft, its form, three files (their reading
replaced by a canned result), submission, the auto-review, intake and three department
decisions, every job run in this process — with every statement the database receives
counted. Counts are deterministic (no timing): a change that adds reloads or per-row
statements to the hot path fails here; the benchmark says where they come from
(`--shapes`).
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import Application, HumanTask, Role, Service, TaskStatus, User
from app.services import applications, approvals, file_workers
from app.services.passwords import hash_password

STATEMENTS_PER_CASE_AT_MOST = 185  # 178 on SQLite, 176 on PostgreSQL when this was written
FORM = {
    "company_name": "上海示例科技有限公司",
    "company_type": "llc",
    "registered_capital": "100",
    "address": "上海市浦东新区世纪大道100号",
    "business_scope": "软件开发",
}


def _id_number(seq: int) -> str:
    """A valid resident ID number (GB 11643 check digit), different for each `seq`."""
    body = f"11010519900101{seq % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def _canned_review(*args, **kwargs) -> dict:
    return {"verdict": "pass", "doc_type": kwargs.get("expected_type"), "reasons": [], "fields": {}}


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(out, "PNG")
    return out.getvalue()


def _complete_case(citizen_id: int, runner, count: list) -> int:
    """Run one case to its decision; statements are counted while `count[1]` is true (not
    during the test's own look-ups)."""
    citizen = db.session.get(User, citizen_id)
    service = db.session.execute(
        db.select(Service).where(Service.code == "business_registration")
    ).scalar_one()
    count[1] = True
    draft = applications.start_draft(citizen, service)
    applications.save_form(
        draft,
        {
            **FORM,
            "legal_rep_name": citizen.real_name,
            "legal_rep_id_number": citizen.id_number,
            "contact_phone": citizen.mobile,
        },
    )
    for slot in ("id_card_front", "id_card_back", "lease"):
        applications.add_attachment(draft, slot, f"{slot}.png", _png())
    assert runner.wait_idle(60)
    count[1] = False
    application = db.session.get(Application, draft.id)
    assert not applications.check_complete(application)
    count[1] = True
    applications.submit(application)
    assert runner.wait_idle(60)
    app_id = application.id
    db.session.remove()
    for raw in ({"intake": "accept"},) + ({"approved": "true", "comment": "同意"},) * 3:
        count[1] = False
        task = db.session.execute(
            db.select(HumanTask)
            .where(HumanTask.application_id == app_id, HumanTask.status == TaskStatus.OPEN)
            .order_by(HumanTask.id)
            .limit(1)
        ).scalar_one()
        clerk = db.session.execute(
            db.select(User).where(User.username == f"clerk_{task.department.code}")
        ).scalar_one()
        count[1] = True
        approvals.decide(clerk, task.id, raw)
        assert runner.wait_idle(60)
        db.session.remove()
    count[1] = False
    return app_id


@pytest.mark.slow
def test_one_complete_case_stays_within_its_statement_budget(ctx, local_jobs, monkeypatch):
    monkeypatch.setattr(file_workers, "read_document", _canned_review)
    citizens = []
    for n in range(2):
        user = User(
            username=f"1390000{n:04d}",
            real_name="测试",
            id_number=_id_number(n),
            mobile=f"1390000{n:04d}",
            password_hash=hash_password("Bench-2026-write"),
            role=Role.CITIZEN,
        )
        db.session.add(user)
        db.session.flush()
        citizens.append(user.id)
    db.session.commit()  # test set-up, outside the product's use cases
    db.session.remove()

    count = [0, False]

    def counted(*args, **kwargs):
        if count[1]:
            count[0] += 1

    with ctx.test_request_context():
        _complete_case(citizens[0], local_jobs, [0, False])  # warm up: caches, first use
        event.listen(db.engine, "before_cursor_execute", counted)
        try:
            app_id = _complete_case(citizens[1], local_jobs, count)
        finally:
            event.remove(db.engine, "before_cursor_execute", counted)
        assert db.session.get(Application, app_id).decision == "approved"
    assert count[0] <= STATEMENTS_PER_CASE_AT_MOST, (
        f"{count[0]} SQL statements for one complete case (at most "
        f"{STATEMENTS_PER_CASE_AT_MOST}): run benchmarks/write_path.py --shapes 20 to see "
        "which statements were added"
    )
