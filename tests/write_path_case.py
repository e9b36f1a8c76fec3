"""One complete business-registration case through the services, as the web and the jobs
run it: start a draft, save the form, store three files, the file reviews, submit, the
auto-review, intake acceptance and three department decisions (with every job of each step
run before the next). Shared by benchmarks/write_path.py (which times and counts each step)
and tests/integration/test_write_path_statements.py (which holds the statement budget).

The file reading itself is replaced by `canned_review` (patch `file_workers.read_document`):
this is the write path, not OCR. Call inside an app (request) context."""

from __future__ import annotations

import io
from collections.abc import Callable

SERVICE = "business_registration"
FORM = {
    "company_name": "上海示例科技有限公司",
    "company_type": "llc",
    "registered_capital": "100",
    "address": "上海市浦东新区世纪大道100号",
    "business_scope": "软件开发",
}
PASSWORD = "Bench-2026-write"


def id_number(seq: int) -> str:
    """A valid resident ID number (GB 11643 check digit), different for each `seq`."""
    from datetime import date, timedelta

    born = date(1990, 1, 1) + timedelta(days=seq // 1000)
    body = f"110105{born:%Y%m%d}{seq % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def canned_review(*args, **kwargs) -> dict:
    """What a file review returns, without reading the file."""
    return {"verdict": "pass", "doc_type": kwargs.get("expected_type"), "reasons": [], "fields": {}}


def png() -> bytes:
    """A small blank PNG: the bytes every stored file gets."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(out, "PNG")
    return out.getvalue()


def make_citizens(n: int) -> list[int]:
    """n registered citizens (one draft per citizen and service at a time); not committed."""
    from app.extensions import db
    from app.models import Role, User
    from app.services.passwords import hash_password

    password_hash = hash_password(PASSWORD)
    ids = []
    for i in range(n):
        user = User(
            username=f"1390000{i:04d}",
            real_name="测试",
            id_number=id_number(i),
            mobile=f"1390000{i:04d}",
            password_hash=password_hash,
            role=Role.CITIZEN,
        )
        db.session.add(user)
        db.session.flush()
        ids.append(user.id)
    return ids


def one_case(
    citizen_id: int,
    wait_jobs: Callable[[], object],
    step: Callable[[str | None], None] = lambda name: None,
    data: bytes | None = None,
) -> int:
    """Run one case to its approval; returns its id. `step(name)` is called as each step
    begins (None: the driver's own look-ups, which are not the product's work)."""
    from app.extensions import db
    from app.models import Application, HumanTask, Service, TaskStatus, User
    from app.services import applications, approvals

    data = data if data is not None else png()
    citizen = db.session.get(User, citizen_id)
    service = db.session.execute(db.select(Service).where(Service.code == SERVICE)).scalar_one()
    step("start draft")
    draft = applications.start_draft(citizen, service)
    step("save form")
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
        step("store file")
        applications.add_attachment(draft, slot, f"{slot}.png", data)
    step("file reviews (jobs)")
    wait_jobs()
    step(None)
    application = db.session.get(Application, draft.id)
    missing = applications.check_complete(application)
    assert not missing, missing
    step("submit")
    applications.submit(application)
    step("auto-review (job)")
    wait_jobs()
    app_id = application.id
    db.session.remove()
    decisions = (("intake", {"intake": "accept"}),) + tuple(
        (f"decision {n}", {"approved": "true", "comment": "同意"}) for n in (1, 2, 3)
    )
    for name, raw in decisions:
        step(None)
        task = db.session.execute(
            db.select(HumanTask)
            .where(HumanTask.application_id == app_id, HumanTask.status == TaskStatus.OPEN)
            .order_by(HumanTask.id)
            .limit(1)
        ).scalar_one()
        clerk = db.session.execute(
            db.select(User).where(User.username == f"clerk_{task.department.code}")
        ).scalar_one()
        step(name)
        approvals.decide(clerk, task.id, raw)
        step("jobs after " + name)
        wait_jobs()
        db.session.remove()
    step(None)
    assert db.session.get(Application, app_id).decision == "approved"
    db.session.remove()
    return app_id
