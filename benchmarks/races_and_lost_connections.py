"""Figures for issue 10, items 9 and 10: limits under parallel requests, cut connections,
lost job messages. Run on SQLite, and on PostgreSQL when it answers at 127.0.0.1:5432.

1. 20 parallel uploads of valid files into one material slot (limit MAX_FILES_PER_SLOT).
2. 20 parallel "apply" presses of one citizen for one service.
3. 8 rounds: every pooled connection of the application cut, then four pages loaded; plus
   one page and one form whose connection is cut while the request uses it. Counted:
   server errors (500, or an exception out of the app), 503 "nothing was saved" answers.
4. A committed job whose message never reached a runner: seconds until it has run, with
   the default JOB_PICKUP_SECONDS and SCHEDULER_INTERVAL_SECONDS and the scheduler loop.

    .venv/bin/python benchmarks/races_and_lost_connections.py [--no-postgres]
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from demo_app import make_app  # noqa: E402

PARALLEL = 20
CITIZEN = "13800138000"
SERVICE = "business_registration"
PAGES = ("/", "/cases", f"/services/{SERVICE}", "/notifications/")


def browsers(app, n: int):
    """n test clients sharing one logged-in citizen's session (one browser, many tabs)."""
    from tests.conftest import Client

    first = Client(app)
    first.login(CITIZEN)
    cookie = first.http.get_cookie("session")
    out = [first]
    for _ in range(n - 1):
        other = Client(app)
        other.http.set_cookie(cookie.key, cookie.value)
        other.token = first.token
        out.append(other)
    return out


def all_at_once(send, clients) -> list:
    import threading

    barrier = threading.Barrier(len(clients))
    out: list = [None] * len(clients)

    def run(i):
        barrier.wait()
        try:
            out[i] = send(i, clients[i]).status_code
        except Exception as exc:  # noqa: BLE001 — counted as a server error
            out[i] = type(exc).__name__

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    [t.start() for t in threads]
    [t.join(120) for t in threads]
    return out


def png(shade: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, shade, shade)).save(buf, format="PNG")
    return buf.getvalue()


def races(app) -> None:
    from app.extensions import db
    from app.models import Application, ApplicationStatus, Attachment

    tabs = browsers(app, PARALLEL)
    location = tabs[0].post(f"/services/{SERVICE}/apply").headers["Location"]
    app_id = int(re.search(r"/applications/(\d+)", location).group(1))
    codes = all_at_once(
        lambda i, b: b.post(
            f"/applications/{app_id}/materials",
            {"slot": "lease", "file": (io.BytesIO(png(i * 10)), "lease.png")},
            content_type="multipart/form-data",
        ),
        tabs,
    )
    with app.app_context():
        stored = db.session.execute(
            db.select(db.func.count())
            .select_from(Attachment)
            .where(Attachment.application_id == app_id, Attachment.slot == "lease")
        ).scalar()
        db.session.execute(db.delete(Attachment))  # the next race starts from no draft
        db.session.execute(db.delete(Application))
        db.session.commit()
    print(
        f"  {PARALLEL} parallel uploads into one slot (limit {app.config['MAX_FILES_PER_SLOT']}):"
        f" {stored} stored; answers {sorted(set(map(str, codes)))}"
    )
    codes = all_at_once(lambda _i, b: b.post(f"/services/{SERVICE}/apply"), tabs[:12])
    with app.app_context():
        drafts = db.session.execute(
            db.select(db.func.count())
            .select_from(Application)
            .where(Application.status == ApplicationStatus.DRAFT)
        ).scalar()
        db.session.remove()
    print(f"  12 parallel apply presses: {drafts} draft(s); answers {sorted(set(map(str, codes)))}")
    with app.app_context():
        db.session.execute(db.delete(Application))  # the cut form below opens a new draft
        db.session.commit()


def cut_connections(app) -> None:
    from tests.integration.test_lost_connection import ConnectionCutter

    cutter = ConnectionCutter(app)
    client = browsers(app, 1)[0]
    errors = ok = 0
    cuts_before_mid_request = 0

    def load(url, method="get"):
        nonlocal errors, ok
        try:
            code = getattr(client, method)(url).status_code
        except Exception:  # noqa: BLE001 — an exception out of the app is a 500
            code = 500
        errors += code >= 500 and code != 503
        ok += code < 400
        return code

    try:
        for _round in range(8):
            for page in PAGES:
                load(page)
            cutter.cut_all()
            for page in PAGES:
                load(page)
        cuts_before_mid_request = cutter.cuts
        cutter.cut_next("SELECT")
        mid_read = load(f"/services/{SERVICE}")
        cutter.cut_next("INSERT INTO application")
        mid_write = load(f"/services/{SERVICE}/apply", "post")
    finally:
        cutter.close()
    print(
        f"  8 rounds of cut connections + 2 cut mid-request: {cutter.cuts} connections cut,"
        f" {ok} pages OK, {errors} server errors; read cut mid-request -> {mid_read},"
        f" form cut mid-request -> {mid_write}"
        f" ({cutter.cuts - cuts_before_mid_request} of 2 mid-request cuts happened)"
    )


def lost_job(app) -> None:
    from app.extensions import db
    from app.models import Job, JobStatus, utcnow
    from app.services.scheduler import start_background_loop

    with app.app_context():
        job = Job(kind="ping", payload={}, dispatched_at=utcnow())  # committed, never sent
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    start = time.monotonic()
    loop = start_background_loop(app)
    status = None
    while time.monotonic() - start < 300:
        with app.app_context():
            status, redispatches = db.session.execute(
                db.select(Job.status, Job.redispatches).where(Job.id == job_id)
            ).one()
            db.session.remove()
        if status == JobStatus.DONE:
            break
        time.sleep(0.2)
    loop.stop_event.set()
    print(
        f"  a job whose message was lost: {status.value} after {time.monotonic() - start:.1f} s"
        f" (pickup {app.config['JOB_PICKUP_SECONDS']} s, tick every"
        f" {app.config['SCHEDULER_INTERVAL_SECONDS']} s), re-sent {redispatches} time(s)"
    )


def run(label: str, url: str) -> None:
    print(f"{label}:")
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(url, str(Path(tmp) / "uploads"))
        races(app)
        cut_connections(app)
        lost_job(app)
        from app.extensions import db
        from app.jobs.queue import runner_for

        runner_for(app).wait_idle(60)
        with app.app_context():
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{tmp}/bench.sqlite3")
    if args.no_postgres:
        return
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
    name = f"onewindow_bench_races_{int(time.time())}"
    if subprocess.run([*psql, f"CREATE DATABASE {name}"], capture_output=True).returncode:
        print("PostgreSQL at 127.0.0.1:5432 is not available: SQLite figures only")
        return
    try:
        run("PostgreSQL", f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    finally:
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)


if __name__ == "__main__":
    main()
