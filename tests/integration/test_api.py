"""The API for other systems: its OpenAPI document validates; every operation in it is
called with a token lacking its scope (403), an expired token (401) and a valid one; no
token, a wrong token, a revoked one and a browser session are refused; the rate limit
answers 429; every call lands in the audit trail; JSON errors for 404 and 422; CSRF does not
apply to token calls."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openapi_spec_validator import validate

from app import uow
from app.extensions import db
from app.models import (
    ApiToken,
    Application,
    AuditRecord,
    Department,
    ECertificate,
    HumanTask,
    utcnow,
)
from app.services import api_tokens
from tests import queue_data

CERT_NUMBER = "YYZZ2026010112345678"
CASE_NUMBER = "YW20260101000001"


@pytest.fixture()
def data(ctx):
    """A case with open department reviews, a certificate issued on it, and a system."""
    app_id = queue_data.real_case(case_number=CASE_NUMBER)
    application = db.session.get(Application, app_id)
    department = db.session.execute(
        db.select(Department).where(Department.code == "market_regulation")
    ).scalar_one()
    with uow.unit_of_work():
        db.session.add(
            ECertificate(
                number=CERT_NUMBER,
                cert_type="business_licence",
                application_id=app_id,
                service_id=application.service_id,
                holder_kind="company",
                holder_code="91310115MA1K4ABC12",
                holder_name="上海示例科技有限公司",
                department_id=department.id,
                valid_until=date.today() + timedelta(days=365),
                verify_code="ABCDEFGHJKLMNPQR",
                facts={},
            )
        )
    client_id = api_tokens.create_client("city-data-hub").id
    db.session.remove()
    return {"client": client_id, "department": "market_regulation"}


def token(ctx_app, scopes, *, expired=False, days=30) -> str:
    """A raw token of the test system with `scopes` (expired: its expiry moved back)."""
    with ctx_app.app_context():
        row, raw = api_tokens.create_token("city-data-hub", scopes, days)
        if expired:
            db.session.get(ApiToken, row.id).expires_at = utcnow() - timedelta(seconds=1)
            db.session.commit()
        db.session.remove()
    return raw


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def _pdf_upload() -> dict:
    return {"file": (io.BytesIO(b"%PDF-1.4 not really signed"), "licence.pdf")}


# One call per operation of the OpenAPI document: (method, path template) -> how to call it
# (url, scope it needs, request body, status of a valid call). A new operation without an
# entry here fails `test_every_operation_is_exercised`.
OPERATIONS = {
    ("get", "/api/v1/certificates/{number}"): (
        f"/api/v1/certificates/{CERT_NUMBER}",
        api_tokens.SCOPE_VERIFY,
        None,
        200,
    ),
    ("post", "/api/v1/certificates/verify"): (
        "/api/v1/certificates/verify",
        api_tokens.SCOPE_VERIFY,
        _pdf_upload,
        200,
    ),
    ("get", "/api/v1/cases/{case_number}"): (
        f"/api/v1/cases/{CASE_NUMBER}",
        api_tokens.SCOPE_CASES,
        None,
        200,
    ),
    ("get", "/api/v1/departments/{code}/tasks"): (
        "/api/v1/departments/market_regulation/tasks?limit=10",
        "tasks:read:market_regulation",
        None,
        200,
    ),
    ("get", "/api/v1/webhooks"): ("/api/v1/webhooks", api_tokens.SCOPE_WEBHOOKS, None, 200),
    ("post", "/api/v1/webhooks"): (
        "/api/v1/webhooks",
        api_tokens.SCOPE_WEBHOOKS,
        lambda: {"url": "https://hub.example.gov.cn/hooks", "events": ["case.decided"]},
        201,
    ),
    ("delete", "/api/v1/webhooks/{subscription_id}"): (
        "/api/v1/webhooks/{subscription_id}",
        api_tokens.SCOPE_WEBHOOKS,
        None,
        204,
    ),
}


def _call(http, method, url, body, headers):
    kwargs = {"headers": headers}
    if body is not None:
        payload = body()
        if "file" in payload:
            kwargs.update(data=payload, content_type="multipart/form-data")
        else:
            kwargs["json"] = payload
    return getattr(http, method)(url, **kwargs)


def _operations(path_item: dict):
    """The operations of a path item (leaving out its shared `parameters`)."""
    verbs = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
    return [(m, op) for m, op in path_item.items() if m in verbs]


def _spec(app) -> dict:
    return app.test_client().get("/api/openapi.json").get_json()


def test_openapi_document_validates_and_documents_the_errors(app):
    spec = _spec(app)
    validate(spec)
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, methods in spec["paths"].items():
        for method, operation in _operations(methods):
            assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)
            assert operation["security"] == [{"bearerAuth": []}]
    page = app.test_client().get("/api/docs")
    assert page.status_code == 200
    assert b"vendor/swagger-ui/swagger-ui-bundle.js" in page.data
    assert b"/api/openapi.json" in page.data


def test_every_operation_is_exercised(app):
    spec = _spec(app)
    documented = {(m, p) for p, methods in spec["paths"].items() for m, _ in _operations(methods)}
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize("operation", sorted(OPERATIONS), ids=lambda op: f"{op[0]} {op[1]}")
def test_each_operation_checks_scope_and_expiry_and_answers(app, data, operation):
    url, scope, body, ok_status = OPERATIONS[operation]
    method = operation[0]
    http = app.test_client()
    if "{subscription_id}" in url:  # a subscription of this system to end
        created = http.post(
            "/api/v1/webhooks",
            json={"url": "http://127.0.0.1:9/h", "events": ["case.submitted"]},
            headers=bearer(token(app, [api_tokens.SCOPE_WEBHOOKS])),
        )
        assert created.status_code == 201, created.get_json()
        url = url.format(subscription_id=created.get_json()["id"])
    other = api_tokens.SCOPE_CASES if scope != api_tokens.SCOPE_CASES else api_tokens.SCOPE_VERIFY

    wrong = _call(http, method, url, body, bearer(token(app, [other])))
    assert wrong.status_code == 403, wrong.get_data(as_text=True)
    assert wrong.get_json()["error"] == "missing_scope"

    expired = _call(http, method, url, body, bearer(token(app, [scope], expired=True)))
    assert expired.status_code == 401
    assert expired.get_json()["error"] == "expired_token"

    valid = _call(http, method, url, body, bearer(token(app, [scope])))
    assert valid.status_code == ok_status, valid.get_data(as_text=True)
    if ok_status != 204:
        assert valid.is_json


def test_valid_answers_carry_the_data(app, data):
    http = app.test_client()
    raw = token(
        app,
        [api_tokens.SCOPE_VERIFY, api_tokens.SCOPE_CASES, "tasks:read:*"],
    )
    cert = http.get(f"/api/v1/certificates/{CERT_NUMBER}", headers=bearer(raw)).get_json()
    assert cert["status"] == "valid" and cert["holder"] != "上海示例科技有限公司"
    assert cert["holder_code"] == "9131**********BC12"

    case = http.get(f"/api/v1/cases/{CASE_NUMBER.lower()}", headers=bearer(raw)).get_json()
    assert case["case_number"] == CASE_NUMBER and case["service"] == "business_registration"

    with app.app_context():
        open_ids = sorted(
            db.session.execute(
                db.select(HumanTask.id)
                .join(Department)
                .where(Department.code == "market_regulation", HumanTask.status == "open")
            ).scalars()
        )
    assert open_ids
    url = "/api/v1/departments/market_regulation/tasks?limit=1"
    first = http.get(url, headers=bearer(raw)).get_json()
    assert [t["id"] for t in first["tasks"]] == open_ids[:1]
    assert first["tasks"][0]["case_number"] == CASE_NUMBER

    check = http.post(
        "/api/v1/certificates/verify",
        data=_pdf_upload(),
        content_type="multipart/form-data",
        headers=bearer(raw),
    ).get_json()
    assert check["genuine"] is False and check["signed"] is False


def test_refusals_are_json_with_a_clear_message(app, data, client):
    http = app.test_client()
    url = f"/api/v1/cases/{CASE_NUMBER}"
    missing = http.get(url)
    assert missing.status_code == 401 and missing.get_json()["error"] == "missing_token"
    forged = http.get(url, headers=bearer("ow_deadbeef_" + "x" * 43))
    assert forged.status_code == 401 and forged.get_json()["error"] == "invalid_token"
    raw = token(app, [api_tokens.SCOPE_CASES, api_tokens.SCOPE_WEBHOOKS])
    assert http.get("/api/v1/cases/YW0", headers=bearer(raw)).status_code == 404
    assert http.get("/api/v1/nothing-here", headers=bearer(raw)).is_json
    bad_page = http.get(
        "/api/v1/departments/market_regulation/tasks?limit=100000",
        headers=bearer(token(app, ["tasks:read:market_regulation"])),
    )
    assert bad_page.status_code == 422 and "limit" in str(bad_page.get_json()["errors"])
    not_http = http.post(
        "/api/v1/webhooks",
        json={"url": "ftp://hub.example.gov.cn/x", "events": ["case.decided"]},
        headers=bearer(raw),
    )
    assert not_http.status_code == 422 and "url" in not_http.get_json()["errors"]
    with app.app_context():
        api_tokens.revoke_token(raw[: api_tokens.TOKEN_PREFIX_LENGTH])
    revoked = http.get(url, headers=bearer(raw))
    assert revoked.status_code == 401 and revoked.get_json()["error"] == "revoked_token"

    # An administrator's browser session authenticates nothing here, and CSRF does not apply.
    client.login("admin")
    assert client.http.get(url).status_code == 401
    assert client.http.post("/api/v1/webhooks", json={}).status_code == 401


def test_rate_limit_per_token(app, data, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3/minute")
    http = app.test_client()
    raw, other = token(app, [api_tokens.SCOPE_CASES]), token(app, [api_tokens.SCOPE_CASES])
    url = f"/api/v1/cases/{CASE_NUMBER}"
    cert_url = f"/api/v1/certificates/{CERT_NUMBER}"  # one budget for every endpoint
    statuses = [http.get(u, headers=bearer(raw)).status_code for u in (url, cert_url, url, url)]
    assert statuses == [200, 403, 200, 429]
    limited = http.get(url, headers=bearer(raw))
    assert limited.get_json()["error"] == "rate_limited" and limited.headers.get("Retry-After")
    assert http.get(url, headers=bearer(other)).status_code == 200  # its own allowance


def test_every_call_is_audited_with_system_endpoint_and_status(app, data):
    http = app.test_client()
    raw = token(app, [api_tokens.SCOPE_CASES])
    http.get(f"/api/v1/cases/{CASE_NUMBER}", headers=bearer(raw))
    http.get(f"/api/v1/certificates/{CERT_NUMBER}", headers=bearer(raw))
    http.get(f"/api/v1/cases/{CASE_NUMBER}")
    with app.app_context():
        rows = (
            db.session.execute(
                db.select(AuditRecord)
                .where(AuditRecord.action == "api_call")
                .order_by(AuditRecord.seq)
            )
            .scalars()
            .all()
        )
        calls = [
            (r.actor_username, r.details["endpoint"], r.details["status"], r.details["token"])
            for r in rows
        ]
        last_used = db.session.execute(
            db.select(ApiToken.last_used_at).where(
                ApiToken.prefix == raw[: api_tokens.TOKEN_PREFIX_LENGTH]
            )
        ).scalar_one()
    prefix = raw[: api_tokens.TOKEN_PREFIX_LENGTH]
    assert calls[-3:] == [
        ("city-data-hub", "/api/v1/cases/<string:case_number>", 200, prefix),
        ("city-data-hub", "/api/v1/certificates/<string:number>", 403, prefix),
        ("(anonymous)", "/api/v1/cases/<string:case_number>", 401, None),
    ]
    assert last_used is not None
    from app.services import audit

    assert audit.verify().ok
