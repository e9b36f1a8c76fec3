"""Home-page throughput of one waitress process (the embedded server) against gunicorn with
several worker processes (the at-scale server, gunicorn.conf.py), in the same run, on the
same PostgreSQL database with the demo catalogue. Load comes from `wrk` (Debian package
`wrk`) on the loopback address, for a fixed duration per step. Prints figures only.

    .venv/bin/python benchmarks/serving.py [--clients 1 8 32] [--seconds 10] [--workers N]

Needs PostgreSQL at 127.0.0.1:5432 (user postgres; a throw-away database is created and
dropped) and wrk. Background jobs are not run (no Celery worker is started): the home page
needs none.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
PG = "postgresql://postgres@127.0.0.1:5432"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def wrk(url: str, clients: int, seconds: int) -> float:
    """Requests per second wrk measured."""
    out = subprocess.run(
        ["wrk", "-t", str(min(clients, 4)), "-c", str(clients), "-d", f"{seconds}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def serve(command: list[str], env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_up(f"http://127.0.0.1:{port}/")
    return proc


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2 + 1)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    database = f"ow_bench_serving_{os.getpid()}"
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {database}"],
        check=True,
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{database}",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "CELERY_QUEUE": f"bench-serving-{os.getpid()}",
    }
    try:
        flask = [str(VENV_BIN / "flask"), "--app", "app"]
        subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([*flask, "demo", "load"], env=env, check=True, capture_output=True)
        servers = {
            "waitress, 1 process": lambda port: [
                str(VENV_BIN / "waitress-serve"),
                "--threads",
                "8",
                f"--listen=127.0.0.1:{port}",
                "--call",
                "app:create_app",
            ],
            f"gunicorn, {args.workers} processes": lambda port: [
                str(VENV_BIN / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "/dev/null",
                "app:create_app()",
            ],
        }
        results: dict[str, dict[int, float]] = {}
        for name, command in servers.items():
            port = free_port()
            proc = serve(command(port), env, port)
            try:
                url = f"http://127.0.0.1:{port}/"
                wrk(url, 4, 2)  # warm up every process
                results[name] = {c: wrk(url, c, args.seconds) for c in args.clients}
            finally:
                stop(proc)
        load = os.getloadavg()
        print(f"home page, requests/s ({args.seconds} s per step; load average {load[0]:.1f})")
        print(f"{'clients':>8s} " + " ".join(f"{n:>24s}" for n in results) + "   ratio")
        single, many = results.values()
        for c in args.clients:
            print(f"{c:8d} {single[c]:24.1f} {many[c]:24.1f}   {many[c] / single[c]:.2f}x")
    finally:
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-qc",
                f"DROP DATABASE IF EXISTS {database} WITH (FORCE)",
            ],
            check=False,
        )


if __name__ == "__main__":
    main()
