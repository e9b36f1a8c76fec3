"""Gunicorn settings for the at-scale set-up (PostgreSQL + Celery on Redis):

    .venv/bin/gunicorn -c gunicorn.conf.py 'app:create_app()'

Several worker processes serve the web, so one busy process (a slow page, the GIL) does not
hold up the others. Background jobs and the scheduler run in Celery workers and beat, not
here: with the embedded SQLite set-up use `make run` (one waitress process that also runs
the in-process jobs and the scheduler) instead.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Processes: by default two per core plus one (gunicorn's advice); threads per process let a
# worker overlap database waits. WEB_CONCURRENCY and WEB_THREADS override.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("WEB_THREADS", 4))
worker_class = "gthread"
# Each worker builds its own app (and database pool) after the fork: no shared connections.
preload_app = False
# A worker is replaced after this many requests (bounded memory growth), staggered.
max_requests = 2000
max_requests_jitter = 200
# A request that takes longer than this kills its worker (untrusted files are rendered in
# bounded job processes, never in a web request, so nothing legitimate comes near it).
timeout = 60
graceful_timeout = 30
# Behind a reverse proxy set FORWARDED_ALLOW_IPS (and the app's TRUSTED_PROXIES).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
