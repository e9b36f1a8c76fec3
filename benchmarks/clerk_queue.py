"""Benchmark: the clerks' queue page with many open tasks, per filter.

Builds one real business-registration case through the workflow, then bulk-inserts N
copies of its case, files and tax-department review (all N in the one department, the
hardest case for a department queue), with 2,000 applicants, the shipped services in turn,
due dates from 10 days ago to 40 days ahead, 1% taken by the clerk and N/10 more already
done. Then, logged in as the tax clerk through the Flask test client, requests the queue
page 50 times per filter and prints the median and p95 in milliseconds and the number of
SQL statements one page costs. Prints only; asserts nothing.

On PostgreSQL, the issue's volume (100,000 cases, 1,000,000 tasks) and its load (8 clients):

* `--sizes 1000,10000,100000` builds the open tasks in steps and measures after each, so the
  statements per page are printed for each size (they must not grow with the rows);
* `--tasks-per-case 10` gives every case the history a real one has — done tasks of the
  other departments and earlier rounds (intake, reviews, 补正) — so that at 100,000 cases the
  task table holds 1,000,000 rows;
* `--closed-cases 400000` puts years of decided cases (each with its tasks done, and the same
  history per case) in front of the open ones, as a city's database has them: the pages
  must not grow with history either;
* `--clients 8` then serves the app with gunicorn as the README starts it
  (gunicorn.conf.py) and has wrk (apt-get install wrk; `make bench-serving` installs it) hold
  8 connections, logged in as the tax clerk, requesting the filters in turn for `--seconds`;
  prints the median, p95 and p99 of every request, with the machine's load and where its CPU
  went (web server, PostgreSQL, wrk, the rest).

    .venv/bin/python benchmarks/clerk_queue.py [--tasks 100000] [--sqlite-tasks 5000]
        [--requests 50] [--no-postgres] [--no-sqlite]
        [--sizes 1000,10000,100000] [--tasks-per-case 10] [--closed-cases 400000]
        [--clients 8] [--seconds 20]
        [--keep | --reuse DATABASE]

It also times a Prometheus scrape of /metrics (the live state it reads at each scrape) and,
on PostgreSQL, the scheduler's round on the same database, once every open case's clock
runs and its holders were told its level (the steady state of the clock alerts).

`--keep` keeps the PostgreSQL database and prints its name; `--reuse` that name measures it
again (after a change to the page) without building it anew.

PostgreSQL at 127.0.0.1:5432 (user postgres) gets a throw-away database, dropped at the
end; without it only the SQLite figures are printed.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from demo_app import make_app, p95, time_page  # noqa: E402

FILTERS = (
    ("my department, by due date", "/clerk/"),
    ("my tasks", "/clerk/?tab=mine"),
    ("all I may see (done included)", "/clerk/?tab=all"),
    ("service = residence permit", "/clerk/?service=residence_permit"),
    ("overdue", "/clerk/?due=overdue"),
    ("due within 2 working days", "/clerk/?due=soon"),
    ("applicant name starts with 李", "/clerk/?applicant=李"),
    ("applicant 李明 + overdue", "/clerk/?applicant=李明&due=overdue"),
    ("case number prefix", "/clerk/?case_number=YW9000000000123"),
    ("sorted by submission", "/clerk/?sort=submitted"),
    ("grouped by service", "/clerk/?sort=service"),
    ("all I may see, grouped by service", "/clerk/?tab=all&sort=service"),
    ("page 20", "/clerk/?page=20"),
    (
        "saved-filter style: service + due soon, by submission",
        "/clerk/?service=business_registration&due=soon&sort=submitted",
    ),
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def build(app, total: int, first: int = 1, history: int = 0, closed: int = 0) -> None:
    """One real case, then `closed` decided cases cloned from it (the years of history in
    front of today's work), then `total` open tasks cloned from it (see the module
    docstring), numbered from `first` (a later step of --sizes adds to an earlier one's),
    each case with `history` done tasks more."""
    from app.extensions import db
    from app.models import Role, User
    from tests import queue_data

    rng = random.Random(7 + first)
    with app.app_context():
        if first > 1:
            _build_more(total, first, history)
            return
        source = queue_data.real_case()
        names = sorted(
            {rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) for _ in range(3000)}
        )[:2000]
        db.session.execute(
            db.insert(User),
            [
                {
                    "role": Role.CITIZEN,
                    "username": f"bench-{i}",
                    "real_name": name,
                    "password_hash": "!",
                    "active": True,
                    "is_lead": False,
                    "session_version": 0,
                }
                for i, name in enumerate(names)
            ],
        )
        db.session.commit()
        first_case = source + 1
        if closed:
            _clone_closed(source, closed, history)
            first_case = db.session.execute(db.text("SELECT max(id) + 1 FROM application")).scalar()
        _clone_step(source, total, base=1, seed=1, history=history, first_case=first_case)


def _clone_closed(source: int, closed: int, history: int) -> None:
    """`closed` cases decided 30 to 400 days ago, each with its tax-department task done by
    the tax clerk and `history` done tasks more, numbered after any open case's. Committed."""
    from app.extensions import db
    from app.models import TaskStatus
    from tests import queue_data

    tax, clerk = _tax_and_clerk()
    queue_data.clone_tasks(
        source,
        tax,
        closed,
        first_number=10**9,
        seed=99,
        due_days=(-400, -30),
        status=TaskStatus.DONE,
        assignee_id=clerk,
        closed=True,
        **_citizens_and_services(),
    )
    queue_data.add_done_history(history, source + 1)
    db.session.commit()


def _build_more(total: int, first: int, history: int) -> None:
    """A later --sizes step: `total` more open tasks (and their share of taken and done
    ones) cloned from the same real case, numbered after the earlier steps'."""
    from app.extensions import db

    source = db.session.execute(db.text("SELECT min(application_id) FROM human_task")).scalar()
    first_case = db.session.execute(db.text("SELECT max(id) + 1 FROM application")).scalar()
    # case numbers of this step come after every earlier step's
    _clone_step(source, total, base=10 * first, seed=first, history=history, first_case=first_case)


def _clone_step(source: int, total: int, *, base: int, seed: int, history: int, first_case: int):
    """`total` tasks in the tax department cloned from case `source`, numbered from `base`:
    1% taken by the tax clerk, the rest open, and a tenth as many more already done; each
    case numbered from `first_case` on with `history` done tasks more. Committed, settled."""
    from app.extensions import db
    from app.models import TaskStatus
    from tests import queue_data

    tax, clerk = _tax_and_clerk()
    common = _citizens_and_services()
    taken = max(1, total // 100)
    queue_data.clone_tasks(source, tax, total - taken, first_number=base, seed=seed, **common)
    queue_data.clone_tasks(
        source,
        tax,
        taken,
        first_number=base + total,
        seed=seed + 1,
        status=TaskStatus.CLAIMED,
        assignee_id=clerk,
        **common,
    )
    queue_data.clone_tasks(
        source,
        tax,
        total // 10,
        first_number=base + 2 * total,
        seed=seed + 2,
        due_days=(-60, -1),
        status=TaskStatus.DONE,
        assignee_id=clerk,
        **common,
    )
    queue_data.add_done_history(history, first_case)
    db.session.commit()
    db.session.remove()
    settle()


def _tax_and_clerk() -> tuple[int, int]:
    """The tax department's id and its clerk's (the benchmark's queue)."""
    from app.extensions import db
    from app.models import Department, User

    tax = db.session.execute(db.select(Department.id).where(Department.code == "tax")).scalar()
    clerk = db.session.execute(db.select(User.id).where(User.username == "clerk_tax")).scalar()
    return tax, clerk


def _citizens_and_services() -> dict[str, list[int]]:
    """The bench applicants and the shipped services, for clone_tasks to take in turn."""
    from app.extensions import db
    from app.models import Service, User

    citizens = db.session.execute(
        db.select(User.id).where(User.username.like("bench-%")).order_by(User.id)
    ).scalars()
    services = db.session.execute(db.select(Service.id).order_by(Service.id)).scalars()
    return {"citizens": list(citizens), "services": list(services)}


def settle() -> None:
    """Statistics for the planner and, on PostgreSQL, the vacuum autovacuum would run after
    the bulk load: done now, so that it does not run in the middle of the measurement (it
    did, and tripled the tail of the 8-client run)."""
    from app.extensions import db

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE")


def measure(app, label: str, requests: int) -> None:
    """Time each filter's page through the test client; print median, p95, statements."""
    from tests.conftest import Client

    client = Client(app)
    client.login("clerk_tax")
    print(f"[{label}] {'filter':<58} {'median':>8} {'p95':>8} {'SQL':>4}  rows")
    for name, url in FILTERS:
        times, statements, body = time_page(app, client, url, requests)
        rows = body.count('data-task="')
        print(
            f"[{label}] {name:<58} {statistics.median(times):>6.1f}ms {p95(times):>6.1f}ms "
            f"{statements:>4}  {rows}"
        )


def running_clocks() -> int:
    """PostgreSQL: give every open case a running clock (accepted when submitted, its
    statutory date two days after its task's, promised on the task's date) and mark each live
    task as told the alert level its case has reached: the steady state of the clock alerts,
    which the clones otherwise lack (no clock started); a case due within two weeks counts
    as told at least yellow. Returns the live tasks marked told."""
    from app.extensions import db

    db.session.execute(
        db.text(
            "UPDATE application a SET accepted_at = a.submitted_at, promised_due_at = t.due_at,"
            " due_at = t.due_at + interval '2 days' FROM human_task t"
            " WHERE t.application_id = a.id AND t.status IN ('open', 'claimed')"
            " AND a.decided_at IS NULL"
        )
    )
    told = db.session.execute(
        db.text(
            "UPDATE human_task t SET clock_alert_sent = CASE WHEN a.due_at < now() THEN"
            " 'overdue' WHEN a.promised_due_at < now() THEN 'red' ELSE 'yellow' END"
            " FROM application a WHERE a.id = t.application_id AND t.status IN ('open', 'claimed')"
            " AND a.promised_due_at < now() + interval '14 days'"
        )
    ).rowcount
    db.session.commit()
    settle()
    return told


def scheduler_rounds(app, label: str, rounds: int = 5) -> None:
    """The scheduler's round (`services.scheduler.tick`: timers, lost jobs, retention, deferred
    materials, clock alerts) on the database just measured, once every open case's clock
    runs and its holders were told its level: what each round costs whatever it finds to do
    (it runs every SCHEDULER_INTERVAL_SECONDS, 5 s by default)."""
    from app.extensions import db
    from app.services import scheduler
    from tests.statements import counted_statements

    with app.app_context():
        alerting = running_clocks()
        times = []
        for _ in range(rounds):
            with counted_statements(db.engine) as statements:
                start = time.perf_counter()
                scheduler.tick(app)
                times.append((time.perf_counter() - start) * 1000)
            db.session.remove()
    print(
        f"[{label}] scheduler round, {alerting} live tasks already told their level: "
        f"median {statistics.median(times):.1f} ms, worst {max(times):.1f} ms of {rounds}, "
        f"{len(statements)} statements"
    )


def api_task_pages(app, label: str, requests: int) -> None:
    """The API's task list for other government systems (`api_reads.department_tasks`, paged
    by id), its first and its tenth page of the tax department: median and worst ms."""
    from app.extensions import db
    from app.services import api_reads

    with app.app_context():
        for name, pages in (("first page", 1), ("tenth page", 10)):
            times = []
            for _ in range(requests):
                start, after = time.perf_counter(), 0
                for _page in range(pages):
                    after = api_reads.department_tasks("tax", after)[1]
                times.append((time.perf_counter() - start) * 1000 / pages)
                db.session.remove()
            print(
                f"[{label}] API task list, {name} ({api_reads.DEFAULT_TASKS_PAGE} tasks): median "
                f"{statistics.median(times):.1f} ms, worst {max(times):.1f} ms"
            )


def metrics_scrapes(app, label: str, requests: int) -> None:
    """A Prometheus scrape of /metrics (`services.operations.gauges`: running cases, live and
    overdue tasks by department, the job queue, the scheduler's last round) on this
    database, through the test client: median and worst ms, statements."""
    from app.extensions import db
    from tests.statements import counted_statements

    app.config["METRICS_TOKEN"] = "benchmark"
    client = app.test_client()
    times = []
    for _ in range(requests):
        with app.app_context(), counted_statements(db.engine) as statements:
            start = time.perf_counter()
            response = client.get("/metrics", headers={"Authorization": "Bearer benchmark"})
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    from prometheus_client.parser import text_string_to_metric_families

    live = sum(
        sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        if family.name == "onewindow_tasks_live"
        for sample in family.samples
    )
    print(
        f"[{label}] metrics scrape ({live:.0f} live tasks counted): median "
        f"{statistics.median(times):.1f} ms, worst {max(times):.1f} ms, "
        f"{len(statements)} statements"
    )


def counts(app) -> tuple[int, int]:
    """(cases, tasks) in the database."""
    from app.extensions import db

    with app.app_context():
        cases = db.session.execute(db.text("SELECT count(*) FROM application")).scalar()
        tasks = db.session.execute(db.text("SELECT count(*) FROM human_task")).scalar()
        db.session.remove()
    return cases, tasks


def run(
    label: str,
    url: str,
    upload_dir: str,
    sizes: list[int],
    requests: int,
    history: int = 0,
    clients: int = 0,
    seconds: int = 20,
    closed: int = 0,
) -> None:
    app = make_app(url, upload_dir)
    built = 0
    for size in sizes:
        start = time.perf_counter()
        build(app, size - built, first=built + 1, history=history, closed=closed * (not built))
        built = size
        cases, tasks = counts(app)
        print(
            f"[{label}] {size} open tasks: {cases} cases, {tasks} tasks in all "
            f"(built in {time.perf_counter() - start:.0f} s)"
        )
        measure(app, f"{label} {size}", requests)
        api_task_pages(app, f"{label} {size}", requests)
        metrics_scrapes(app, f"{label} {size}", requests)
        if url.startswith("postgresql"):
            scheduler_rounds(app, f"{label} {size}")
    from app.extensions import db

    with app.app_context():
        db.engine.dispose()
    if clients:
        under_load(url, label, clients, seconds)


def remeasure(url: str, args, tmp: str) -> None:
    """The measurements of `run` on a database built before (`--keep`), as it stands."""
    app = make_app(url, f"{tmp}/uploads-pg")
    cases, tasks = counts(app)
    print(f"[postgresql] reused: {cases} cases, {tasks} tasks in all")
    measure(app, "postgresql reused", args.requests)
    api_task_pages(app, "postgresql reused", args.requests)
    metrics_scrapes(app, "postgresql reused", args.requests)
    scheduler_rounds(app, "postgresql reused")
    from app.extensions import db

    with app.app_context():
        db.engine.dispose()
    if args.clients:
        under_load(url, "postgresql", args.clients, args.seconds)


def _login_cookie(base: str) -> str:
    """Log in as the tax clerk over HTTP; the session cookie to send."""
    import http.client
    import re

    host, port = base.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", "/login")
    resp = conn.getresponse()
    page = resp.read().decode()
    cookie = resp.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = f"csrf_token={token}&login=clerk_tax&password=Demo12345"
    conn.request(
        "POST",
        "/login",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 302, f"log-in answered {resp.status}"
    return resp.getheader("Set-Cookie", cookie).split(";")[0]


# wrk's script: the filters in turn, and the latency percentiles when the run is done.
WRK_SCRIPT = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("QUEUE %%d %%.1f %%.1f %%.1f %%.1f %%d %%d\\n", summary.requests,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


def under_load(url: str, label: str, clients: int, seconds: int) -> None:
    """The queue filters in turn from `clients` connections of wrk (a C load generator: Python
    clients took a good part of the 2 cores they measured) against gunicorn as the README
    starts it (gunicorn.conf.py), on the database just measured, logged in as the tax clerk.
    Prints the latency percentiles and where the machine's CPU went (serving.py's
    accounting: web server, PostgreSQL back ends, wrk, the rest), and the time each request
    spent in the app as gunicorn's access log times it (from reading the request to sending
    the answer): the rest of what wrk sees is time waiting for a free worker."""
    import runpy
    import shutil
    from urllib.parse import quote, unquote

    from serving import free_port, measure, serve, stop

    if not shutil.which("wrk"):
        print(f"[{label}, {clients} clients] wrk is not installed (apt-get install wrk)")
        return
    shipped = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ACCESS_LOG": "",
        "CELERY_QUEUE": f"bench-queue-{os.getpid()}",
    }
    env.pop("REDIS_URL", None)
    handle, served_log = tempfile.mkstemp(suffix=".log")
    os.close(handle)
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "-c",
        "gunicorn.conf.py",
        "-b",
        f"127.0.0.1:{port}",
        "--access-logfile",
        served_log,
        "--access-logformat",
        "%(q)s|%(D)s",  # the query string and the microseconds the app took
        "app:create_app()",
    ]
    database = url.rsplit("/", 1)[1]
    paths = ", ".join(f'"{quote(path, safe="/?=&")}"' for _name, path in FILTERS)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % paths)
    proc = serve(command, env, port)
    base = f"http://127.0.0.1:{port}"
    served_from = None  # where the measured requests start in the access log
    try:
        cookie = _login_cookie(base)
        args = ("-s", script.name, "-H", f"Cookie: {cookie}", "--timeout", "30s")
        measure(base, clients, 3, proc.pid, database, args)  # warm every worker first
        served_from = os.path.getsize(served_log)
        load_before = os.getloadavg()[0]
        step = measure(base, clients, seconds, proc.pid, database, args)
        load_after = os.getloadavg()[0]
        still_in = _still_logged_in(base, cookie)
    finally:
        stop(proc)  # the access log is complete once gunicorn has stopped
        os.unlink(script.name)
        served = _served_times(served_log, served_from) if served_from is not None else {}
        os.unlink(served_log)
    found = re.search(r"QUEUE (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+)", step.output)
    requests, p50, seen_p95, p99, worst = (float(found.group(k)) for k in range(1, 6))
    refused, failed = int(found.group(6)), int(found.group(7))
    print(
        f"[{label}, {clients} clients] gunicorn {shipped['workers']} processes x "
        f"{shipped['threads']} threads, wrk: {requests:.0f} requests in {seconds} s "
        f"({step.rps:.0f}/s), the {len(FILTERS)} filters in turn; load {load_before:.1f} -> "
        f"{load_after:.1f}; CPU in cores: web {step.server:.2f}, PostgreSQL "
        f"{step.database:.2f}, wrk {step.client:.2f}, other {step.others:.2f}; "
        f"{step.server * 1000 / step.rps:.1f} ms of web CPU a page"
    )
    if refused or failed or not still_in:
        print(
            f"[{label}, {clients} clients] NOT VALID: {refused} answers not 2xx/3xx, "
            f"{failed} socket errors, still logged in: {still_in}"
        )
    print(
        f"[{label}, {clients} clients] every request: median {p50:.1f} ms, p95 {seen_p95:.1f} ms, "
        f"p99 {p99:.1f} ms, worst {worst:.1f} ms (target p95 <= 150 ms)"
    )
    if served:
        every = [t for times in served.values() for t in times]
        slowest = max(served, key=lambda q: statistics.median(served[q]))
        print(
            f"[{label}, {clients} clients] in the app (gunicorn's timing, {len(every)} "
            f"requests): median {statistics.median(every):.1f} ms, p95 "
            f"{p95(every):.1f} ms; the slowest filter "
            f"(?{unquote(slowest)}) median {statistics.median(served[slowest]):.1f} ms; the rest "
            "of each request's time above is spent waiting for a free worker"
        )


def _served_times(path: str, offset: int) -> dict[str, list[float]]:
    """{query string: the milliseconds the app took for each request} from the access log
    written from `offset` on."""
    served: dict[str, list[float]] = {}
    with open(path, encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        for line in log:
            query, _sep, micros = line.strip().rpartition("|")
            if micros.isdigit():
                served.setdefault(query, []).append(int(micros) / 1000)
    return served


def _still_logged_in(base: str, cookie: str) -> bool:
    """Whether the queue still answers the session with its rows (not the log-in page)."""
    import http.client

    host, port = base.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", "/clerk/", headers={"Cookie": cookie})
    resp = conn.getresponse()
    return resp.status == 200 and 'data-task="' in resp.read().decode()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=100_000, help="open tasks on PostgreSQL")
    ap.add_argument("--sqlite-tasks", type=int, default=5_000, help="open tasks on SQLite")
    ap.add_argument("--requests", type=int, default=50, help="requests per filter")
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--sizes", help="open tasks on PostgreSQL in steps, e.g. 1000,10000,100000")
    ap.add_argument("--tasks-per-case", type=int, default=1, help="tasks per case on PostgreSQL")
    ap.add_argument(
        "--closed-cases",
        type=int,
        default=0,
        help="decided cases in front of the open ones on PostgreSQL (years of history)",
    )
    ap.add_argument("--clients", type=int, default=0, help="then this many clients, gunicorn")
    ap.add_argument("--seconds", type=int, default=20, help="how long the clients run")
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    ap.add_argument(
        "--reuse",
        metavar="DATABASE",
        help="measure a database an earlier --keep run built (nothing is built or dropped)",
    )
    args = ap.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")] if args.sizes else [args.tasks]
    os.environ.pop("REDIS_URL", None)
    tmp = tempfile.mkdtemp(prefix="ow-bench-queue-")
    if not args.no_sqlite:
        run(
            "sqlite",
            f"sqlite:///{tmp}/bench.sqlite3",
            f"{tmp}/uploads",
            [args.sqlite_tasks],
            args.requests,
        )
    if args.no_postgres:
        return
    if args.reuse:
        remeasure(f"postgresql+psycopg://postgres@127.0.0.1/{args.reuse}", args, tmp)
        return
    db_name = f"onewindow_bench_queue_{os.getpid()}"
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
    try:
        subprocess.run([*psql, f"CREATE DATABASE {db_name}"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"PostgreSQL unavailable ({exc}); skipping the PostgreSQL figures")
        return
    try:
        run(
            "postgresql",
            f"postgresql+psycopg://postgres@127.0.0.1/{db_name}",
            f"{tmp}/uploads-pg",
            sizes,
            args.requests,
            history=args.tasks_per_case - 1,
            clients=args.clients,
            seconds=args.seconds,
            closed=args.closed_cases,
        )
    finally:
        if args.keep:
            print(f"kept database {db_name}")
        else:
            subprocess.run(
                [*psql, f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"], capture_output=True
            )


if __name__ == "__main__":
    main()
