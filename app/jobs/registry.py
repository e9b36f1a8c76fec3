"""The registry of job kinds: a name maps to a handler and, optionally, a final-failure hook.

A handler is a plain function `func(job, **payload)` that runs inside the transaction the
job runner holds and never commits. A failure hook `hook(job)` runs, in the transaction that
records the job as failed, after its last attempt (mark a review failed, open an incident).
"""

from __future__ import annotations

from collections.abc import Callable

_HANDLERS: dict[str, Callable] = {}
_FAILURE_HOOKS: dict[str, Callable] = {}


def handler(kind: str):
    """Register `func(job, **payload)` as the handler of jobs of `kind`."""

    def register(func):
        _HANDLERS[kind] = func
        return func

    return register


def on_final_failure(kind: str):
    """Register `hook(job)` to run when a job of `kind` has failed for the last time."""

    def register(func):
        _FAILURE_HOOKS[kind] = func
        return func

    return register


def get_handler(kind: str) -> Callable:
    """The handler for `kind`; KeyError names the unknown kind."""
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise KeyError(f"unknown job kind {kind!r}") from None


def failure_hook(kind: str) -> Callable | None:
    """The final-failure hook of `kind`, if it has one."""
    return _FAILURE_HOOKS.get(kind)
