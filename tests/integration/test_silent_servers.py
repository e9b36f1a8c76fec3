"""Servers that take the connection and never answer (hung, or behind a firewall that drops
their packets): a request, a probe or a use case gives up after the configured timeout and
says so, instead of hanging (DB_CONNECT_TIMEOUT_SECONDS for PostgreSQL, REDIS_TIMEOUT_SECONDS
for the job broker)."""

from __future__ import annotations

import socket
from contextlib import contextmanager

from flask_migrate import upgrade

from app import create_app, uow
from app.extensions import db
from app.jobs import queue
from app.models import Job, JobStatus
from tests.waiting import answer_within


@contextmanager
def silent_server():
    """A listening port whose connections the kernel accepts and nobody ever answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def instance(tmp_path, **settings):
    """An app with its own folders and the given settings (its database, its broker)."""
    return create_app(
        "testing",
        UPLOAD_DIR=str(tmp_path / "uploads"),
        SIGNING_DIR=str(tmp_path / "signing"),
        **settings,
    )


def test_a_database_server_that_never_answers_fails_the_probe_instead_of_hanging_it(tmp_path):
    """A PostgreSQL address whose server takes the connection and never speaks (hung, or
    behind a firewall that drops its packets): libpq would wait for ever; with
    DB_CONNECT_TIMEOUT_SECONDS the probe and the pages answer 503."""
    answers: dict[str, int] = {}
    with silent_server() as port:
        app = instance(
            tmp_path,
            SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{port}/none",
            DB_CONNECT_TIMEOUT_SECONDS=2,
        )

        def ask():
            client = app.test_client()
            answers["/readyz"] = client.get("/readyz").status_code
            answers["/services"] = client.get("/services/business_registration").status_code
            answers["schema"] = client.get("/readyz").json["checks"]["schema"]["detail"]

        answer_within(ask, 120, "a request to a database that never answers")
    assert answers["/readyz"] == 503 and answers["/services"] == 503
    assert answers["schema"] == "not checked: the database does not answer"


def test_a_job_broker_that_never_answers_does_not_hold_the_use_case(tmp_path):
    """The use case commits, its job's send fails after REDIS_TIMEOUT_SECONDS, and the job
    stays queued for the scheduler to send again."""
    with silent_server() as port:
        app = instance(
            tmp_path,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
            REDIS_URL=f"redis://127.0.0.1:{port}/0",
            REDIS_TIMEOUT_SECONDS=1,
        )
        with app.app_context():
            upgrade()
        queued: list[int] = []

        def use_case():
            with app.app_context():
                with uow.unit_of_work():
                    queued.append(queue.enqueue("ping").id)

        answer_within(use_case, 120, "a use case queuing a job on a broker that never answers")
    with app.app_context():
        job = db.session.get(Job, queued[0])
        assert job.status == JobStatus.QUEUED  # committed, and re-sent by the scheduler later
