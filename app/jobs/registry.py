"""The registry of job kinds: a name maps to a plain function taking the job's payload."""

from __future__ import annotations

from collections.abc import Callable

_HANDLERS: dict[str, Callable] = {}


def handler(kind: str):
    """Register `func(job, **payload)` as the handler of jobs of `kind`."""

    def register(func):
        _HANDLERS[kind] = func
        return func

    return register


def get_handler(kind: str) -> Callable:
    """The handler for `kind`; KeyError names the unknown kind."""
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise KeyError(f"unknown job kind {kind!r}") from None
