"""Gunicorn settings for the at-scale set-up (PostgreSQL + Celery on Redis):

    .venv/bin/gunicorn -c gunicorn.conf.py 'app:create_app()'

Several worker processes serve the web, so one busy process (a slow page, the GIL) does not
hold up the others. Background jobs and the scheduler run in Celery workers and beat, not
here: with the embedded SQLite set-up use `make run` (one waitress process that also runs
the in-process jobs and the scheduler) instead.
"""

import gc
import multiprocessing
import os
import shutil
import tempfile

# Request timings for /metrics are kept per worker process in files in this folder and summed
# when scraped (prometheus_client's multiprocess mode). Set here, before the app (and
# prometheus_client) is imported; emptied when the master starts, so counts restart with it.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="onewindow-metrics-")

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Processes: by default one per core plus one, with two threads each: as many request
# handlers as gunicorn's "2 x cores + 1" advice, so a worker can still overlap a database
# wait, with fewer processes taking turns on the cores. More threads cost CPU per request:
# the pages are mostly Python, and the threads of one process take turns on its GIL
# (benchmarks/serving.py: home page 2.1-2.6 ms of CPU with 4 threads, 1.8 ms with 2). On the
# 2-core machine, quiet, at 32 clients: 3 processes x 2 threads 1.89x one waitress process,
# 5 x 2 1.73x. WEB_CONCURRENCY and WEB_THREADS override.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("WEB_THREADS", 2))
worker_class = "gthread"
# The master builds the app once and each worker is a fork of it: a worker (re)starts in
# milliseconds instead of the 1-2 s of CPU that importing and building the app takes, and
# the workers share the pages nobody writes to. `post_fork` gives each worker its own
# database connections (none is open at the fork; the pool is emptied to be sure).
preload_app = True


def _dispose_pool(server, close: bool) -> None:
    app = getattr(server.app, "callable", None)  # None unless the master built it (preload)
    if app is not None:
        from app.extensions import db

        with app.app_context():
            db.engine.dispose(close=close)


def on_starting(server):
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # its gauges go; its counts stay in the sums


def when_ready(server):
    _dispose_pool(server, close=True)  # the master serves nothing: it closes what it opened
    # What the master built lives as long as the workers: out of the garbage collector's
    # sight, a collection in a worker neither walks it (CPU) nor writes to its pages (which
    # would copy them into each worker).
    gc.freeze()


def post_fork(server, worker):
    _dispose_pool(server, close=False)  # connections of the master stay the master's


# A worker is replaced after this many requests (bounded memory growth), staggered. Not
# often: its keep-alive clients then reconnect to the workers still running, which keep
# them, and the new worker idles until new connections come (at 2000 requests, a worker
# went every few seconds under load and one worker of two ended up with all the clients).
max_requests = 50000
max_requests_jitter = 5000
# A request that takes longer than this kills its worker (untrusted files are rendered in
# bounded job processes, never in a web request, so nothing legitimate comes near it).
timeout = 60
graceful_timeout = 30
# Behind a reverse proxy set FORWARDED_ALLOW_IPS (and the app's TRUSTED_PROXIES).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# ACCESS_LOG: where the access log goes ("-": standard output; empty: none).
accesslog = os.environ.get("ACCESS_LOG", "-") or None
errorlog = "-"
