"""Home-page throughput of one waitress process (the embedded server) against gunicorn with
several worker processes (the at-scale server, gunicorn.conf.py), in the same run, on the
same PostgreSQL database with the demo catalogue. Load comes from `wrk` (Debian package
`wrk`, written in C: a Python client would take a good part of the 2 cores it measures) on
the loopback address, for a fixed duration per step. Prints figures only.

    .venv/bin/python benchmarks/serving.py [--clients 1 8 32] [--seconds 5] [--rounds 3]
        [--workers N] [--threads N]

Besides requests per second it prints, per step, where the machine's CPU went, in cores
(1.00 = one core busy for the whole step): the web server's processes, the PostgreSQL
back ends of the throw-away database, the load generator (wrk), and everything else on the
machine (other programs: the figures of a shared machine are only comparable with this
column near 0). "ms/req" is the web server's own CPU time per request: it does not depend on
the load and tells what a page costs, while requests/s tells what the machine gave.

Needs PostgreSQL at 127.0.0.1:5432 (user postgres; a throw-away database is created and
dropped) and wrk. Background jobs are not run (no Celery worker is started): the home page
needs none. BENCH_REDIS_URL picks the Redis database (default redis://127.0.0.1:6379/15).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
PG = "postgresql://postgres@127.0.0.1:5432"
TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


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


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used, 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def _all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _session_pids(sid: int) -> list[int]:
    """Processes of session `sid` (the server and its workers: started in a new session)."""
    out = []
    for pid in _all_pids():
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # field 6 of stat: session id
            out.append(pid)
    return out


def _backend_pids(database: str) -> list[int]:
    """PostgreSQL back ends serving `database` (their title names it)."""
    out = []
    for pid in _all_pids():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                title = fh.read().decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and f" {database} " in title:
            out.append(pid)
    return out


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICKS


@dataclass
class Step:
    """One wrk run: throughput and where the CPU went (in cores) meanwhile."""

    rps: float
    server: float
    database: float
    client: float
    others: float
    output: str = ""  # what wrk printed

    @property
    def ms_per_request(self) -> float:
        return 1000 * self.server / self.rps if self.rps else float("nan")


def measure(
    url: str, clients: int, seconds: int, server_sid: int, database: str, wrk_args: tuple = ()
) -> Step:
    """Run wrk against `url` (with `wrk_args` more: a script, headers) and account for the
    CPU the machine spent meanwhile."""

    def snapshot():
        server = {pid: _proc_cpu(pid) for pid in _session_pids(server_sid)}
        backends = {pid: _proc_cpu(pid) for pid in _backend_pids(database)}
        return server, backends, _machine_busy()

    def used(before: dict, after: dict) -> float:  # processes that came or went count too
        return sum(after.get(p, before.get(p, 0.0)) - before.get(p, 0.0) for p in after)

    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server0, backends0, busy0 = snapshot()
    start = time.monotonic()
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(min(clients, 2)),
            "-c",
            str(clients),
            "-d",
            f"{seconds}s",
            *wrk_args,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wall = time.monotonic() - start
    server1, backends1, busy1 = snapshot()
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = (children_after.ru_utime - children_before.ru_utime) + (
        children_after.ru_stime - children_before.ru_stime
    )
    server, database_cpu = used(server0, server1), used(backends0, backends1)
    others = max(0.0, (busy1 - busy0) - server - database_cpu - client)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    if re.search(r"Non-2xx or 3xx responses", out) or re.search(r"Socket errors", out):
        print(f"  (wrk reported errors at {clients} clients: {out.strip().splitlines()[-3:]})")
    return Step(rps, server / wall, database_cpu / wall, client / wall, others / wall, out)


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


def servers(workers: int, threads: int) -> dict:
    """The commands to compare, by name: the embedded server, then the at-scale one as the
    README starts it (gunicorn.conf.py), with the access log off for both (waitress writes
    none)."""
    return {
        "waitress, 1 process": lambda port: [
            str(VENV_BIN / "waitress-serve"),
            "--threads",
            "8",
            f"--listen=127.0.0.1:{port}",
            "--call",
            "app:create_app",
        ],
        f"gunicorn, {workers} processes": lambda port: [
            str(VENV_BIN / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "app:create_app()",
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn.conf.py's default")
    parser.add_argument("--threads", type=int, default=None, help="gunicorn.conf.py's default")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    shipped = runpy.run_path(str(ROOT / "gunicorn.conf.py"))  # its defaults on this machine
    workers = args.workers or shipped["workers"]
    threads = args.threads or shipped["threads"]
    database = f"ow_bench_serving_{os.getpid()}"
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {database}"],
        check=True,
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{database}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "CELERY_QUEUE": f"bench-serving-{os.getpid()}",
        "ACCESS_LOG": "",  # gunicorn.conf.py: no access log (waitress writes none either)
    }
    try:
        flask = [str(VENV_BIN / "flask"), "--app", "app"]
        subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([*flask, "demo", "load"], env=env, check=True, capture_output=True)
        # Both servers run side by side (idle between their steps) and the steps alternate,
        # round after round: a shared machine's load drifts, and each server sees as much of it.
        running = {}
        try:
            for name, command in servers(workers, threads).items():
                port = free_port()
                running[name] = (serve(command(port), env, port), f"http://127.0.0.1:{port}/")
            for proc, url in running.values():
                measure(url, 4, 2, proc.pid, database)  # warm up every process
            results: dict[str, dict[int, list[Step]]] = {n: {} for n in running}
            loads = []
            for _round in range(args.rounds):
                for c in args.clients:
                    for name, (proc, url) in running.items():
                        step = measure(url, c, args.seconds, proc.pid, database)
                        results[name].setdefault(c, []).append(step)
                        loads.append(os.getloadavg()[0])
        finally:
            for proc, _url in running.values():
                stop(proc)
        report(results, args, loads, threads)
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


def median_step(steps: list[Step]) -> Step:
    """The step of median throughput (its CPU figures with it)."""
    return sorted(steps, key=lambda s: s.rps)[len(steps) // 2]


def report(results: dict, args, loads: list[float], threads: int) -> None:
    print(
        f"home page, {args.rounds} alternating rounds of {args.seconds} s per step, {CORES} "
        f"cores; 1-minute load average during the run {min(loads):.1f}-{max(loads):.1f}; "
        f"gunicorn threads per process {threads}"
    )
    print(
        "median round; CPU in cores: srv = web server, db = PostgreSQL back ends, "
        "wrk = load generator, other = rest of the machine"
    )
    medians = {n: {c: median_step(s) for c, s in steps.items()} for n, steps in results.items()}
    header = ("clients", "req/s", "ms/req", "srv", "db", "wrk", "other")
    for name, steps in medians.items():
        print(f"\n{name}")
        print("{:>8s} {:>8s} {:>7s} {:>5s} {:>5s} {:>5s} {:>6s}".format(*header))
        for c, s in steps.items():
            print(
                f"{c:8d} {s.rps:8.1f} {s.ms_per_request:7.2f} {s.server:5.2f} {s.database:5.2f} "
                f"{s.client:5.2f} {s.others:6.2f}"
            )
    (single_name, single), (many_name, many) = medians.items()
    print(f"\nratio {many_name} / {single_name}, requests/s in the same run (median round):")
    for c in args.clients:
        print(
            f"{c:8d} clients: {many[c].rps / single[c].rps:.2f}x  (wrk took "
            f"{100 * many[c].client / CORES:.0f}% of the machine's CPU, other programs "
            f"{100 * many[c].others / CORES:.0f}%)"
        )
    # What the same servers would do on an otherwise idle machine, from what a request costs
    # each (ms/req does not depend on the load): one process is held to one core by the GIL,
    # several share all the cores with PostgreSQL and wrk (their measured share per request).
    c = max(args.clients)
    s1, sn = single[c], many[c]
    beside = (sn.database + sn.client) / sn.rps  # cores-seconds per request outside the server
    one = min(1.0 / (s1.ms_per_request / 1000), CORES / (s1.ms_per_request / 1000 + beside))
    several = CORES / (sn.ms_per_request / 1000 + beside)
    print(
        f"on an idle machine, from the CPU per request at {c} clients: 1 process "
        f"{one:.0f} req/s, {many_name.split(', ')[1]} {several:.0f} req/s, {several / one:.2f}x"
    )


if __name__ == "__main__":
    main()
