"""A process whose database connections are all in use: a request waits
DB_POOL_TIMEOUT_SECONDS, then gets the "server busy" page (503, nothing saved), not a 500
or a hang; /metrics shows the connections in use against the pool's limit and counts the
requests that waited in vain, and still answers, without the live state it could not read."""

from __future__ import annotations

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import Client
from tests.metrics_text import sample as _sample
from tests.waiting import answer_within

TOKEN = "scrape-secret"
CITIZEN = "13800138000"


@pytest.fixture()
def small_pool_app(app, demo, tmp_path):
    """The test database served by an app whose pool hands out one connection, and waits
    half a second for it."""
    return create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        UPLOAD_DIR=app.config["UPLOAD_DIR"],
        SIGNING_DIR=app.config["SIGNING_DIR"],
        DB_POOL_SIZE=1,
        DB_POOL_OVERFLOW=0,
        DB_POOL_TIMEOUT_SECONDS=0.5,
        METRICS_TOKEN=TOKEN,
    )


def test_a_request_that_finds_every_connection_in_use_gets_the_busy_page(small_pool_app):
    client = Client(small_pool_app)
    client.login(CITIZEN)
    assert client.get("/cases").status_code == 200
    contact = {"email": "a@example.cn", "mobile": "", "contact_password": "Demo12345"}

    prometheus = small_pool_app.test_client()  # no session: a scraper, not a person

    def scrape() -> str:
        answer = prometheus.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200
        return answer.get_data(as_text=True)

    before = scrape()
    with small_pool_app.app_context():
        held = db.engine.connect()  # the one connection, held by "another request"
        try:
            during = answer_within(
                scrape, 30, "a scrape waiting for a connection"
            )  # the process's figures, without the live state
            page = answer_within(lambda: client.get("/cases?lang=en"), 30, "a page")
            form = answer_within(
                lambda: client.post("/account/contact?lang=en", contact), 30, "a form"
            )
            api = answer_within(
                lambda: client.get("/cases", headers={"Accept": "application/json"}), 30, "an API"
            )
        finally:
            held.close()

    assert page.status_code == 503 and page.headers["Retry-After"]
    text = page.get_data(as_text=True)
    assert "The server is busy" in text and "Try again in a moment" in text
    assert form.status_code == 503
    assert "nothing was saved" in form.get_data(as_text=True)
    assert api.status_code == 503 and api.json["error"] == "服务器繁忙"

    assert client.get("/cases").status_code == 200  # the connection is free again
    after = scrape()
    in_use = "onewindow_db_connections_in_use"
    assert _sample(during, in_use) == _sample(before, in_use) + 1 == _sample(after, in_use) + 1
    read = "onewindow_live_state_read"
    assert (_sample(before, read), _sample(during, read), _sample(after, read)) == (1, 0, 1)
    assert "onewindow_tasks_live" in before and "onewindow_tasks_live" not in during
    timeouts = "onewindow_db_pool_timeouts_total"  # the three requests and the scrape
    assert _sample(after, timeouts) == _sample(before, timeouts) + 4


def test_the_busy_page_is_in_chinese_by_default(small_pool_app):
    client = small_pool_app.test_client()  # anonymous
    with small_pool_app.app_context():
        held = db.engine.connect()
        try:
            page = answer_within(
                lambda: client.get("/services/business_registration"), 30, "a page"
            )
        finally:
            held.close()
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "服务器繁忙" in text and "The server is busy" not in text
