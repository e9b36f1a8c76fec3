"""Demo data for a fresh installation: the shipped departments (`workflows/departments.json`),
a clerk and a lead per department, an administrator, a citizen (also the verified legal
representative of a demo company) and the company's agent (代办), the shipped services, a
local demo CA and agency signing certificate for e-certificates (unless the agency's own are
configured),
and (outside tests) a few sample cases of the demo citizen, decided and rated through the
services, so that the performance page has something to show — then, holding the business
licence an approved one issued, the citizen applies for 单位参保登记 without uploading it
(the licence by reference, the proof of premises by a declaration, the staff list deferred).

Idempotent: running it again changes nothing that already exists (a department renamed in
the file is renamed in the table).
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta

from flask import current_app

from app import uow
from app.extensions import db
from app.models import (
    AgentAuthorisation,
    Application,
    Company,
    HumanTask,
    Role,
    Service,
    TaskStatus,
    User,
    utcnow,
)
from app.models.companies import VERIFIED_BY_STAFF
from app.services import catalogue, departments, holidays, signing
from app.services.accounts import create_staff
from app.services.passwords import hash_password
from app.services.periods import local_today

DEMO_PASSWORD = "Demo12345"
ADMIN = ("admin", "系统管理员")
AUDITOR = ("auditor", "审计员")
CITIZEN = {
    "username": "13800138000",
    "real_name": "张三",
    "id_number": "11010519491231002X",
    "mobile": "13800138000",
}
# The demo company: 张三 is its (verified) legal representative and 李四 its agent (代办).
AGENT = {
    "username": "13900139000",
    "real_name": "李四",
    "id_number": "310115198808081237",
    "mobile": "13900139000",
}
COMPANY = {"credit_code": "91310115666688884P", "name": "上海张三示例科技有限公司"}


def _demo_company() -> list[tuple[str, str, str]]:
    """The demo company, verified as demo data, with 李四 authorised for every service for a
    year (created once; never renewed behind the user's back). Returns its logins."""
    citizen = db.session.execute(
        db.select(User).where(User.username == CITIZEN["username"])
    ).scalar_one()
    agent = db.session.execute(db.select(User).where(User.username == AGENT["username"])).scalar()
    if agent is None:
        agent = User(role=Role.CITIZEN, password_hash=hash_password(DEMO_PASSWORD), **AGENT)
        db.session.add(agent)
    company = db.session.execute(
        db.select(Company).where(Company.credit_code == COMPANY["credit_code"])
    ).scalar()
    if company is None:
        company = Company(
            legal_rep=citizen,
            verified_at=utcnow(),
            verified_via=VERIFIED_BY_STAFF,
            verify_reason="演示数据",
            **COMPANY,
        )
        db.session.add(company)
        db.session.add(
            AgentAuthorisation(
                company=company,
                agent=agent,
                granted_by=citizen,
                all_services=True,
                service_codes=[],
                valid_until=local_today() + timedelta(days=365),
            )
        )
    what = f"demo company {COMPANY['name']} ({COMPANY['credit_code']})"
    return [(AGENT["username"], DEMO_PASSWORD, f"citizen 李四, agent (代办) of the {what}")]


def clerk_username(code: str) -> str:
    """The demo clerk's login for a department."""
    return f"clerk_{code}"


log = logging.getLogger(__name__)


def load_demo_data(sample_cases: bool | None = None) -> dict:
    """Create what is missing and deploy shipped processes, then commit. Returns the logins.

    `sample_cases` (default: yes, except in tests) also runs the demo citizen's sample cases.
    """
    from app.services.deployment import deploy_shipped

    listed = departments.load_departments().listed  # workflows/departments.json
    depts = {d.code: d for d in departments.list_departments()}
    logins = []
    for code in listed:
        dept = depts[code]
        create_staff(clerk_username(code), f"{dept.name_zh}审批员", DEMO_PASSWORD, Role.CLERK, dept)
        create_staff(
            f"lead_{code}", f"{dept.name_zh}科长", DEMO_PASSWORD, Role.CLERK, dept, is_lead=True
        )
        logins.append((clerk_username(code), DEMO_PASSWORD, f"clerk, {code}"))
        logins.append((f"lead_{code}", DEMO_PASSWORD, f"department lead, {code}"))
    create_staff(ADMIN[0], ADMIN[1], DEMO_PASSWORD, Role.ADMIN)
    logins.append((ADMIN[0], DEMO_PASSWORD, "administrator"))
    create_staff(AUDITOR[0], AUDITOR[1], DEMO_PASSWORD, Role.AUDITOR)
    logins.append((AUDITOR[0], DEMO_PASSWORD, "auditor (audit trail)"))
    if (
        db.session.execute(db.select(User).where(User.username == CITIZEN["username"])).scalar()
        is None
    ):
        db.session.add(
            User(role=Role.CITIZEN, password_hash=hash_password(DEMO_PASSWORD), **CITIZEN)
        )
    logins.insert(
        0,
        (
            CITIZEN["username"],
            DEMO_PASSWORD,
            "citizen 张三, legal representative of the demo company",
        ),
    )
    logins[1:1] = _demo_company()
    catalogue.sync_services()
    if not signing.agency_configured():
        signing.init_demo_ca()  # a local demo CA and agency certificate, once, in instance/
    db.session.flush()
    deployed = deploy_shipped()
    this_year = local_today().year
    for year in holidays.official_years():
        if year >= this_year - 1:  # the sample cases' year and what lies ahead
            holidays.import_official(year)
    uow.commit()  # the reference data first: each sample case below is a use case of its own
    if sample_cases is None:
        sample_cases = not current_app.testing
    samples = load_sample_cases() if sample_cases else 0
    return {"logins": logins, "deployed": deployed, "sample_cases": samples}


# The demo citizen's sample business-registration cases: which departments say no, then the
# citizen's rating (level, comment); None = still with the departments.
SAMPLE_CASES = [
    ((), (5, "办理很快，一次办成。")),
    ((), (4, None)),
    (("tax",), (2, "驳回的理由没有写清楚，不知道该补什么材料。")),
    (None, None),
]
SAMPLE_FORM = {
    "company_name": "上海张三示例科技有限公司",
    "company_type": "llc",
    "registered_capital": "100",
    "address": "上海市浦东新区世纪大道100号",
    "business_scope": "软件开发；技术咨询",
    "contact_phone": CITIZEN["mobile"],
}


def _blank_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(buf, format="PNG")
    return buf.getvalue()


def load_sample_cases(timeout: float = 60) -> int:
    """Apply, decide and rate the sample cases through the services; returns how many were
    made. Skipped if the demo citizen has any case already, or if jobs run on Celery (no
    worker may be running yet to do the auto-review the cases wait for)."""
    from app.jobs.queue import runner_for
    from app.services import applications, approvals, ratings

    if current_app.config.get("REDIS_URL"):
        log.info("demo: sample cases skipped (background jobs run on Celery)")
        return 0
    citizen = db.session.execute(
        db.select(User).where(User.username == CITIZEN["username"])
    ).scalar_one()
    if db.session.execute(
        db.select(Application.id)
        .where(Application.citizen_id == citizen.id, Application.case_number.is_not(None))
        .limit(1)
    ).first():
        return 0
    service = db.session.execute(
        db.select(Service).where(Service.code == "business_registration")
    ).scalar_one()
    runner = runner_for(current_app._get_current_object())
    image = _blank_png()
    made = []
    for _case in SAMPLE_CASES:
        draft = applications.start_draft(citizen, service)
        errors = applications.save_form(
            draft,
            dict(
                SAMPLE_FORM, legal_rep_name=citizen.real_name, legal_rep_id_number=citizen.id_number
            ),
        )
        if errors:
            raise RuntimeError(f"demo: the sample form no longer validates: {errors}")
        for slot in applications.material_slots(draft):
            if slot.get("required") or slot.get("required_group"):
                applications.add_attachment(draft, slot["slot"], f"{slot['slot']}.png", image)
        applications.submit(draft)
        made.append(draft.id)
    if not runner.wait_idle(timeout):  # the auto-review of every case
        log.warning("demo: auto-review still running; sample cases left undecided")
        return len(made)
    db.session.expire_all()

    def open_tasks(app_id):
        return (
            db.session.execute(
                db.select(HumanTask)
                .where(HumanTask.application_id == app_id, HumanTask.status == TaskStatus.OPEN)
                .order_by(HumanTask.id)
            )
            .scalars()
            .all()
        )

    def clerk_of(task):
        return db.session.execute(
            db.select(User).where(User.username == clerk_username(task.department.code))
        ).scalar_one()

    for app_id, (rejecting, rating) in zip(made, SAMPLE_CASES):
        if rejecting is None:
            continue
        for task in open_tasks(app_id):  # the lead department accepts first (受理)
            if task.form == "intake_decision":
                approvals.decide(clerk_of(task), task.id, {"intake": "accept"})
        for task in open_tasks(app_id):
            no = task.department.code in rejecting
            approvals.decide(
                clerk_of(task),
                task.id,
                {
                    "approved": "false" if no else "true",
                    "comment": "经营场所证明材料不全，不予许可。" if no else "材料齐全，同意。",
                },
            )
        application = db.session.get(Application, app_id)
        if rating and application.decision:
            ratings.rate(citizen, application, rating[0], rating[1])
    return len(made) + (1 if load_reuse_sample(citizen, image) else 0)


def load_reuse_sample(citizen: User, image: bytes) -> Application | None:
    """The demo citizen applies for 单位参保登记 with the business licence in the register:
    the form prefilled from it, the licence slot filled by reference, the proof of premises
    by the declaration, the ID card uploaded, the staff list left to follow (容缺).
    None if the citizen holds no valid licence."""
    from app.services import applications, commitments, reuse

    service = db.session.execute(
        db.select(Service).where(Service.code == "employer_insurance")
    ).scalar()
    licences = reuse.usable_certificates(citizen, "business_licence")
    if service is None or not licences:
        return None
    draft = applications.start_draft(citizen, service)
    values = dict(draft.form_data or {}, employees="8", insured_from=local_today().isoformat())
    errors = applications.save_form(draft, values)
    if errors:
        raise RuntimeError(f"demo: the reuse sample's form no longer validates: {errors}")
    for slot in applications.material_slots(draft):
        if slot.get("ecertificate"):
            reuse.use_certificate(draft, slot["slot"], licences[0].id, citizen)
        elif slot.get("declarable"):
            commitments.declare(draft, slot["slot"], True, citizen)
        elif slot.get("required") and not slot.get("deferrable"):
            applications.add_attachment(draft, slot["slot"], f"{slot['slot']}.png", image)
    return applications.submit(draft)
