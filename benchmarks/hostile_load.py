"""Benchmark: what other users feel while hostile PDFs are being processed (issue 10, item 2).

Serves the application with waitress in a subprocess on 127.0.0.1 (embedded set-up: SQLite,
in-process job workers, OCR cache off), then:

1. per-file overhead of reading a file in a bounded worker: a normal review in-process, in
   a warm long-lived child (`ml.bounded.BoundedPool`, what the app uses), and in a fresh
   child per file (`ProcessPoolExecutor(max_tasks_per_child=1)`, forkserver and spawn);
2. quiet machine: p95 latency of the home page and of a clerk's queue, and a citizen's
   normal review time (upload answered -> verdict shown);
3. the same while N hostile citizens upload PDF render bombs (10 pages x 2,000 full-page
   half-transparent fills, ~6 KB each) at once and keep asking for their previews;
   the normal review time under load is printed with its ratio to the quiet time.

`--limits-only` switches the drawing-cost check off in the server (ML_MAX_PAGE_OVERDRAW
huge) so that the bombs are stopped only by the CPU/wall/memory limits of the workers
(`--cpu` seconds per file): the second line of defence, measured the same way.

Figures only, no assertions; loopback only.

    .venv/bin/python benchmarks/hostile_load.py [--hostile 8] [--probes 60] [--limits-only]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
PASSWORD = "Hostile-Load-2026!"
TIMEOUT_SECONDS = 900  # no wait in this benchmark is longer
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie-keeping HTTP client for one user of the served app (stdlib only)."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        self.token = None
        self.location = None  # of the last redirect

    def request(self, path, data=None, headers=None, timeout=120):
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=timeout) as resp:
                status, body, headers = resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as exc:
            status, body, headers = exc.code, exc.read(), exc.headers
        ctype = headers.get("Content-Type")
        self.location = headers.get("Location")
        if ctype and ctype.startswith("text/html"):
            match = CSRF_RE.search(body.decode("utf-8", "replace"))
            if match:
                self.token = match.group(1)
        return status, body

    def get(self, path, timeout=120):
        return self.request(path, timeout=timeout)

    def post(self, path, fields=None):
        from urllib.parse import urlencode

        fields = dict(fields or {}, csrf_token=self.token or "")
        data = urlencode(fields).encode()
        return self.request(path, data, {"Content-Type": "application/x-www-form-urlencoded"})

    def upload(self, path, fields, name, content):
        boundary = uuid.uuid4().hex
        parts = []
        for key, value in dict(fields, csrf_token=self.token or "").items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
            )
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        data = (
            "".join(parts).encode() + head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.request(
            path, data, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )


def p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- 1. per-file overhead ---------------------------------------------------------------


def measure_overhead(document: Path, rounds: int) -> None:
    """A normal review in-process, in a warm bounded child, in a fresh child per file."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from ml.bounded import BoundedPool, Limits
    from ml.review import review_document, warm_up

    os.environ["ML_CACHE_DIR"] = "off"
    limits = Limits()

    def timed(call):
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    warm_up()
    review_document(str(document))
    inproc = timed(lambda: review_document(str(document)))
    pool = BoundedPool(1, nice=0)  # same priority as this process, for a fair comparison
    pool.run(review_document, str(document), limits=limits)  # warm the child
    round_trip = timed(lambda: pool.run(len, b"", limits=limits))
    warm = timed(lambda: pool.run(review_document, str(document), limits=limits))
    pool.close()
    fresh = {}
    for method in ("forkserver", "spawn"):
        context = multiprocessing.get_context(method)

        def one(context=context):
            with ProcessPoolExecutor(1, mp_context=context, max_tasks_per_child=1) as ex:
                ex.submit(review_document, str(document)).result()

        fresh[method] = timed(one)
    print(f"per-file cost of a normal review (ID card PNG, median of {rounds}):")
    print(f"  in-process (warm)                      {inproc:6.2f} s")
    print(f"  bounded pool, warm long-lived child    {warm:6.2f} s  (+{warm - inproc:.2f} s)")
    print(f"  (a call's round trip to a warm child: {round_trip * 1000:.1f} ms)")
    for method, seconds in fresh.items():
        extra = seconds - inproc
        print(f"  fresh child per file ({method:<10})     {seconds:6.2f} s  (+{extra:.2f} s)")


# -- 2./3. the served app -----------------------------------------------------------------


def prepare(env: dict) -> None:
    code = (
        "from flask_migrate import upgrade\n"
        "from app import create_app\n"
        "from app.services.demo import load_demo_data\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    upgrade()\n"
        "    load_demo_data(sample_cases=False)\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True)


def serve(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(VENV_BIN / "waitress-serve"),
            f"--listen=127.0.0.1:{port}",
            "--call",
            "app:create_app",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("the server did not start")


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, AttributeError):
            continue
    return total / 1024


def citizen(base: str, seed: int, mobile: str):
    """A registered citizen with a business-registration draft; returns (browser, draft id,
    the files of a consistent set of documents)."""
    from tests.journeys import make_materials

    materials = make_materials(seed=seed)
    person = materials["person"]
    user = Browser(base)
    user.get("/register")
    status, body = user.post(
        "/register",
        {
            "real_name": person["name"],
            "id_number": person["id_number"],
            "mobile": mobile,
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert status == 302, body[:500]
    user.get("/services/business_registration")
    status, _ = user.post("/services/business_registration/apply")
    assert status == 302, status
    draft = int(re.search(r"/applications/(\d+)", user.location).group(1))
    return user, draft, materials["files"]


def statuses(user: Browser, draft: int) -> list[str]:
    _, body = user.get(f"/applications/{draft}/review-status")
    return [f["status"] for f in json.loads(body)["files"]]


def timed_review(user: Browser, draft: int, slot: str, content: bytes, name: str) -> float:
    """Upload one file and wait until its verdict is shown; seconds from the upload."""
    user.get(f"/applications/{draft}/materials")
    before = len(statuses(user, draft))
    started = time.perf_counter()
    status, _ = user.upload(f"/applications/{draft}/materials", {"slot": slot}, name, content)
    assert status == 302
    while time.perf_counter() - started < TIMEOUT_SECONDS:
        files = statuses(user, draft)
        if len(files) > before and files[-1] != "pending":
            break
        time.sleep(0.1)
    return time.perf_counter() - started  # (TIMEOUT_SECONDS: it did not finish)


def probe(
    base: str, clerk: Browser, stop: threading.Event, limit: int, out: dict, pause: float = 0.05
) -> None:
    """Alternate GET / (anonymous visitor) and GET /clerk/ (clerk's queue), `pause` seconds
    apart, until stopped or `limit` rounds are done."""
    visitor = Browser(base)
    for _ in range(limit):
        if stop.is_set():
            break
        for key, user, path in (("home", visitor, "/"), ("queue", clerk, "/clerk/")):
            started = time.perf_counter()
            status, _ = user.get(path)
            out.setdefault(key, []).append(time.perf_counter() - started)
            out.setdefault("status", []).append(status)
        stop.wait(pause)


def run_load(args) -> None:
    from tests.fixtures.ml.documents import render_bomb_pdf, text_layer_pdf

    tmp = Path(tempfile.mkdtemp(prefix="onewindow-hostile-"))
    env = dict(
        os.environ,
        ONEWINDOW_CONFIG="production",
        DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}",
        UPLOAD_DIR=str(tmp / "uploads"),
        SECRET_KEY="hostile-load-benchmark",
        ML_CACHE_DIR="off",
        OMP_THREAD_LIMIT="1",
        PYTHONPATH=str(ROOT),
    )
    if args.limits_only:
        env["ML_MAX_PAGE_OVERDRAW"] = "1e12"
        env["DOCUMENT_CPU_SECONDS"] = str(args.cpu)
    prepare(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(env, port)
    try:
        clerk = Browser(base)
        clerk.get("/login")
        status, _ = clerk.post(
            "/login", {"login": "clerk_market_regulation", "password": "Demo12345"}
        )
        assert status == 302, status
        normal, normal_draft, files = citizen(base, 11, "13911110001")
        card = files["id_card_front"]
        # A server in its steady state: review and upload-inspection workers are warm.
        timed_review(normal, normal_draft, "id_card_front", card, "warm-up.png")
        warm_pdf = text_layer_pdf(["Warm-up page", "of the upload inspection workers"])
        for _ in range(2):
            timed_review(normal, normal_draft, "lease", warm_pdf, "warm-up.pdf")

        quiet_latency: dict = {}
        probe(base, clerk, threading.Event(), args.probes // 2, quiet_latency)
        quiet = statistics.median(
            timed_review(normal, normal_draft, "id_card_front", card, f"quiet{i}.png")
            for i in range(2)
        )
        print(f"\nserved app on 127.0.0.1 (waitress, in-process jobs, {os.cpu_count()} cores)")
        if args.limits_only:
            print(f"drawing-cost check OFF: bombs stopped only by the limits ({args.cpu} s CPU)")
        print(
            f"quiet machine: home p95 {p95(quiet_latency['home']) * 1000:.0f} ms, "
            f"clerk queue p95 {p95(quiet_latency['queue']) * 1000:.0f} ms, "
            f"normal review {quiet:.2f} s"
        )

        attackers = [citizen(base, 20 + i, f"139222200{i:02d}") for i in range(args.hostile)]
        bomb = render_bomb_pdf(pages=10, fills=2000)
        loaded_latency: dict = {}
        stop = threading.Event()
        peak_rss = [tree_rss_mb(server.pid)]

        def attack(attacker):
            user, draft, _ = attacker
            user.get(f"/applications/{draft}/materials")
            user.upload(f"/applications/{draft}/materials", {"slot": "lease"}, "bomb.pdf", bomb)
            _, body = user.get(f"/applications/{draft}/materials")
            for att_id in re.findall(rb"/files/(\d+)/preview", body):
                for _ in range(3):  # what rendered in a web thread before
                    user.get(f"/files/{int(att_id)}/preview")

        started = time.perf_counter()
        prober = threading.Thread(  # until every hostile file is done (bounded count)
            target=probe, args=(base, clerk, stop, args.probes * 50, loaded_latency, 0.25)
        )
        prober.start()
        with ThreadPoolExecutor(args.hostile) as pool:
            attacks = [pool.submit(attack, a) for a in attackers]
            time.sleep(0.2)
            loaded = timed_review(normal, normal_draft, "id_card_front", card, "loaded.png")
            for future in attacks:
                future.result()
        while time.perf_counter() - started < TIMEOUT_SECONDS and any(
            "pending" in statuses(u, d) for u, d, _ in attackers
        ):
            peak_rss.append(tree_rss_mb(server.pid))
            time.sleep(0.2)
        hostile_done = time.perf_counter() - started
        stop.set()
        prober.join()
        peak_rss.append(tree_rss_mb(server.pid))
        outcomes: dict = {}
        for user, draft, _ in attackers:
            _, body = user.get(f"/applications/{draft}/materials")
            for code in re.findall(rb'data-reason="([a-z_]+)"', body):
                outcomes[code.decode()] = outcomes.get(code.decode(), 0) + 1
        errors = sum(1 for s in loaded_latency["status"] if s >= 500)
        print(
            f"{args.hostile} hostile PDFs ({len(bomb)} bytes each), all refused after "
            f"{hostile_done:.1f} s; reasons shown: {outcomes}"
        )
        print(
            f"under load: home p95 {p95(loaded_latency['home']) * 1000:.0f} ms, "
            f"clerk queue p95 {p95(loaded_latency['queue']) * 1000:.0f} ms "
            f"({len(loaded_latency['home'])} + {len(loaded_latency['queue'])} requests, "
            f"{errors} errors), server + workers peak RSS {max(peak_rss):.0f} MB"
        )
        print(
            f"another citizen's normal review: {loaded:.2f} s under load vs {quiet:.2f} s quiet "
            f"(ratio {loaded / quiet:.2f})"
        )
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hostile", type=int, default=8, help="hostile PDFs at once")
    parser.add_argument("--probes", type=int, default=60, help="quiet latency probes per page")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the overhead part")
    parser.add_argument("--limits-only", action="store_true", help="no drawing-cost check")
    parser.add_argument("--cpu", type=int, default=20, help="CPU seconds per file (limits-only)")
    parser.add_argument("--skip-overhead", action="store_true")
    args = parser.parse_args()
    if not args.skip_overhead:
        from tests.journeys import make_materials

        document = Path(tempfile.mkdtemp()) / "id_card_front.png"
        document.write_bytes(make_materials(seed=11)["files"]["id_card_front"])
        measure_overhead(document, args.rounds)
    run_load(args)


if __name__ == "__main__":
    main()
