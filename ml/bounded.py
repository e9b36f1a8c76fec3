"""Run work on untrusted input in child processes with CPU-time, wall-time and memory limits.

A PDF of a few kilobytes can ask for minutes of rendering or gigabytes of memory. Such work
must never run in a web thread or in a process that serves others: :class:`BoundedPool`
keeps a few long-lived worker processes (started with ``spawn``: a fresh interpreter, never a
fork of a threaded parent, and no fork server whose state a forked parent — a Celery pool
child — would inherit) and runs one call at a time in each, under :class:`Limits`:

* CPU time: ``RLIMIT_CPU`` is set, for each call, to the time the child has used so far
  plus the call's budget; the kernel stops a child that goes over (``SIGXCPU``).
* memory: ``RLIMIT_AS`` (address space) for the duration of the call.
* wall time: the parent waits at most ``wall_seconds`` for the answer, then kills the child.

A child that goes over a limit, or dies, is killed and replaced (the replacement starts at
once and warms up while idle), and the caller gets :class:`ResourceLimitExceeded` naming
the limit, or :class:`WorkerCrashed`. An exception raised by the function itself comes back
to the caller as it is, and the child stays. Long-lived children keep what they loaded
(libtesseract and its models, the classifier): a call costs a pipe round-trip, not a
process start. Children also run at a lower CPU priority (``nice``) than their parent.

The function, its arguments and its result must be picklable; the function must be
importable by name (a module-level function).
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import resource
import signal
import sys
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_UNLIMITED = resource.RLIM_INFINITY


@dataclass(frozen=True)
class Limits:
    """What one call may use: CPU seconds, wall-clock seconds, address space in bytes."""

    cpu_seconds: float = 60.0
    wall_seconds: float = 180.0
    memory_bytes: int = 1536 * 1024 * 1024


class BoundedTaskFailed(Exception):
    """The call ended without an answer from its function."""


class ResourceLimitExceeded(BoundedTaskFailed):
    """The call went over one of its limits: ``limit`` is "cpu", "wall" or "memory"."""

    def __init__(self, limit: str, detail: str = "") -> None:
        super().__init__(f"{limit} limit exceeded" + (f": {detail}" if detail else ""))
        self.limit = limit
        self.detail = detail

    def __reduce__(self):
        return (type(self), (self.limit, self.detail))


class WorkerCrashed(BoundedTaskFailed):
    """The child died during the call (a crash in a C library, killed from outside)."""

    def __init__(self, exitcode: int | None) -> None:
        super().__init__(f"the worker process died (exit code {exitcode})")
        self.exitcode = exitcode


def _set_limit(kind: int, soft: int) -> None:
    _, hard = resource.getrlimit(kind)
    if hard != _UNLIMITED and (soft == _UNLIMITED or soft > hard):
        soft = hard
    resource.setrlimit(kind, (soft, hard))


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _worker_main(conn, initializer: Callable[[], object] | None, nice: int) -> None:
    """The child's loop: receive a call, run it under its limits, send the outcome."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when a child stops
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a killed child leaves no core file
    if nice:
        os.nice(nice)
    if initializer is not None:
        try:
            initializer()
        except Exception:  # noqa: BLE001 — warming up is optional; calls will say what fails
            log.exception("bounded worker initializer failed")
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if message is None:
            return
        func, args, kwargs, limits = message
        _set_limit(resource.RLIMIT_CPU, math.ceil(_cpu_used() + limits.cpu_seconds))
        _set_limit(resource.RLIMIT_AS, int(limits.memory_bytes))
        try:
            outcome = ("ok", func(*args, **kwargs))
        except MemoryError:
            outcome = ("limit", "memory")
        except BaseException as exc:  # noqa: BLE001 — handed to the caller
            outcome = ("error", exc)
        finally:
            _set_limit(resource.RLIMIT_AS, _UNLIMITED)
            _set_limit(resource.RLIMIT_CPU, _UNLIMITED)
        try:
            conn.send(outcome)
        except Exception as exc:  # noqa: BLE001 — e.g. an unpicklable result or exception
            conn.send(("error", RuntimeError(f"cannot send the outcome back: {exc!r}")))
        if outcome[0] == "limit":
            return  # a child that ran out of memory may be in a bad state: start afresh


@contextmanager
def _startable_here():
    """Let this process start children even when it is one of Celery's pool children.

    Those (billiard processes) are marked daemonic, and multiprocessing refuses to start
    children from a daemonic process, which could not reap them at exit; ours need no
    reaping (they leave when their pipe closes, i.e. when this process ends). Their auth key
    is billiard's type, which the start method cannot pickle: it is lent as the standard one.
    """
    current = multiprocessing.current_process()
    saved = dict(current._config)
    current._config["daemon"] = False
    current._config["authkey"] = multiprocessing.process.AuthenticationString(
        bytes(saved.get("authkey") or os.urandom(32))
    )
    try:
        yield
    finally:
        current._config.clear()
        current._config.update(saved)


_PROJECT_ROOT = str(Path(__file__).resolve().parents[1])  # the folder that holds `ml`


def _child_can_import_ml() -> None:
    """A spawned child starts a fresh interpreter that must import `ml` to run its target;
    it takes the parent's import path, which in a Celery worker need not name the project
    folder (`ml` was found through the current directory there). Name it explicitly."""
    if _PROJECT_ROOT not in sys.path:
        sys.path.insert(0, _PROJECT_ROOT)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if _PROJECT_ROOT not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([_PROJECT_ROOT, *paths])


class _Worker:
    """One child process and the parent's end of its pipe."""

    def __init__(self, context, initializer, nice: int, name: str) -> None:
        self.conn, child_conn = context.Pipe()
        _child_can_import_ml()
        with _startable_here():
            self.process = context.Process(
                target=_worker_main, args=(child_conn, initializer, nice), name=name, daemon=True
            )
            self.process.start()
        child_conn.close()

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.join(5)
        except Exception:  # noqa: BLE001 — already gone
            pass
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
            self.process.join(2)
        except Exception:  # noqa: BLE001
            pass
        if self.process.is_alive():
            self.kill()
        else:
            self.conn.close()


class BoundedPool:
    """Up to `size` long-lived child processes running calls under limits (thread-safe).

    `run(func, *args, limits=..., **kwargs)` waits for a free child, runs the call there and
    returns its result. Children are started when first needed; `initializer` (a picklable
    callable) runs once in each new child, before its first call, outside the limits.
    """

    def __init__(
        self,
        size: int = 1,
        *,
        initializer: Callable[[], object] | None = None,
        nice: int = 10,
        start_method: str = "spawn",
        name: str = "bounded-worker",
    ) -> None:
        self.size = max(1, int(size))
        self.initializer = initializer
        self.nice = nice
        self.name = name
        self._context = multiprocessing.get_context(start_method)
        self._idle: list[_Worker] = []
        self._started = 0
        self._closed = False
        self._lock = threading.Condition()
        self.replaced = 0  # children killed and replaced after a limit or a crash

    def _checkout(self) -> _Worker:
        with self._lock:
            while True:
                if self._closed:
                    raise RuntimeError("the pool is closed")
                while self._idle:
                    worker = self._idle.pop()
                    if worker.process.is_alive():
                        return worker
                    worker.kill()
                    self._started -= 1
                if self._started < self.size:
                    self._started += 1
                    break
                self._lock.wait()
        try:
            return self._new_worker()
        except BaseException:
            with self._lock:
                self._started -= 1
                self._lock.notify()
            raise

    def _new_worker(self) -> _Worker:
        return _Worker(self._context, self.initializer, self.nice, self.name)

    def _checkin(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed:
                worker.stop()
                self._started -= 1
            else:
                self._idle.append(worker)
            self._lock.notify()

    def _replace(self, worker: _Worker) -> None:
        """Kill a child that went over a limit or died, and start its successor now."""
        worker.kill()
        with self._lock:
            self.replaced += 1
            closed = self._closed
        successor = None
        if not closed:
            try:
                successor = self._new_worker()
            except Exception:  # noqa: BLE001 — the next call starts one instead
                log.exception("could not start a replacement bounded worker")
        with self._lock:
            if successor is not None:
                self._idle.append(successor)
            else:
                self._started -= 1
            self._lock.notify()

    def run(self, func: Callable, *args, limits: Limits, **kwargs):
        """Run `func(*args, **kwargs)` in a child under `limits` and return its result."""
        worker = self._checkout()
        try:
            worker.conn.send((func, args, kwargs, limits))
            if not worker.conn.poll(limits.wall_seconds):
                raise ResourceLimitExceeded("wall", f"no answer after {limits.wall_seconds:g} s")
            status, value = worker.conn.recv()
        except ResourceLimitExceeded:
            self._replace(worker)
            raise
        except (EOFError, OSError):
            worker.process.join(5)
            exitcode = worker.process.exitcode
            self._replace(worker)
            if exitcode == -signal.SIGXCPU:
                raise ResourceLimitExceeded(
                    "cpu", f"more than {limits.cpu_seconds:g} s of CPU time"
                ) from None
            raise WorkerCrashed(exitcode) from None
        except BaseException:
            self._replace(worker)
            raise
        if status == "limit":
            self._replace(worker)
            raise ResourceLimitExceeded(
                value, f"more than {limits.memory_bytes // (1024 * 1024)} MB of memory"
            )
        self._checkin(worker)
        if status == "error":
            raise value
        return value

    def close(self) -> None:
        """Stop the idle children; busy ones stop when their call returns."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self._started -= len(idle)
            self._lock.notify_all()
        for worker in idle:
            worker.stop()
