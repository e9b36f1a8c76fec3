"""Telling a hang from a slow answer: run a call in a thread and fail the test if it has not
returned within a time limit (the call's own exception is raised in the test as it is)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def answer_within(work: Callable[[], T], seconds: float, what: str) -> T:
    """`work()`'s result; the test fails with "`what` hung" if it has not returned within
    `seconds` (the thread is a daemon: a hung call does not hold up the test run)."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as exc:  # noqa: BLE001 — raised again in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{what} hung (no answer within {seconds} s)"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
