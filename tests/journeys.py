"""Reusable steps of the citizen → clerks → decision journey, for integration tests."""

from __future__ import annotations

import io
import random
import re

from ml.synthetic import render

SERVICE = "business_registration"
DEPARTMENTS = ("market_regulation", "tax", "social_security")


def png_bytes(image) -> bytes:
    """Encode a PIL image as PNG."""
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def make_materials(seed: int = 7) -> dict:
    """A consistent set of documents: the ID card's name/number define the applicant."""
    rng = random.Random(seed)
    front, front_fields = render("id_card_front", rng, capture="clean")
    back, _ = render("id_card_back", rng, capture="clean")
    lease, _ = render("lease_contract", rng, capture="clean")
    return {
        "person": front_fields,
        "files": {
            "id_card_front": png_bytes(front),
            "id_card_back": png_bytes(back),
            "lease": png_bytes(lease),
        },
    }


def register(client, person: dict, mobile: str = "13911112222") -> None:
    """Register a citizen whose identity matches the rendered ID card."""
    client.get("/register")
    resp = client.post(
        "/register",
        {
            "real_name": person["name"],
            "id_number": person["id_number"],
            "mobile": mobile,
            "password": "Secret2024pw",
            "password2": "Secret2024pw",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]


def start_application(client) -> int:
    """Open the guide, press apply; returns the draft's id."""
    assert client.get(f"/services/{SERVICE}").status_code == 200
    resp = client.post(f"/services/{SERVICE}/apply")
    assert resp.status_code == 302
    return int(re.search(r"/applications/(\d+)", resp.headers["Location"]).group(1))


def fill_form(client, app_id: int, person: dict) -> None:
    """Fill the business-registration form consistently with the ID card."""
    resp = client.post(
        f"/applications/{app_id}",
        {
            "company_name": "上海示例科技有限公司",
            "company_type": "llc",
            "registered_capital": "100",
            "address": "上海市浦东新区世纪大道100号",
            "business_scope": "软件开发；技术咨询",
            "legal_rep_name": person["name"],
            "legal_rep_id_number": person["id_number"],
            "contact_phone": "13911112222",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]


def upload(client, app_id: int, slot: str, data: bytes, name: str):
    """Upload one file for a slot; returns the response (a redirect)."""
    return client.post(
        f"/applications/{app_id}/materials",
        {"slot": slot, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def submit(client, app_id: int):
    """Press submit on the confirmation page."""
    client.get(f"/applications/{app_id}/confirm")
    return client.post(f"/applications/{app_id}/submit")


def open_task_id(client, case_number: str) -> int:
    """The id of the queue row for `case_number` in the logged-in clerk's queue."""
    body = client.get("/clerk/").get_data(as_text=True)
    match = re.search(rf'data-task="(\d+)" data-case="{re.escape(case_number)}"', body)
    assert match, f"case {case_number} not in queue"
    return int(match.group(1))


def blank_png() -> bytes:
    """A tiny white PNG (fast to OCR: for tests that do not look at the review)."""
    from PIL import Image

    return png_bytes(Image.new("RGB", (60, 40), "white"))


def decide_intake(
    app, app_id: int, intake: str = "accept", *, missing_ok: bool = False, **fields
) -> None:
    """The lead department's clerk decides the open intake task (受理) of case `app_id`:
    'accept', 'refuse' (with `comment`) or 'correct' (with `correction_items`).
    With `missing_ok` a case without an open intake task (a test's own diagram) is left as
    it is."""
    from app.extensions import db
    from app.models import HumanTask, TaskStatus, User
    from app.services import approvals

    with app.app_context():
        task = db.session.execute(
            db.select(HumanTask).where(
                HumanTask.application_id == app_id,
                HumanTask.form == "intake_decision",
                HumanTask.status.in_([TaskStatus.OPEN, TaskStatus.CLAIMED]),
            )
        ).scalar_one_or_none()
        if task is None and missing_ok:
            return
        assert task is not None, f"case {app_id} has no open intake task"
        clerk = db.session.execute(
            db.select(User).where(User.username == f"clerk_{task.department.code}")
        ).scalar_one()
        approvals.decide(clerk, task.id, {"intake": intake, **fields})
        db.session.remove()


def submitted_case(
    client,
    wait_jobs,
    *,
    seed: int = 3,
    mobile: str = "13911115555",
    rendered: bool = True,
    accept: bool = True,
) -> int:
    """Register a citizen, apply, upload every material, submit, wait for the auto-review,
    and (unless `accept=False`) let market regulation accept it at intake (受理).

    With `rendered=False` blank images are uploaded instead of rendered documents (faster).
    Returns the application id; its three department reviews are then open.
    """
    materials = make_materials(seed=seed)
    register(client, materials["person"], mobile=mobile)
    app_id = start_application(client)
    fill_form(client, app_id, materials["person"])
    for slot, data in materials["files"].items():
        upload(client, app_id, slot, data if rendered else blank_png(), f"{slot}.png")
    wait_jobs()
    assert submit(client, app_id).status_code == 302
    wait_jobs()
    if accept:
        decide_intake(client.app, app_id, missing_ok=True)
    return app_id


RESIDENCE_PERMIT_SLOTS = ("id_card_front", "id_card_back", "lease", "employment")


def submitted_residence_permit(
    client, wait_jobs, person: dict, mobile: str, files: dict | None = None, accept: bool = True
) -> int:
    """Register `person`, apply for a residence permit, upload `files` (slot -> bytes; blank
    images for the slots not given), submit, wait for the auto-review and (unless
    `accept=False`) let public security accept it at intake. Returns the id."""
    register(client, person, mobile=mobile)
    resp = client.post("/services/residence_permit/apply")
    app_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    resp = client.post(
        f"/applications/{app_id}",
        {
            "applicant_name": person["name"],
            "applicant_id_number": person["id_number"],
            "contact_phone": mobile,
            "household_address": "四川省成都市武侯区",
            "residence_address": "上海市徐汇区漕溪北路1号",
            "residence_since": "2025-01-01",
            "residence_type": "rented",
            "employer": "上海示例科技有限公司",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    for slot in RESIDENCE_PERMIT_SLOTS:
        upload(client, app_id, slot, (files or {}).get(slot) or blank_png(), f"{slot}.png")
    wait_jobs()
    assert submit(client, app_id).status_code == 302
    wait_jobs()
    if accept:
        decide_intake(client.app, app_id, missing_ok=True)
    return app_id


def submitted_housing_fund(client, wait_jobs, *, amount: int = 60000, accept: bool = True) -> int:
    """The demo citizen (张三) applies for a housing-fund withdrawal of `amount` CNY (over
    50,000 needs the lead after the clerk), blank images as materials; submitted, the
    auto-review done and (unless `accept=False`) accepted at intake. Returns the id."""
    client.login("13800138000")
    resp = client.post("/services/housing_fund_withdrawal/apply")
    app_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    resp = client.post(
        f"/applications/{app_id}",
        {
            "depositor_name": "张三",
            "depositor_id_number": "11010519491231002X",
            "fund_account": "123456",
            "contact_phone": "13800138000",
            "reason": "rent",
            "amount": str(amount),
            "bank_account": "6222000011112222",
            "bank_name": "工商银行",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    for slot in ("id_card_front", "lease"):
        upload(client, app_id, slot, blank_png(), f"{slot}.png")
    wait_jobs()
    assert submit(client, app_id).status_code == 302
    wait_jobs()
    if accept:
        decide_intake(client.app, app_id, missing_ok=True)
    return app_id


def decide_task(clerk, case_number: str, *, approved: bool, comment: str):
    """The logged-in clerk decides their queue's task of `case_number`; returns the answer."""
    task_id = open_task_id(clerk, case_number)
    return clerk.post(
        f"/clerk/tasks/{task_id}/decide",
        {"approved": "true" if approved else "false", "comment": comment},
    )


def attachment_named(app, name: str):
    """The uploaded file called `name`, detached from its session (read its columns freely)."""
    from app.extensions import db
    from app.models import Attachment

    with app.app_context():
        att = db.session.execute(
            db.select(Attachment).where(Attachment.original_name == name)
        ).scalar_one()
        db.session.expunge(att)
        return att
