"""Written notices (PDF) along a case: the receipt with the query code on submission, the
补正通知书 listing what to correct, the decision (准予 / 不予 with the remedies); who may
download them, and the public verification page their QR code points at."""

from __future__ import annotations

import io
import random
import re

import pytest

from app.extensions import db
from app.models import Application, Notice
from app.services import notices
from ml.synthetic import render
from tests import decisions, journeys
from tests.unit.test_notice_documents import pdf_text


def _notices(app, app_id):
    with app.app_context():
        rows = (
            db.session.execute(
                db.select(Notice).where(Notice.application_id == app_id).order_by(Notice.id)
            )
            .scalars()
            .all()
        )
        return [
            {"id": n.id, "kind": n.kind, "number": n.number, "code": n.verification_code}
            for n in rows
        ]


def _pdf(client, notice_id) -> str:
    resp = client.get(f"/notices/{notice_id}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    return pdf_text(resp.get_data())


@pytest.mark.slow
def test_receipt_correction_and_decision_notices_along_a_case(app, client, make_client, wait_jobs):
    """Submit → the receipt → a correction request → the 补正通知书 → corrections → approval →
    the decision; each notice downloadable from the case page as soon as it is issued."""
    _, person = render("id_card_front", random.Random(61), capture="clean")
    app_id = journeys.submitted_residence_permit(client, wait_jobs, person, "13911116101")
    with app.app_context():
        application = db.session.get(Application, app_id)
        case_number, query_code = application.case_number, application.query_code
        applicant = application.citizen.real_name
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{8}", query_code)
    receipt_row, acceptance_row = _notices(app, app_id)  # submitted, then accepted at intake
    assert (receipt_row["kind"], receipt_row["number"]) == ("receipt", f"{case_number}-HZ01")
    assert (acceptance_row["kind"], acceptance_row["number"]) == (
        "acceptance",
        f"{case_number}-SL02",
    )
    page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert f'<code id="query-code">{query_code}</code>' in page
    assert f'href="/notices/{receipt_row["id"]}.pdf"' in page
    receipt = _pdf(client, receipt_row["id"])
    assert "受理回执" in receipt and case_number in receipt and f"查询码{query_code}" in receipt
    assert f"申请人：{applicant}" in receipt and "公安局出入境与户政" in receipt
    # the list names the issuing department in the page's language (the PDF prints Chinese)
    notices_zh = page[page.index('id="notices"') :]
    assert "公安局出入境与户政" in notices_zh[: notices_zh.index("</div>")]
    english = client.get(f"/cases/{app_id}?lang=en").get_data(as_text=True)
    notices_en = english[english.index('id="notices"') :]
    notices_en = notices_en[: notices_en.index("</div>")]
    assert "公安局" not in notices_en and "Public Security" in notices_en
    # a label and its value: a full-width colon in Chinese, ": " in English
    assert "状态：" in page and "状态:" not in page and "Status: " in english

    police = make_client()
    police.login("clerk_public_security")
    task_id = journeys.open_task_id(police, case_number)
    resp = police.post(
        f"/clerk/tasks/{task_id}/decide",
        {"decision": "correct", "correction_items": "请重新上传在职证明\n请补充租赁合同第2页"},
    )
    assert resp.status_code == 302
    correction_row = _notices(app, app_id)[2]
    assert (correction_row["kind"], correction_row["number"]) == (
        "correction",
        f"{case_number}-BZ03",
    )
    page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert f'href="/notices/{correction_row["id"]}.pdf"' in page
    correction = _pdf(client, correction_row["id"])
    assert "补正通知书" in correction and "一次性告知" in correction
    assert "1.请重新上传在职证明" in correction and "2.请补充租赁合同第2页" in correction
    assert "公安局出入境与户政" in correction
    # The clerk sees what was sent, on the task page.
    task_page = police.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    assert 'id="notices"' in task_page and f"{case_number}-BZ03" in task_page

    resp = client.post(
        f"/cases/{app_id}/correction",
        {"note": "已重新上传", "file:employment": (io.BytesIO(journeys.blank_png()), "e2.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    wait_jobs()
    task_id = journeys.open_task_id(police, case_number)
    assert police.post(f"/clerk/tasks/{task_id}/decide", {"decision": "approve"}).status_code == 302
    found = [n for n in _notices(app, app_id) if n["kind"] != "acceptance"]
    assert [n["kind"] for n in found] == ["receipt", "correction", "approval"]
    assert found[2]["number"] == f"{case_number}-ZY04"
    approval = _pdf(client, found[2]["id"])
    assert "准予行政许可决定书" in approval and "决定准予行政许可" in approval
    with app.app_context():
        certificate = db.session.get(Application, app_id).certificate_number
    assert f"证照编号{certificate}" in approval
    assert "行政复议" not in approval  # the remedies go with a refusal only
    for text, n in zip((receipt, correction, approval), found):
        assert f"/verify/notices/{n['code']}" in text  # the URL the QR code holds
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", text)

    # Who may download: the case's clerks and admins; not another department, not another
    # citizen (404, as if there were no such notice); anonymous visitors are sent to log in.
    assert police.get(f"/notices/{found[1]['id']}.pdf").status_code == 200
    tax = make_client()
    tax.login("clerk_tax")
    assert tax.get(f"/notices/{found[1]['id']}.pdf").status_code == 404
    stranger = make_client()
    stranger.login("13800138000")  # the demo citizen, not this case's applicant
    assert stranger.get(f"/notices/{found[1]['id']}.pdf").status_code == 404
    admin = make_client()
    admin.login("admin")
    assert admin.get(f"/notices/{found[1]['id']}.pdf").status_code == 200
    anonymous = make_client()
    assert anonymous.get(f"/notices/{found[1]['id']}.pdf").status_code == 302  # to log-in


@pytest.mark.slow
def test_a_rejection_states_the_reasons_and_the_remedies_and_verifies_publicly(
    app, client, make_client, wait_jobs
):
    app_id = decisions.decided_case(
        app, client, make_client, wait_jobs, seed=62, mobile="13911116202", rejecting=("tax",)
    )
    found = _notices(app, app_id)
    assert [n["kind"] for n in found] == ["receipt", "acceptance", "rejection"]
    text = _pdf(client, found[2]["id"])
    assert "不予行政许可决定书" in text and "不予许可" in text
    assert "材料不全，不予许可" in text  # the reason the tax clerk gave
    assert "六十日内" in text and "行政复议" in text
    assert "六个月内" in text and "行政诉讼" in text
    assert "市场监督管理局、税务局、人力资源和社会保障局" in text  # 并联审批: every department

    with app.app_context():
        application = db.session.get(Application, app_id)
        name, case_number = application.citizen.real_name, application.case_number
    anonymous = make_client()
    page = anonymous.get(f"/verify/notices/{found[2]['code']}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'id="verified-notice"' in body and found[2]["number"] in body
    assert "不予行政许可决定书" in body and case_number in body
    masked = name[0] + "*" * (len(name) - 1)
    assert f'id="notice-applicant"><span translate="no">{masked}<' in body and name not in body
    assert "材料不全" not in body  # the reasons stay in the document

    english = anonymous.get(f"/verify/notices/{found[2]['code']}?lang=en").get_data(as_text=True)
    assert "This notice was issued through OneWindow and is valid." in english
    assert (
        '<span translate="no">不予行政许可决定书</span> (Decision to refuse the licence)' in english
    )

    missing = anonymous.get("/verify/notices/" + "x" * 24)
    assert missing.status_code == 404 and 'id="notice-not-found"' in missing.get_data(as_text=True)


def test_issue_refuses_unknown_kinds_and_missing_details(ctx):
    application = Application(case_number="YW20260101000001")
    with pytest.raises(ValueError, match="unknown notice kind 'memo'"):
        notices.issue(application, "memo")
    with pytest.raises(ValueError, match="needs reasons"):
        notices.issue(application, "rejection")


def test_mask_name():
    assert notices.mask_name("张三") == "张*"
    assert notices.mask_name("欧阳娜娜") == "欧***"
    assert notices.mask_name("") == "*"


def test_the_intake_and_clock_notices_through_the_generic_entry_point(app, ctx):
    from datetime import date

    from tests.integration.test_lookup import _submitted_row

    application = _submitted_row(app)
    accepted = notices.issue(application, "acceptance", decision_due=date(2026, 1, 29))
    refused = notices.issue(application, "refusal", reason="申请事项不属于本机关职权范围")
    extended = notices.issue(
        application, "extension", reason="需要现场核查", days=10, new_due=date(2026, 2, 12)
    )
    db.session.commit()
    texts = [pdf_text(notices.path_for(n).read_bytes()) for n in (accepted, refused, extended)]
    assert "受理通知书" in texts[0] and "决定予以受理" in texts[0] and "2026年1月29日前" in texts[0]
    assert "不予受理通知书" in texts[1] and "不属于本机关职权范围" in texts[1]
    assert "六十日内" in texts[1] and "六个月内" in texts[1]  # remedies of a refusal too
    assert "延期通知书" in texts[2] and "需要现场核查" in texts[2] and "延长10日" in texts[2]
    assert "2026年2月12日前作出决定" in texts[2]
    assert extended.details == {"reason": "需要现场核查", "days": 10, "new_due": "2026年2月12日"}
    numbers = [n.number.split("-")[-1] for n in (accepted, refused, extended)]
    assert numbers == ["SL01", "BSL02", "YQ03"]


def test_a_failed_use_case_leaves_no_notice_and_no_file(app, ctx):
    from app import uow
    from tests.integration.test_lookup import _submitted_row

    application = _submitted_row(app)
    folder = notices.notices_dir()
    before = set(folder.iterdir()) if folder.exists() else set()

    @uow.use_case
    def issue_then_fail():
        notices.issue(application, "acceptance")
        raise RuntimeError("the rest of the use case failed")

    with pytest.raises(RuntimeError):
        issue_then_fail()
    assert set(folder.iterdir()) == before
    assert db.session.execute(db.select(db.func.count(Notice.id))).scalar() == 0


def test_intake_and_extension_steps_issue_their_written_notices(app, client, wait_jobs):
    """受理通知书 on acceptance, 延期通知书 on the lead's extension (with its reason and the
    new date), 不予受理通知书 with the reason and remedies on a refusal at intake."""
    from app.models import User
    from app.services import clock

    accepted_id = journeys.submitted_case(client, wait_jobs, rendered=False)
    with app.app_context():
        lead = db.session.execute(
            db.select(User).where(User.username == "lead_market_regulation")
        ).scalar_one()
        clock.extend(lead, db.session.get(Application, accepted_id), "需要实地核查经营场所")
        db.session.remove()
    kinds = [n["kind"] for n in _notices(app, accepted_id)]
    assert kinds == ["receipt", "acceptance", "extension"]
    by_kind = {n["kind"]: n["id"] for n in _notices(app, accepted_id)}
    assert "受理通知书" in _pdf(client, by_kind["acceptance"])
    extension = _pdf(client, by_kind["extension"])
    assert "延期通知书" in extension and "需要实地核查经营场所" in extension

    client.logout()
    refused_id = journeys.submitted_case(
        client, wait_jobs, seed=31, mobile="13911118301", rendered=False, accept=False
    )
    journeys.decide_intake(app, refused_id, "refuse", comment="不属于本机关职权范围")
    refusal = [n for n in _notices(app, refused_id) if n["kind"] == "refusal"]
    assert len(refusal) == 1
    text = _pdf(client, refusal[0]["id"])
    assert "不予受理通知书" in text and "不属于本机关职权范围" in text
    assert "行政复议" in text and "行政诉讼" in text
