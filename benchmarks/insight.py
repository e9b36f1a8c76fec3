"""Benchmark: the performance page, its chart data, the per-step heatmap and the admin
landing page over a year of history, at growing sizes, on PostgreSQL.

Builds history with the volume generator (`app.services.volume`: a few cases through the
services, then bulk-cloned with COPY across the last 365 days, then `rollup_rebuild`), at
each size in turn (1k, 10k, 100k, and up to `--cases`), timing the generation and the
rebuild. At each size, logged in as the administrator through the Flask test client, it
requests each page `--requests` times and prints the median and p95 in milliseconds and the
SQL statements one request costs (they must not grow with the history). Prints only;
asserts nothing. The issue's targets: ≤ 500 ms at 100,000 cases (issue 18), < 1 s for a
year at 1,000,000 cases (issue 14).

    nice -n 10 .venv/bin/python benchmarks/insight.py [--cases 100000] [--requests 20]
        [--sizes 1000,10000,100000] [--keep] [--history 7]

`--history K` gives every cloned case K done tasks more (tests/queue_data.add_done_history),
so that 100,000 cases carry the issue's 1,000,000 tasks.

PostgreSQL at 127.0.0.1:5432 (user postgres) gets a throw-away database, dropped at the end
(unless --keep).
"""

from __future__ import annotations

import argparse
import os
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


def pages(app) -> list[tuple[str, str]]:
    from app.extensions import db
    from app.models import ProcessVersion

    with app.app_context():
        version = db.session.execute(
            db.select(ProcessVersion).where(
                ProcessVersion.process_id == "business_registration",
                ProcessVersion.is_current.is_(True),
            )
        ).scalar_one()
        heatmap = f"/admin/processes/business_registration/versions/{version.version}/heatmap"
    return [
        ("performance page, 30 days", "/admin/performance?days=30"),
        ("performance page, 365 days", "/admin/performance?days=365"),
        ("performance, 365 d, one service", "/admin/performance?days=365&service=1"),
        ("chart data JSON, 365 days", "/admin/performance/data.json?days=365"),
        ("heatmap (business registration)", heatmap),
        ("admin landing page", "/admin/"),
    ]


def measure(app, size: int, requests: int) -> None:
    """Time each page; print median, p95 (ms) and statements per request."""
    from tests.conftest import Client

    client = Client(app)
    client.login("admin")
    print(f"\n{size:,} cases                       median ms    p95 ms  statements")
    for label, url in pages(app):
        times, statements, _body = time_page(app, client, url, requests)
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
        print(f"  {label:<34} {statistics.median(times):>8.1f}  {p95:>8.1f}  {statements:>6}")


def run(url: str, upload_dir: str, sizes: list[int], requests: int, history: int = 0) -> None:
    from app.extensions import db
    from app.jobs.queue import runner_for
    from app.models import Application
    from app.services import rollup_rebuild, volume
    from tests import queue_data

    app = make_app(url, upload_dir)
    runner = runner_for(app)
    with app.app_context():
        start = time.perf_counter()
        templates = volume.template_cases(4, wait_jobs=lambda: runner.wait_idle(120))
        print(f"4 template cases through the services: {time.perf_counter() - start:.1f} s")
        db.session.remove()
    have = 4
    for size in sizes:
        with app.app_context():
            start = time.perf_counter()
            first_case = db.session.scalar(db.select(db.func.max(Application.id))) + 1
            counts = volume.clone(templates, size - have, seed=size)
            counts["human_task"] += queue_data.add_done_history(history, first_case)
            cloned = time.perf_counter() - start
            start = time.perf_counter()
            rollups = rollup_rebuild.rebuild()
            rebuilt = time.perf_counter() - start
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
            total = db.session.scalar(db.select(db.func.count(Application.id)))
            db.session.remove()
        have = size
        print(
            f"\nbuilt {total:,} cases: cloned {counts['application']:,} cases, "
            f"{counts['human_task']:,} tasks, {counts['attachment']:,} files, "
            f"{counts['rating']:,} ratings in {cloned:.1f} s; rollups rebuilt in {rebuilt:.1f} s "
            f"({', '.join(f'{k} {v:,}' for k, v in rollups.items())})"
        )
        measure(app, total, requests)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000, help="the largest size")
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument("--requests", type=int, default=20, help="requests per page and size")
    ap.add_argument("--keep", action="store_true", help="keep the database")
    ap.add_argument(
        "--history",
        type=int,
        default=0,
        help="done tasks more per cloned case (7 makes ~1,000,000 tasks at 100,000 cases)",
    )
    args = ap.parse_args()
    sizes = [s for s in (int(x) for x in args.sizes.split(",")) if s <= args.cases]
    if args.cases not in sizes:
        sizes.append(args.cases)
    os.environ.pop("REDIS_URL", None)
    tmp = tempfile.mkdtemp(prefix="ow-bench-insight-")
    db_name = f"onewindow_bench_insight_{os.getpid()}"
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
    try:
        subprocess.run([*psql, f"CREATE DATABASE {db_name}"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"PostgreSQL unavailable ({exc}): this benchmark needs it")
        return
    try:
        run(
            f"postgresql+psycopg://postgres@127.0.0.1/{db_name}",
            f"{tmp}/uploads",
            sorted(sizes),
            args.requests,
            args.history,
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
