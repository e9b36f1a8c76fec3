"""Shared fixtures: an app on a migrated database (SQLite by default, PostgreSQL when
DATABASE_URL is set), demo data per test, and a CSRF-aware test client.

Jobs run on the in-process pool, or on a real Celery worker when REDIS_URL is set (CI
starts one); `wait_jobs()` waits for either.

Under pytest-xdist (`make test` runs `-n auto`) each worker process has its own session, so its
own SQLite file and upload folder. Against a shared server, `{worker}` in DATABASE_URL,
CELERY_QUEUE, UPLOAD_DIR or SIGNING_DIR stands for the worker's name (gw0, gw1…): .ci/run
creates one PostgreSQL database and starts one Celery worker per test worker that way. API rate
limits counted in Redis get a key prefix per worker.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
TEST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def pytest_configure(config):
    controller = (
        "PYTEST_XDIST_WORKER" not in os.environ and getattr(config.option, "dist", "no") != "no"
    )
    if not controller:  # a test process: not xdist's controller, whose environment it inherits
        for name in ("DATABASE_URL", "CELERY_QUEUE", "UPLOAD_DIR", "SIGNING_DIR"):
            if "{worker}" in os.environ.get(name, ""):
                os.environ[name] = os.environ[name].replace("{worker}", TEST_WORKER)
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    config.addinivalue_line("markers", "e2e: drives a real browser")
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (DATABASE_URL)")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The application on a freshly migrated database."""
    base = tmp_path_factory.mktemp("onewindow")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{base / 'test.sqlite3'}"
    upload_dir = os.environ.get("UPLOAD_DIR") or str(base / "uploads")
    # The Celery worker CI starts is another process: it must read the same files (.ci/run
    # sets both for it and for the tests); without the variables, fresh folders of the run.
    signing_dir = os.environ.get("SIGNING_DIR") or str(base / "signing")
    overrides = {
        "UPLOAD_DIR": upload_dir,
        "SIGNING_DIR": signing_dir,
        "RATELIMIT_KEY_PREFIX": f"onewindow-test-{TEST_WORKER}",
    }
    if not os.environ.get("DATABASE_URL"):
        overrides["SQLALCHEMY_DATABASE_URI"] = url
    application = create_app("testing", **overrides)
    from flask_migrate import upgrade

    with application.app_context():
        if os.environ.get("DATABASE_URL"):
            db.drop_all()  # a fresh schema, from migrations only
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
    yield application


def _clear(application):
    from app import uow
    from app.workflow import runtime

    runtime.forget_specs()  # process-version ids restart with the emptied tables
    uow.forget_kept(application)  # so do the reference data kept per process
    with application.app_context():
        meta = db.metadata
        with db.engine.begin() as conn:
            # On PostgreSQL the audit trail refuses DELETE (a trigger): only its owner can
            # lift that, for this transaction, which a test run is (not the application).
            append_only = conn.dialect.name == "postgresql"
            if append_only:
                conn.exec_driver_sql("ALTER TABLE audit_record DISABLE TRIGGER USER")
            for table in reversed(meta.sorted_tables):
                conn.execute(table.delete())
            if append_only:
                conn.exec_driver_sql("ALTER TABLE audit_record ENABLE TRIGGER USER")
        db.session.remove()


@pytest.fixture()
def demo(app):
    """A clean database with the demo departments, users and deployed services."""
    from app.jobs.queue import runner_for

    runner_for(app).wait_idle(60)
    _clear(app)
    from app.services.demo import load_demo_data

    with app.app_context():
        out = load_demo_data()
        db.session.remove()
    yield out
    runner_for(app).wait_idle(120)


@pytest.fixture()
def empty_db(app):
    """An app context on an emptied database (no demo data: for tests that need neither
    users nor services, much faster than `ctx`)."""
    from app.jobs.queue import runner_for

    runner_for(app).wait_idle(60)
    _clear(app)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture()
def ctx(app, demo):
    """An app context with demo data, for calling services directly."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture()
def wait_jobs(app):
    """Wait until every background job has finished (in-process pool or Celery)."""
    from app.jobs.queue import runner_for

    def wait(timeout: float = 180):
        assert runner_for(app).wait_idle(timeout), "background jobs did not finish in time"

    return wait


class Client:
    """The Flask test client with CSRF tokens and logins handled like a browser would."""

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()
        self.token = None

    def _remember_token(self, response):
        if not response.mimetype or not response.mimetype.startswith("text/html"):
            return response
        match = CSRF_RE.search(response.get_data(as_text=True))
        if match:
            self.token = match.group(1)
        return response

    def get(self, url, **kw):
        return self._remember_token(self.http.get(url, **kw))

    def post(self, url, data=None, *, csrf=True, **kw):
        data = dict(data or {})
        if csrf and "csrf_token" not in data:
            if self.token is None:
                self.get("/login")
            data["csrf_token"] = self.token
        return self._remember_token(self.http.post(url, data=data, **kw))

    def login(self, login, password="Demo12345"):
        self.token = None
        self.get("/login")
        resp = self.post("/login", {"login": login, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        self.get(resp.headers["Location"])
        return resp

    def logout(self):
        self.post("/logout")
        self.token = None


@pytest.fixture()
def client(app, demo):
    """A browser-like test client on demo data."""
    return Client(app)


@pytest.fixture()
def make_client(app, demo):
    """Factory for extra independent clients (two clerks, two citizens…)."""
    return lambda: Client(app)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return Path(__file__).parent / "fixtures"
