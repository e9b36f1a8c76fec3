"""What log-ins cost: CPU time of one Argon2id check with the product's parameters (OWASP:
m=19 MiB, t=2, p=1) against argon2-cffi's defaults (m=64 MiB, t=3, p=4), measured in the
same run; then, with real web servers on PostgreSQL, the CPU per log-in (the whole request:
page, check, session, audit record) and the peak memory (RSS high-water mark) of each web
process while `--concurrent` clients log in at once, without pause. Prints figures; asserts
nothing.

    .venv/bin/python benchmarks/login_cost.py [--rounds 20] [--concurrent 16] [--seconds 10]
        [--no-servers]

The servers are those of benchmarks/serving.py: one waitress process (the embedded set-up)
and gunicorn as gunicorn.conf.py starts it (the at-scale set-up). Needs PostgreSQL at
127.0.0.1:5432 for them (a throw-away database is created and dropped).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from argon2 import PasswordHasher

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from serving import (  # noqa: E402
    PG,
    VENV_BIN,
    _proc_cpu,
    _session_pids,
    free_port,
    serve,
    servers,
    stop,
)

from app.services.passwords import _DEFAULT as PRODUCT  # noqa: E402

PRODUCT_NAME = (
    f"product (m={PRODUCT.memory_cost // 1024} MiB, t={PRODUCT.time_cost}, p={PRODUCT.parallelism})"
)
LOGIN, PASSWORD = "13800138000", "Demo12345"  # the demo citizen
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def cpu_ms_per_verify(hasher: PasswordHasher, rounds: int) -> tuple[float, float]:
    """(median, max) CPU milliseconds of one verify with `hasher`."""
    stored = hasher.hash("Correct-horse-42")
    samples = []
    for _ in range(rounds):
        start = time.process_time()
        hasher.verify(stored, "Correct-horse-42")
        samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples), max(samples)


def hash_check(rounds: int) -> None:
    library_default = PasswordHasher()
    print(f"{'one Argon2 check, parameters':40s} {'CPU ms median':>14s} {'max':>8s}")
    for name, hasher in (
        (PRODUCT_NAME, PRODUCT),
        ("argon2-cffi default (m=64 MiB, t=3, p=4)", library_default),
    ):
        median, worst = cpu_ms_per_verify(hasher, rounds)
        print(f"{name:40s} {median:14.1f} {worst:8.1f}")


def log_in_repeatedly(base: str, until: float, done: list, failures: list) -> None:
    """One client: open the log-in page, log in, log out, again, until `until`."""
    while time.monotonic() < until:
        with requests.Session() as http:
            page = http.get(f"{base}/login", timeout=60).text
            token = CSRF.search(page).group(1)
            answer = http.post(
                f"{base}/login",
                data={"csrf_token": token, "login": LOGIN, "password": PASSWORD},
                allow_redirects=False,
                timeout=60,
            )
        (done if answer.status_code == 302 else failures).append(answer.status_code)


def log_in_together(base: str, until: float, concurrent: int, done: list, failures: list):
    clients = [
        threading.Thread(target=log_in_repeatedly, args=(base, until, done, failures))
        for _ in range(concurrent)
    ]
    for t in clients:
        t.start()
    for t in clients:
        t.join()


def peak_rss_mb(pid: int) -> float:
    """The high-water mark of `pid`'s resident memory (VmHWM), in MB."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def servers_under_logins(concurrent: int, seconds: int) -> None:
    database = f"ow_bench_login_{os.getpid()}"
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc"]
    subprocess.run([*psql, f"CREATE DATABASE {database}"], check=True)
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{database}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "CELERY_QUEUE": f"bench-login-{os.getpid()}",
        "ACCESS_LOG": "",
    }
    try:
        flask = [str(VENV_BIN / "flask"), "--app", "app"]
        subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([*flask, "demo", "load"], env=env, check=True, capture_output=True)
        shipped = __import__("runpy").run_path(str(ROOT / "gunicorn.conf.py"))
        print(
            f"\n{concurrent} clients logging in at once for {seconds} s "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
        print(
            f"{'server':28s} {'log-ins':>8s} {'per s':>6s} {'CPU ms/log-in':>14s} "
            f"{'peak RSS of a web process MB':>29s} {'idle':>5s}"
        )
        for name, command in servers(shipped["workers"], shipped["threads"]).items():
            port = free_port()
            proc = serve(command(port), env, port)
            try:
                pids = _session_pids(proc.pid)
                idle = max(peak_rss_mb(p) for p in pids)
                base = f"http://127.0.0.1:{port}"
                warm = time.monotonic() + 3  # every process has read its templates once
                log_in_together(base, warm, concurrent, [], [])
                pids = _session_pids(proc.pid)
                cpu_before = {p: _proc_cpu(p) for p in pids}
                done: list = []
                failures: list = []
                until = time.monotonic() + seconds
                log_in_together(base, until, concurrent, done, failures)
                pids = _session_pids(proc.pid)
                cpu = sum(_proc_cpu(p) - cpu_before.get(p, 0.0) for p in pids)
                rss = max(peak_rss_mb(p) for p in pids)
            finally:
                stop(proc)
            per_login = 1000 * cpu / len(done) if done else float("nan")
            note = f"  ({len(failures)} refused)" if failures else ""
            print(
                f"{name:28s} {len(done):8d} {len(done) / seconds:6.1f} {per_login:14.1f} "
                f"{rss:29.0f} {idle:5.0f}{note}"
            )
    finally:
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--concurrent", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--no-servers", action="store_true", help="only the hash check")
    args = parser.parse_args()
    hash_check(args.rounds)
    if not args.no_servers:
        servers_under_logins(args.concurrent, args.seconds)
    print("targets (issue 18): <= 150 ms CPU per log-in, <= 250 MB per web process")


if __name__ == "__main__":
    main()
