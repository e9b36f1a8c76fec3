"""Benchmark: the clerks' queue page with many open tasks, per filter.

Builds one real business-registration case through the workflow, then bulk-inserts N
copies of its case, files and tax-department review (all N in the one department, the
hardest case for a department queue), with 2,000 applicants, the shipped services in turn,
due dates from 10 days ago to 40 days ahead, 1% taken by the clerk and N/10 more already
done. Then, logged in as the tax clerk through the Flask test client, requests the queue
page 50 times per filter and prints the median and p95 in milliseconds and the number of
SQL statements one page costs. Prints only; asserts nothing.

    .venv/bin/python benchmarks/clerk_queue.py [--tasks 100000] [--sqlite-tasks 5000]
        [--requests 50] [--no-postgres] [--no-sqlite]

PostgreSQL at 127.0.0.1:5432 (user postgres) gets a throw-away database, dropped at the
end; without it only the SQLite figures are printed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from demo_app import make_app, time_page  # noqa: E402

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


def build(app, total: int) -> None:
    """One real case, then `total` open tasks cloned from it (see the module docstring)."""
    from app.extensions import db
    from app.models import Department, Role, Service, TaskStatus, User
    from tests import queue_data

    rng = random.Random(7)
    with app.app_context():
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
        citizens = list(
            db.session.execute(
                db.select(User.id).where(User.username.like("bench-%")).order_by(User.id)
            ).scalars()
        )
        services = list(db.session.execute(db.select(Service.id).order_by(Service.id)).scalars())
        tax = db.session.execute(db.select(Department.id).where(Department.code == "tax")).scalar()
        clerk = db.session.execute(db.select(User.id).where(User.username == "clerk_tax")).scalar()
        common = {"citizens": citizens, "services": services}
        taken = max(1, total // 100)
        queue_data.clone_tasks(source, tax, total - taken, first_number=1, **common)
        queue_data.clone_tasks(
            source,
            tax,
            taken,
            first_number=total,
            seed=2,
            status=TaskStatus.CLAIMED,
            assignee_id=clerk,
            **common,
        )
        queue_data.clone_tasks(
            source,
            tax,
            total // 10,
            first_number=2 * total,
            seed=3,
            due_days=(-60, -1),
            status=TaskStatus.DONE,
            assignee_id=clerk,
            **common,
        )
        db.session.execute(db.text("ANALYZE"))  # both databases plan from statistics
        db.session.commit()
        db.session.remove()


def measure(app, label: str, requests: int) -> None:
    """Time each filter's page through the test client; print median, p95, statements."""
    from tests.conftest import Client

    client = Client(app)
    client.login("clerk_tax")
    print(f"[{label}] {'filter':<58} {'median':>8} {'p95':>8} {'SQL':>4}  rows")
    for name, url in FILTERS:
        times, statements, body = time_page(app, client, url, requests)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        rows = body.count('data-task="')
        print(
            f"[{label}] {name:<58} {statistics.median(times):>6.1f}ms {p95:>6.1f}ms "
            f"{statements:>4}  {rows}"
        )


def run(label: str, url: str, upload_dir: str, total: int, requests: int) -> None:
    app = make_app(url, upload_dir)
    start = time.perf_counter()
    build(app, total)
    print(
        f"[{label}] built {total} open tasks (+{total // 10} done) in "
        f"{time.perf_counter() - start:.0f} s"
    )
    measure(app, label, requests)
    from app.extensions import db

    with app.app_context():
        db.engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=100_000, help="open tasks on PostgreSQL")
    ap.add_argument("--sqlite-tasks", type=int, default=5_000, help="open tasks on SQLite")
    ap.add_argument("--requests", type=int, default=50, help="requests per filter")
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true")
    args = ap.parse_args()
    os.environ.pop("REDIS_URL", None)
    tmp = tempfile.mkdtemp(prefix="ow-bench-queue-")
    if not args.no_sqlite:
        run(
            "sqlite",
            f"sqlite:///{tmp}/bench.sqlite3",
            f"{tmp}/uploads",
            args.sqlite_tasks,
            args.requests,
        )
    if args.no_postgres:
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
            args.tasks,
            args.requests,
        )
    finally:
        subprocess.run(
            [*psql, f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"], capture_output=True
        )


if __name__ == "__main__":
    main()
