"""A case full of personal data for the masking and reveal tests: 张三's business
registration whose form holds a representative's ID number and phone, and whose ID card's
auto-review read his ID number, birth date and an address (in its fields, its text, a check
and a reason's evidence), and whose lease names a landlord and an address that its OCR'd text
spaces differently."""

from __future__ import annotations

from app.extensions import db
from app.models import Application, Attachment, Department, HumanTask
from tests import queue_data

ID_NUMBER = "11010519491231002X"  # the demo citizen 张三's
MOBILE = "13800138000"
REP_NAME = "李小龙"
REP_ID = "110101199003071234"  # typed in the form
REP_PHONE = "13912345678"
OCR_ADDRESS = "上海市浦东新区张江路88号"
LESSOR = "周宇刚"  # the landlord: read from the lease, in no form field
LEASE_ADDRESS = "浙江省杭州市西湖区滨江大道261号金色港湾27栋902室"
LEASE_TEXT = (
    f"房屋租赁合同 出租方 {LESSOR} 承租方 张三 "
    "房屋坐落 浙江省杭州市西湖区滨江大道 261 号金色港湾 27 栋 902 室"
)


def dept(code: str) -> int:
    return db.session.execute(db.select(Department.id).where(Department.code == code)).scalar_one()


def sensitive_case() -> tuple[int, int, int]:
    """Create the case (inside an app context, committed). Returns (application id, tax's
    review task id, ID card attachment id)."""
    app_id = queue_data.real_case(citizen_username="13800138000")
    application = db.session.get(Application, app_id)
    application.form_data = {
        "company_name": "上海示例科技有限公司",
        "legal_rep_name": REP_NAME,
        "legal_rep_id_number": REP_ID,
        "contact_phone": REP_PHONE,
    }
    card = db.session.execute(
        db.select(Attachment).where(
            Attachment.application_id == app_id, Attachment.slot == "id_card_front"
        )
    ).scalar_one()
    card.review = {
        "verdict": "attention",
        "doc_type": "id_card_front",
        "confidence": 0.93,
        "text": f"姓名 张三 住址 {OCR_ADDRESS} 公民身份号码 {ID_NUMBER} 出生 1949-12-31",
        "fields": {
            "name": {"value": "张三"},
            "id_number": {"value": ID_NUMBER},
            "birth_date": {"value": "1949-12-31"},
            "address": {"value": OCR_ADDRESS},
            "sex": {"value": "男"},
        },
        "checks": [{"name": "id_match", "ok": False, "field": "id_number", "detail": ID_NUMBER}],
        "reasons": [
            {
                "code": "id_mismatch",
                "field": "id_number",
                "message": f"id_number on the document ({ID_NUMBER}) differs",
                "evidence": {"text": ID_NUMBER, "page": 0, "box": [1, 2, 3, 4]},
            }
        ],
        "pages": [{"width": 100, "height": 60, "words": [{"text": ID_NUMBER, "box": [1]}]}],
    }
    card.review_status = "attention"
    lease = db.session.execute(
        db.select(Attachment).where(Attachment.application_id == app_id, Attachment.slot == "lease")
    ).scalar_one()
    lease.review = {  # OCR spaced the address as the paper does: it matches no field's value
        "verdict": "pass",
        "doc_type": "lease_contract",
        "text": LEASE_TEXT,
        "fields": {
            "lessor": {"value": LESSOR},
            "lessee": {"value": "张三"},
            "address": {"value": LEASE_ADDRESS},
            "monthly_rent": {"value": "3500"},
        },
    }
    lease.review_status = "pass"
    task_id = db.session.execute(
        db.select(HumanTask.id).where(
            HumanTask.application_id == app_id,
            HumanTask.department_id == dept("tax"),
            HumanTask.form != "intake_decision",
        )
    ).scalar_one()
    db.session.commit()
    ids = (app_id, task_id, card.id)
    return ids
