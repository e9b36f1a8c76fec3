"""Demo data for a fresh installation: departments, staff, a citizen, the shipped services.

Idempotent: running it again changes nothing that already exists.
"""
from __future__ import annotations

from app.extensions import db
from app.models import Department, Role, User
from app.services import catalogue
from app.services.accounts import create_staff
from app.services.passwords import hash_password

DEPARTMENTS = [
    ("market_regulation", "市场监督管理局", "Market Regulation Bureau"),
    ("tax", "税务局", "Tax Bureau"),
    ("social_security", "人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    ("public_security", "公安局出入境与户政", "Public Security (Household and Residence)"),
    ("housing_fund", "住房公积金管理中心", "Housing Provident Fund Centre"),
    ("human_resources", "人才服务中心", "Talent Services Centre"),
]
DEMO_PASSWORD = "Demo12345"
ADMIN = ("admin", "系统管理员")
CITIZEN = {"username": "13800138000", "real_name": "张三", "id_number": "11010519491231002X",
           "mobile": "13800138000"}


def clerk_username(code: str) -> str:
    """The demo clerk's login for a department."""
    return f"clerk_{code}"


def load_demo_data() -> dict:
    """Create what is missing and deploy shipped processes. Commits. Returns the logins."""
    from app.workflow.deployment import deploy_shipped
    depts = {}
    for code, zh, en in DEPARTMENTS:
        dept = db.session.execute(db.select(Department).where(Department.code == code)).scalar()
        if dept is None:
            dept = Department(code=code, name_zh=zh, name_en=en)
            db.session.add(dept)
        depts[code] = dept
    db.session.flush()
    logins = []
    for code, zh, _ in DEPARTMENTS:
        create_staff(clerk_username(code), f"{zh}审批员", DEMO_PASSWORD, Role.CLERK, depts[code])
        create_staff(f"lead_{code}", f"{zh}科长", DEMO_PASSWORD, Role.CLERK, depts[code],
                     is_lead=True)
        logins.append((clerk_username(code), DEMO_PASSWORD, f"clerk, {code}"))
        logins.append((f"lead_{code}", DEMO_PASSWORD, f"department lead, {code}"))
    create_staff(ADMIN[0], ADMIN[1], DEMO_PASSWORD, Role.ADMIN)
    logins.append((ADMIN[0], DEMO_PASSWORD, "administrator"))
    if db.session.execute(db.select(User).where(User.username == CITIZEN["username"])).scalar() is None:
        db.session.add(User(role=Role.CITIZEN, password_hash=hash_password(DEMO_PASSWORD), **CITIZEN))
    logins.insert(0, (CITIZEN["username"], DEMO_PASSWORD, "citizen 张三"))
    catalogue.sync_services()
    db.session.flush()
    deployed = deploy_shipped()
    db.session.commit()
    return {"logins": logins, "deployed": deployed}
