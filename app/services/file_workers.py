"""The bounded worker processes in which the application opens uploaded files.

Uploaded PDFs and images are untrusted: a few kilobytes can ask for minutes of rendering or
gigabytes of memory. Nothing here decodes, renders or OCRs them in the calling thread; the
work runs in child processes under CPU-time, wall-time and memory limits (`ml.bounded`):

* `read_document(func, ...)` — reviews and previews, called by background jobs. Limits:
  `DOCUMENT_CPU_SECONDS`, `DOCUMENT_WALL_SECONDS`, `DOCUMENT_MEMORY_MB`; as many children
  as `JOB_WORKERS` (a Celery worker process uses one), each keeping libtesseract and the
  classifier loaded between files.
  A file of the "heavy" lane (`file_lanes`) is read in its own pool of
  `HEAVY_JOB_WORKERS` children at the lowest CPU priority.
* `inspect_upload(func, ...)` — the quick checks of an upload while the citizen waits
  (a PDF's page count), with small fixed limits, in their own two children so that busy
  review workers never hold an upload up.

A call over a limit raises `ml.bounded.ResourceLimitExceeded` (its child is replaced); a
child that dies raises `ml.bounded.WorkerCrashed`. Pools belong to the process that made
them (a forked Celery worker makes its own) and stop with it.
"""

from __future__ import annotations

import atexit
import functools
import os
import threading
from collections.abc import Callable

from flask import current_app

from ml.bounded import BoundedPool, Limits

INSPECTION_LIMITS = Limits(cpu_seconds=5, wall_seconds=15, memory_bytes=768 * 1024 * 1024)
INSPECTION_WORKERS = 2
DOCUMENT_NICE = 10  # document children run below the web and job threads…
HEAVY_NICE = 19  # …and heavy-lane children get CPU only when nobody else wants it

_pools: dict[str, BoundedPool] = {}
_owner_pid = os.getpid()
_lock = threading.Lock()


def document_limits(app=None) -> Limits:
    """The limits of one file's review and preview, from the settings."""
    cfg = (app or current_app).config
    return Limits(
        cpu_seconds=float(cfg["DOCUMENT_CPU_SECONDS"]),
        wall_seconds=float(cfg["DOCUMENT_WALL_SECONDS"]),
        memory_bytes=int(cfg["DOCUMENT_MEMORY_MB"]) * 1024 * 1024,
    )


def _pool(
    name: str, size: int, initializer: Callable[[], object] | None, nice: int = 10
) -> BoundedPool:
    global _owner_pid
    with _lock:
        if _owner_pid != os.getpid():  # inherited through a fork: those children are not ours
            _pools.clear()
            _owner_pid = os.getpid()
        pool = _pools.get(name)
        if pool is None:
            pool = _pools[name] = BoundedPool(
                size, initializer=initializer, nice=nice, name=f"onewindow-{name}"
            )
        return pool


def read_document(func: Callable, *args, lane: str = "default", **kwargs):
    """Run `func(*args, **kwargs)` (an `ml` function reading an uploaded file) in a
    document worker of the file's job lane under the document limits, and return its
    result. The "heavy" lane has its own HEAVY_JOB_WORKERS children at the lowest CPU
    priority, so its files never take a process or CPU time from a default file."""
    from ml.review import warm_up

    cfg = current_app.config
    heavy = lane != "default"
    pool = _pool(
        "documents" if not heavy else f"documents-{lane}",
        int(cfg["HEAVY_JOB_WORKERS"] if heavy else cfg["JOB_WORKERS"]),
        functools.partial(warm_up, cfg["ML_ENGINE"]),
        nice=HEAVY_NICE if heavy else DOCUMENT_NICE,
    )
    return pool.run(func, *args, limits=document_limits(), **kwargs)


def inspect_upload(func: Callable, *args, **kwargs):
    """Run a quick check of an upload (`func(*args, **kwargs)`) in an inspection worker."""
    pool = _pool("inspection", INSPECTION_WORKERS, None)
    return pool.run(func, *args, limits=INSPECTION_LIMITS, **kwargs)


@atexit.register
def close_all() -> None:
    """Stop this process's worker children (at exit; tests may call it)."""
    with _lock:
        pools = list(_pools.values()) if _owner_pid == os.getpid() else []
        _pools.clear()
    for pool in pools:
        pool.close()
