"""The at-scale web server as the README starts it: gunicorn with gunicorn.conf.py (the app
preloaded in the master, forked into workers that each open their own database
connections) serves pages from every worker, and /metrics sums every worker's timings."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_with_the_shipped_settings_serves_pages(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'web.sqlite3'}",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SECRET_KEY": "test-gunicorn",
        "WEB_CONCURRENCY": "2",
        "BIND": f"127.0.0.1:{port}",
        "ACCESS_LOG": "",
        "METRICS_TOKEN": "scrape-secret",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # gunicorn.conf.py makes its own
    # systemd's notify socket (deploy/systemd/onewindow-web.service has Type=notify): gunicorn
    # must say READY=1 on it, or systemd would stop the service after its start timeout
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify.sock"))
    notify.settimeout(60)
    env["NOTIFY_SOCKET"] = str(tmp_path / "notify.sock")
    env.pop("REDIS_URL", None)
    subprocess.run(
        [str(BIN / "flask"), "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "app:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        pages = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(pages) < 2:
            try:
                for path in ("/", "/login"):
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                        pages[path] = (r.status, r.read().decode())
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()[-2000:]
                time.sleep(0.3)
        assert pages["/"][0] == 200 and 'id="service-search"' in pages["/"][1]
        assert pages["/login"][0] == 200 and 'name="csrf_token"' in pages["/login"][1]
        # more requests, each on a new connection: every one is answered
        for _ in range(40):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                assert r.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as r:
            assert r.status == 200
        scrape = urllib.request.Request(
            f"http://127.0.0.1:{port}/metrics", headers={"Authorization": "Bearer scrape-secret"}
        )
        with urllib.request.urlopen(scrape, timeout=10) as r:
            metrics = r.read().decode()
        # every request to the home page, whichever worker served it (at least 41: the
        # first loop may have asked more than once while the workers started)
        served = [
            sample.value
            for family in text_string_to_metric_families(metrics)
            for sample in family.samples
            if sample.name == "onewindow_http_request_duration_seconds_count"
            and sample.labels == {"endpoint": "portal.home", "method": "GET", "status": "200"}
        ]
        assert served and served[0] >= 41, metrics[-3000:]
        # each worker's pool: its limit, and none of its connections still held once the
        # requests were answered (the scrape's own is checked out in the worker answering)
        pools = {
            (sample.name, sample.labels["pid"]): sample.value
            for family in text_string_to_metric_families(metrics)
            for sample in family.samples
            if sample.name in ("onewindow_db_connections_max", "onewindow_db_connections_in_use")
        }
        limits = {pid: v for (name, pid), v in pools.items() if name.endswith("_max")}
        assert len(limits) >= 2 and set(limits.values()) == {15}, pools
        held = [v for (name, _), v in pools.items() if name.endswith("_in_use")]
        assert 0 <= sum(held) <= 1 and len(held) >= 2, pools
        assert b"READY=1" in notify.recv(4096)
    finally:
        notify.close()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    log = server.stdout.read().decode()
    assert log.count("Booting worker") >= 2 and "Traceback" not in log, log[-3000:]
