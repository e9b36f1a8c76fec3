"""Notifications: what a citizen's journey tells whom, the inbox and its bell, privacy, and the
SMS/e-mail backends against real local servers (HTTP gateway, SMTP) including retries."""

from __future__ import annotations

import io
import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from app import uow
from app.domain import events
from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    CaseEvent,
    DeliveryStatus,
    HumanTask,
    Job,
    Notification,
    NotificationDelivery,
    User,
    WorkflowInstance,
)
from app.services import notifications, timeline
from tests import decisions, journeys
from tests.statements import counted_statements


def _notes(user_id: int) -> list[Notification]:
    return list(
        db.session.execute(
            db.select(Notification)
            .where(Notification.recipient_id == user_id)
            .order_by(Notification.id)
        ).scalars()
    )


def _user(username: str) -> User:
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


def _bell(page: str) -> int:
    match = re.search(r'id="unread-count">(\d+)<', page)
    return int(match.group(1)) if match else 0


@pytest.mark.slow
def test_rejected_journey_notifies_the_citizen_and_the_inbox_marks_read(
    app, client, make_client, wait_jobs
):
    app_id = journeys.submitted_case(
        client, wait_jobs, seed=5, mobile="13911118888", rendered=False
    )  # blank images: the check finds problems
    with app.app_context():
        case_number = db.session.get(Application, app_id).case_number
    decisions.decide_all(app, make_client, app_id, rejecting=("tax",), reason="纳税人识别信息不全")
    wait_jobs()
    # The process's notify task shows as a sentence on the timeline, not its template key.
    page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert "您的申请未获批准" in page and "application_rejected" not in page
    with app.app_context():
        citizen = db.session.get(Application, app_id).citizen
        notes = _notes(citizen.id)
        assert [n.kind for n in notes] == ["case_submitted", "review_problems", "case_rejected"]
        assert all(case_number in n.title for n in notes)
        assert all(n.application_id == app_id and n.link == f"/cases/{app_id}" for n in notes)
        assert "纳税人识别信息不全" in notes[-1].body  # the reasons of the rejection
        assert notes[0].title.startswith("申请已提交")  # written in Chinese; not "accepted"
        # New tasks in the three queues notified no clerk.
        assert (
            db.session.execute(
                db.select(db.func.count())
                .select_from(Notification)
                .where(Notification.recipient_id != citizen.id)
            ).scalar()
            == 0
        )
        # One SMS per notification to the citizen's mobile, sent by the log backend.
        deliveries = [d for n in notes for d in n.deliveries]
        assert [(d.channel, d.address, d.backend, d.status) for d in deliveries] == [
            ("sms", "13911118888", "log", DeliveryStatus.SENT)
        ] * 3
        assert all(
            d.content.startswith("【一网通办】") and n.title in d.content
            for n in notes
            for d in n.deliveries
        )
        ids = [n.id for n in notes]

    page = client.get("/cases").get_data(as_text=True)
    assert _bell(page) == 3
    inbox = client.get("/notifications/").get_data(as_text=True)
    assert inbox.count('data-read="no"') == 3 and "纳税人识别信息不全" in inbox
    resp = client.get(f"/notifications/{ids[2]}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/cases/{app_id}")
    assert _bell(client.get("/cases").get_data(as_text=True)) == 2
    with app.app_context():
        assert db.session.get(Notification, ids[2]).read_at is not None

    other = make_client()
    other.login("13800138000")  # another citizen
    assert other.get(f"/notifications/{ids[0]}").status_code == 404
    assert "纳税人识别信息不全" not in other.get("/notifications/").get_data(as_text=True)
    clerk = make_client()
    clerk.login("clerk_tax")
    assert clerk.get(f"/notifications/{ids[0]}").status_code == 404
    with app.app_context():
        assert db.session.get(Notification, ids[0]).read_at is None  # still unread

    resp = client.post("/notifications/read-all")
    assert resp.status_code == 302
    assert _bell(client.get("/notifications/").get_data(as_text=True)) == 0
    client.logout()
    assert client.get("/notifications/").status_code == 302  # to the login page


@pytest.mark.slow
def test_correction_is_notified_once_with_its_items_then_approval_with_certificate(
    app, client, make_client, wait_jobs
):
    person = journeys.make_materials(seed=9)["person"]
    app_id = journeys.submitted_residence_permit(client, wait_jobs, person, "13911116666")
    with app.app_context():
        case_number = db.session.get(Application, app_id).case_number
    police = make_client()
    police.login("clerk_public_security")
    task_id = journeys.open_task_id(police, case_number)
    assert (
        police.post(
            f"/clerk/tasks/{task_id}/decide",
            {"decision": "correct", "correction_items": "请上传加盖公章的在职证明"},
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Application, app_id).status == ApplicationStatus.CORRECTION
        citizen_id = db.session.get(Application, app_id).citizen_id
        corrections = [n for n in _notes(citizen_id) if n.kind == "correction_requested"]
        # The clerk's request and the process's own notify task are one message.
        assert len(corrections) == 1
        assert "请上传加盖公章的在职证明" in corrections[0].body
        assert "公安" in corrections[0].body  # which department asks

    client.post(
        f"/cases/{app_id}/correction",
        {"note": "已重新上传", "file:employment": (io.BytesIO(journeys.blank_png()), "e2.png")},
        content_type="multipart/form-data",
    )
    wait_jobs()
    task_id = journeys.open_task_id(police, case_number)
    assert police.post(f"/clerk/tasks/{task_id}/decide", {"decision": "approve"}).status_code == 302
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.status == ApplicationStatus.APPROVED
        approved = [n for n in _notes(citizen_id) if n.kind == "case_approved"]
        assert len(approved) == 1 and application.certificate_number in approved[0].body


def test_escalation_tells_the_departments_leads_in_their_language(app, client, wait_jobs):
    app_id = journeys.submitted_case(
        client, wait_jobs, seed=6, mobile="13911119999", rendered=False
    )
    from app.workflow.operators.notices import notify

    with app.app_context():
        lead, clerk = _user("lead_tax"), _user("clerk_tax")
        lead.preferred_locale = "en"
        db.session.commit()
        application = db.session.get(Application, app_id)
        notify(
            {"lane": "tax", "template": "review_overdue"}, {"case_number": application.case_number}
        )
        uow.commit()
        task_id = db.session.execute(
            db.select(HumanTask.id).where(
                HumanTask.application_id == app_id, HumanTask.lane == "tax"
            )
        ).scalar()
        [note] = _notes(lead.id)
        assert note.kind == "escalated" and note.link == f"/clerk/tasks/{task_id}"
        assert note.title == f"Escalated: case {application.case_number} is overdue"
        assert _notes(clerk.id) == []  # only leads
        db.session.remove()


def test_a_task_assigned_by_name_tells_that_clerk_and_a_queue_task_nobody(app, client, wait_jobs):
    from app.workflow import tasks

    app_id = journeys.submitted_case(
        client, wait_jobs, seed=8, mobile="13911110000", rendered=False
    )
    with app.app_context():
        inst = db.session.execute(
            db.select(WorkflowInstance).where(WorkflowInstance.application_id == app_id)
        ).scalar_one()
        before = db.session.execute(db.select(db.func.count()).select_from(Notification)).scalar()
        ready = [
            SimpleNamespace(
                task_id="t-assigned",
                element_id="extra_review",
                name="复核 Second review",
                lane="tax",
                form=None,
                candidate_groups=[],
                assignee="clerk_tax",
                due=None,
            ),
            SimpleNamespace(
                task_id="t-queue",
                element_id="extra_queue",
                name="排队 Queue",
                lane="tax",
                form=None,
                candidate_groups=[],
                assignee=None,
                due=None,
            ),
        ]
        tasks.apply_changes(inst, [], ready)
        uow.commit()
        [note] = _notes(_user("clerk_tax").id)
        row = db.session.execute(
            db.select(HumanTask).where(HumanTask.spiff_task_id == "t-assigned")
        ).scalar_one()
        assert note.kind == "task_assigned" and note.link == f"/clerk/tasks/{row.id}"
        assert "复核" in note.title and "Second review" not in note.title
        after = db.session.execute(db.select(db.func.count()).select_from(Notification)).scalar()
        assert after == before + 1
        db.session.remove()


def test_timeline_kinds_that_notify_nobody_stay_one_insert(ctx):

    citizen = _user("13800138000")
    service_id = db.session.execute(db.text("SELECT id FROM service LIMIT 1")).scalar()
    application = Application(citizen_id=citizen.id, service_id=service_id, form_data={})
    db.session.add(application)
    db.session.flush()
    events.case_step(application.id, "task_opened", message="x")
    events.case_step(application.id, "task_done", message="ok", data={"outcome": "approved"})
    with counted_statements(db.engine) as statements:
        assert uow.publish() == 2
        timeline.send_pending()  # done at commit: both rows in one INSERT (executemany)
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith(
        "INSERT INTO CASE_EVENT"
    )
    kinds = db.session.execute(
        db.select(CaseEvent.kind).where(CaseEvent.application_id == application.id)
    ).scalars()
    assert sorted(kinds) == ["task_done", "task_opened"]
    db.session.rollback()


# ---------------------------------------------------------------- delivery backends


class _Gateway(BaseHTTPRequestHandler):
    """A stand-in SMS gateway: records each request, answers with the next scripted reply."""

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append(
            {"json": json.loads(body), "auth": self.headers.get("Authorization")}
        )
        status, answer = self.server.replies.pop(0) if self.server.replies else (200, {"code": 0})
        raw = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


@pytest.fixture()
def gateway(app, monkeypatch, local_jobs):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    server.received, server.replies = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "SMS_BACKEND", "http")
    monkeypatch.setitem(
        app.config, "SMS_HTTP_URL", f"http://127.0.0.1:{server.server_port}/sms/send"
    )
    monkeypatch.setitem(app.config, "SMS_HTTP_TOKEN", "test-token")
    yield server
    server.shutdown()
    thread.join(5)


def _notify_demo_citizen(title="测试通知") -> int:
    citizen = _user("13800138000")
    note = notifications.send(citizen, "notice", lambda: (title, "正文"), link="/cases")
    db.session.commit()
    return note.id


def _deliveries(note_id: int) -> list[NotificationDelivery]:
    db.session.expire_all()
    return list(db.session.get(Notification, note_id).deliveries)


def test_sms_through_the_http_gateway(ctx, gateway, wait_jobs):
    gateway.replies.append((200, {"code": 0, "message_id": "gw-123"}))
    note_id = _notify_demo_citizen()
    wait_jobs()
    [sms] = _deliveries(note_id)
    assert (sms.channel, sms.backend, sms.status, sms.provider_id, sms.attempts) == (
        "sms",
        "http",
        DeliveryStatus.SENT,
        "gw-123",
        1,
    )
    [request] = gateway.received
    assert request["auth"] == "Bearer test-token"
    assert request["json"]["mobile"] == "13800138000"
    assert (
        "测试通知" in request["json"]["content"]
        and request["json"]["request_id"] == f"onewindow-{sms.id}"
    )


def test_sms_gateway_failures_are_retried_then_marked_failed_keeping_the_inbox(
    ctx, app, gateway, wait_jobs
):
    gateway.replies.extend([(500, {"error": "busy"}), (200, {"code": 0, "message_id": "ok-2"})])
    note_id = _notify_demo_citizen("第一次失败")
    wait_jobs()
    [sms] = _deliveries(note_id)
    assert sms.status == DeliveryStatus.SENT and sms.attempts == 2 and len(gateway.received) == 2

    attempts = app.config["JOB_MAX_ATTEMPTS"]
    gateway.received.clear()
    gateway.replies.extend([(200, {"code": 4085, "msg": "签名未报备"})] * attempts)
    note_id = _notify_demo_citizen("一直失败")
    wait_jobs()
    [sms] = _deliveries(note_id)
    assert sms.status == DeliveryStatus.FAILED and sms.attempts == attempts
    assert "4085" in sms.error and len(gateway.received) == attempts
    note = db.session.get(Notification, note_id)
    assert note.read_at is None and note.title == "一直失败"  # the inbox still has it
    job = (
        db.session.execute(
            db.select(Job).where(Job.kind == "notification_delivery").order_by(Job.id.desc())
        )
        .scalars()
        .first()
    )
    assert job.payload == {"delivery_id": sms.id} and job.status.value == "failed"


def test_an_unreachable_gateway_fails_the_delivery_not_the_action(
    ctx, app, monkeypatch, local_jobs, wait_jobs
):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.setitem(app.config, "SMS_BACKEND", "http")
    monkeypatch.setitem(app.config, "SMS_HTTP_URL", f"http://127.0.0.1:{port}/")
    note_id = _notify_demo_citizen()
    wait_jobs()
    [sms] = _deliveries(note_id)
    assert sms.status == DeliveryStatus.FAILED and "unreachable" in sms.error


@pytest.fixture()
def smtp_server(app, monkeypatch, local_jobs):
    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self):
            self.messages, self.refuse = [], 0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            if self.refuse:
                self.refuse -= 1
                return "451 try again later"
            self.messages.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    for key, value in (
        ("MAIL_BACKEND", "smtp"),
        ("MAIL_SERVER", "127.0.0.1"),
        ("MAIL_PORT", port),
        ("MAIL_SENDER", "一网通办 <noreply@onewindow.test>"),
    ):
        monkeypatch.setitem(app.config, key, value)
    yield handler
    controller.stop()


def test_email_through_smtp_with_one_retry(ctx, smtp_server, wait_jobs):
    import email
    from email.policy import default

    citizen = _user("13800138000")
    citizen.email = "zhangsan@example.test"
    db.session.commit()
    smtp_server.refuse = 1
    note_id = _notify_demo_citizen("案件已办结")
    wait_jobs()
    by_channel = {d.channel: d for d in _deliveries(note_id)}
    assert set(by_channel) == {"sms", "email"}  # the log SMS goes out as well
    mail = by_channel["email"]
    assert mail.status == DeliveryStatus.SENT and mail.attempts == 2 and mail.backend == "smtp"
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["zhangsan@example.test"]
    message = email.message_from_bytes(envelope.content, policy=default)
    assert message["Subject"] == "案件已办结"
    assert "正文" in message.get_content() and "张三" in message.get_content()


def test_email_given_up_after_the_last_attempt(ctx, app, smtp_server, wait_jobs):
    citizen = _user("13800138000")
    citizen.email = "zhangsan@example.test"
    db.session.commit()
    smtp_server.refuse = app.config["JOB_MAX_ATTEMPTS"]
    note_id = _notify_demo_citizen()
    wait_jobs()
    mail = next(d for d in _deliveries(note_id) if d.channel == "email")
    assert mail.status == DeliveryStatus.FAILED and "451" in mail.error
    assert smtp_server.messages == []


def test_an_email_given_at_registration_gets_the_notifications_too(app, client, wait_jobs):
    person = journeys.make_materials(seed=12)["person"]
    form = {
        "real_name": person["name"],
        "id_number": person["id_number"],
        "mobile": "13911113456",
        "password": "Secret2024pw",
        "password2": "Secret2024pw",
    }
    client.get("/register")
    resp = client.post("/register", dict(form, email="not-an-address"))
    assert resp.status_code == 400 and "name@example.com" in resp.get_data(as_text=True)
    assert client.post("/register", dict(form, email=" Li@Example.CN ")).status_code == 302
    with app.app_context():
        user = _user("13911113456")
        assert user.email == "li@example.cn"
        note = notifications.send(user, "notice", lambda: ("标题", "内容"))
        db.session.commit()
        note_id = note.id
    wait_jobs()
    with app.app_context():
        by_channel = {d.channel: d for d in _deliveries(note_id)}
        assert by_channel["email"].status == DeliveryStatus.SENT
        assert by_channel["email"].backend == "log" and "内容" in by_channel["email"].content
        db.session.remove()


def test_the_inbox_shows_each_notification_in_the_readers_language_of_the_moment(
    app, client, wait_jobs
):
    """Written once (in Chinese, the recipient's language), read later in English after the
    reader switched: the inbox says it in English; SMS kept the recipient's language. A row
    from before the change (one language only) is still shown as written."""
    journeys.submitted_case(client, wait_jobs, seed=12, mobile="13911112345", rendered=False)
    with app.app_context():
        citizen = _user("13911112345")
        submitted = next(n for n in _notes(citizen.id) if n.kind == "case_submitted")
        assert "提交" in submitted.title and submitted.texts["zh"][0] == submitted.title
        assert submitted.texts["en"][0].startswith("Application submitted")
        sms = next(d for d in submitted.deliveries if d.channel == "sms")
        assert "提交" in sms.content
        old = Notification(
            recipient_id=citizen.id, kind="notice", title="旧通知标题", body="旧通知正文"
        )
        db.session.add(old)
        db.session.commit()
        db.session.remove()
    zh = client.get("/notifications/").get_data(as_text=True)
    assert "Application submitted" not in zh and "旧通知标题" in zh
    client.post("/lang/en")
    en = client.get("/notifications/").get_data(as_text=True)
    assert "Application submitted" in en and "awaits acceptance" in en
    assert "旧通知标题" in en  # the older row, as it was written
