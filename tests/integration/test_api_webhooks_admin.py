"""Webhooks and the API's administration: a case event reaches a local HTTP server as a
signed POST (the signature verifies with the secret), a 500 is retried until it succeeds,
every attempt is recorded and shown to the administrators, a receiver that never answers
well ends as a failed delivery; tokens are created and revoked in the browser (shown once)
and by the CLI command."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app import uow
from app.config import Config
from app.domain import events
from app.domain.errors import ValidationFailed
from app.extensions import db
from app.models import WebhookDelivery, WebhookSubscription
from app.services import api_tokens, webhooks
from tests import queue_data

SECRET = "s3cret-for-the-test-hub-0123456789"


class Receiver:
    """A local HTTP server answering POSTs with the given statuses in turn (then 200)."""

    def __init__(self, statuses, location: str | None = None):
        self.statuses = list(statuses)
        self.received: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                if location and 300 <= status < 400:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/onewindow"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receiver_factory():
    made = []

    def make(statuses, location=None):
        made.append(Receiver(statuses, location))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def _subscribed_case(url: str) -> tuple[int, str]:
    """A system subscribed to decisions at `url`, and a case (id, number) to decide."""
    client = api_tokens.create_client("city-data-hub")
    webhooks.subscribe(client.id, url, SECRET, ["case.decided"])
    app_id = queue_data.real_case()
    return app_id, "YW20260101000001"


def _decide(app_id: int) -> None:
    with uow.unit_of_work():
        events.case_step(app_id, "decided", message="approved")


def _verify(headers: dict, body: bytes) -> bool:
    """What a receiver does (the README's recipe)."""
    timestamp = headers["x-onewindow-timestamp"]
    expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + expected.hexdigest(), headers["x-onewindow-signature"])


def test_decision_is_posted_signed_and_retried_after_a_500(
    app, ctx, local_jobs, receiver_factory, client
):
    receiver = receiver_factory([500])
    app_id, number = _subscribed_case(receiver.url)
    _decide(app_id)
    assert local_jobs.wait_idle(60)
    db.session.remove()

    assert len(receiver.received) == 2  # the 500, then the retry that succeeded
    for headers, body in receiver.received:
        assert _verify(headers, body)
        assert headers["x-onewindow-event"] == "case.decided"
    payload = json.loads(receiver.received[-1][1])
    assert payload["event"] == "case.decided" and payload["case_number"] == number
    assert payload["outcome"] == "approved"
    tampered = receiver.received[-1][1].replace(b"approved", b"rejected")
    assert not _verify(receiver.received[-1][0], tampered)

    delivery = db.session.execute(db.select(WebhookDelivery)).scalar_one()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert [(a.attempt, a.status_code) for a in delivery.attempt_log] == [(1, 500), (2, 200)]
    delivery_id = delivery.id
    db.session.remove()

    client.login("admin")
    page = client.get("/admin/api/").get_data(as_text=True)
    assert f'data-delivery="{delivery_id}" data-status="delivered"' in page
    assert "city-data-hub" in page and receiver.url in page


def test_a_receiver_that_keeps_failing_ends_as_a_failed_delivery(
    app, ctx, local_jobs, receiver_factory
):
    receiver = receiver_factory([503] * 10)
    app_id, _number = _subscribed_case(receiver.url)
    _decide(app_id)
    assert local_jobs.wait_idle(60)
    db.session.remove()
    attempts = app.config["JOB_MAX_ATTEMPTS"]
    assert len(receiver.received) == attempts
    delivery = db.session.execute(db.select(WebhookDelivery)).scalar_one()
    assert (delivery.status, delivery.attempts) == ("failed", attempts)
    assert [a.status_code for a in delivery.attempt_log] == [503] * attempts
    assert delivery.last_error == "HTTP 503"


def test_steps_without_subscribers_queue_nothing_and_urls_must_be_http(app, ctx):
    app_id = queue_data.real_case()
    _decide(app_id)
    assert db.session.execute(db.select(WebhookDelivery)).first() is None
    client = api_tokens.create_client("hub")
    for bad in ("ftp://x.gov.cn/h", "javascript:alert(1)", "file:///etc/passwd", "http://"):
        with pytest.raises(Exception) as refused:
            webhooks.subscribe(client.id, bad, SECRET, ["case.decided"])
        assert "url" in refused.value.errors


def test_webhooks_never_reach_the_server_itself_or_cloud_metadata(app, ctx, monkeypatch):
    """Server-side request forgery: a subscribed URL is a request this server makes."""
    client = api_tokens.create_client("hub")
    for bad in (
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/h",
        "http://0.0.0.0/",
    ):
        with pytest.raises(ValidationFailed) as refused:
            webhooks.subscribe(client.id, bad, SECRET, ["case.decided"])
        assert "url" in refused.value.errors
    # production's list (the tests' receivers listen on loopback, so theirs allows it)
    monkeypatch.setitem(app.config, "WEBHOOK_BLOCKED_NETWORKS", Config.WEBHOOK_BLOCKED_NETWORKS)
    loopback = ("http://127.0.0.1:8080/h", "http://localhost/h", "http://[::1]/h")
    for bad in (*loopback, "http://[::ffff:127.0.0.1]/h"):
        with pytest.raises(ValidationFailed):
            webhooks.subscribe(client.id, bad, SECRET, ["case.decided"])
    # an intranet system's private address is what a government deployment uses
    assert webhooks.subscribe(client.id, "http://10.20.30.40/hooks", SECRET, ["case.decided"])


def test_a_redirect_is_not_followed_and_a_blocked_address_is_not_posted_to(
    app, ctx, local_jobs, receiver_factory, monkeypatch
):
    target = receiver_factory([])
    bouncer = receiver_factory([302] * 10, location=target.url)
    app_id, _number = _subscribed_case(bouncer.url)
    _decide(app_id)
    assert local_jobs.wait_idle(60)
    db.session.remove()
    assert target.received == []  # the POST never went where the redirect pointed
    delivery = db.session.execute(db.select(WebhookDelivery)).scalar_one()
    assert delivery.status == "failed" and delivery.last_error == "HTTP 302"
    db.session.remove()

    # subscribed while allowed, then the network was blocked: checked again before sending
    monkeypatch.setitem(app.config, "WEBHOOK_BLOCKED_NETWORKS", Config.WEBHOOK_BLOCKED_NETWORKS)
    later = receiver_factory([])
    with uow.unit_of_work():
        subscription = db.session.execute(db.select(WebhookSubscription)).scalar_one()
        subscription.url = later.url
    _decide(app_id)
    assert local_jobs.wait_idle(60)
    db.session.remove()
    assert later.received == []
    newest = db.session.execute(
        db.select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(1)
    ).scalar_one()
    assert newest.status == "failed" and "may not reach" in newest.last_error


def test_admin_creates_a_token_shown_once_and_revokes_it(app, client):
    client.login("admin")
    resp = client.post("/admin/api/systems", {"name": "tax-bureau", "description": "税务"})
    assert resp.status_code == 302
    page = client.get("/admin/api/").get_data(as_text=True)
    system_id = re.search(r'action="/admin/api/systems/(\d+)/tokens"', page).group(1)
    made = client.post(
        f"/admin/api/systems/{system_id}/tokens",
        {"scopes": ["cases:read", "tasks:read:tax"], "days": "30"},
    )
    shown = made.get_data(as_text=True)
    raw = re.search(r"<div [^>]*data-token>(ow_[^<]+)</div>", shown).group(1)
    assert raw not in client.get("/admin/api/").get_data(as_text=True)  # only that once
    http = app.test_client()
    auth = {"Authorization": f"Bearer {raw}"}
    assert http.get("/api/v1/departments/tax/tasks", headers=auth).status_code == 200
    assert http.get("/api/v1/departments/police/tasks", headers=auth).status_code == 403

    bad = client.post(
        f"/admin/api/systems/{system_id}/tokens", {"scopes": ["admin:all"], "days": "30"}
    )
    assert bad.status_code == 422 and "admin:all" in bad.get_data(as_text=True)
    bad_hook = client.post(
        f"/admin/api/systems/{system_id}/webhooks",
        {"url": "ftp://tax.example.gov.cn/h", "events": ["case.decided"]},
    )
    assert bad_hook.status_code == 422

    token_id = re.search(r'action="/admin/api/tokens/(\d+)/revoke"', shown).group(1)
    assert client.post(f"/admin/api/tokens/{token_id}/revoke").status_code == 302
    assert http.get("/api/v1/departments/tax/tasks", headers=auth).status_code == 401

    client.logout()
    client.login("clerk_tax")
    assert client.get("/admin/api/").status_code == 403


def test_cli_creates_a_token_printed_once_and_revokes_it(app, demo):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["api", "system", "create", "police-hub"]).exit_code == 0
    out = runner.invoke(
        args=["api", "token", "create", "--system", "police-hub", "--scope", "cases:read"]
    )
    assert out.exit_code == 0, out.output
    raw = out.output.strip().splitlines()[-1]
    assert raw.startswith("ow_")
    http = app.test_client()
    auth = {"Authorization": f"Bearer {raw}"}
    assert http.get("/api/v1/cases/YW0", headers=auth).status_code == 404  # authenticated
    with app.app_context():
        stored = db.session.execute(db.select(api_tokens.ApiToken.token_hash)).scalars().all()
        assert raw not in stored and hashlib.sha256(raw.encode()).hexdigest() in stored
    bad = runner.invoke(args=["api", "token", "create", "--system", "police-hub", "--scope", "x"])
    assert (
        bad.exit_code == 1 and bad.output.startswith("error:") and bad.output.rstrip().endswith("x")
    )
    revoked = runner.invoke(args=["api", "token", "revoke", raw[:11]])
    assert revoked.exit_code == 0
    assert http.get("/api/v1/cases/YW0", headers=auth).status_code == 401
