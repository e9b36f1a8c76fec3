"""One report across every class of hostile input of issue 10: attempts, escapes, hangs, 500s.

Runs the hostile-input suites (the tests that attack the product as issue 10 lists: open
redirects, render bombs, hostile diagrams, failures that must become incidents, XSS and
headers, sessions, log-in throttling and passwords, malformed input, races, lost
connections, limits and language links) under a pytest plugin that

* counts every request those tests send through the Flask test client, every 500 (an
  exception that escapes a view counts as one too) and, apart, the 503 "nothing was saved,
  try again" answers a write gets when its database connection is cut (designed answers,
  listed, not counted as 500s),
* counts the attempts (a parametrised case is one attempt; so is each test),
* counts as an *escape* any failed assertion of a test that checks a refusal (a sandbox,
  an access check, a redirect, a header, a limit), and as a *hang* any test that ran past
  its class's bound (`--hang-seconds`, default 180) or failed on a bounded wait,
* and as *data lost* any failure of the tests that check nothing is lost (races, cut
  connections, killed workers, refused uploads that keep the original).

It prints one line per class and the totals; the exit status is 1 when anything escaped,
hung, answered 500 or lost data. Run it on SQLite, and on PostgreSQL (+ Celery) by setting
DATABASE_URL/REDIS_URL as `.ci/run` does.

    .venv/bin/python benchmarks/hostile_report.py [--hang-seconds 180] [-- extra pytest args]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# (class, the item, test files, a regular expression a test's id must match)
CLASSES: list[tuple[str, str, tuple[str, ...], str]] = [
    ("open redirects", "1", ("tests/integration/test_hostile_edge.py",), r"redirect|next"),
    (
        "PDF and image bombs",
        "2",
        (
            "tests/integration/test_hostile_files.py",
            "tests/integration/test_job_lanes.py",
            "tests/unit/ml/test_render_bombs.py",
        ),
        r".",
    ),
    (
        "diagram expressions and failures",
        "3-4",
        ("tests/integration/test_hostile_diagram.py",),
        r".",
    ),
    (
        "XSS, CSP and headers",
        "5",
        ("tests/integration/test_hostile_edge.py",),
        r"content_security|inline_script|cookies_are_secure|xss|diagram",
    ),
    ("sessions", "6", ("tests/integration/test_hostile_edge.py",), r"logout"),
    (
        "log-in throttling and passwords",
        "7",
        ("tests/integration/test_hostile_edge.py", "tests/integration/test_auth.py"),
        (
            r"locked|budget|forwarded|unknown_accounts|registration_does_not|passwords"
            r"|throttled|failed_log_ins"
        ),
    ),
    (
        "malformed input",
        "8",
        (
            "tests/integration/test_hostile_edge.py",
            "tests/integration/test_access_and_bad_input.py",
        ),
        (
            r"range|largest_id|control_characters|line_breaks|file_name|disguised|stale_csrf"
            r"|cannot_see|cannot_open|role_checks|anonymous"
        ),
    ),
    (
        "races past limits",
        "9",
        ("tests/integration/test_concurrency.py", "tests/integration/test_access_and_bad_input.py"),
        r"parallel|twice|two_clerks",
    ),
    (
        "lost connections and killed workers",
        "10",
        (
            "tests/integration/test_lost_connection.py",
            "tests/integration/test_celery_worker_killed.py",
            "tests/integration/test_job_lease.py",
        ),
        r".",
    ),
    (
        "language link, upload and pixel limits",
        "11",
        ("tests/integration/test_hostile_edge.py",),
        r"language|too_large|pixel",
    ),
]
DATA_CLASSES = {"races past limits", "lost connections and killed workers"}


@dataclass
class ClassTally:
    """What one class of attacks produced."""

    attempts: int = 0
    passed: int = 0
    skipped: int = 0
    requests: int = 0
    server_errors: int = 0
    unavailable: int = 0
    escapes: int = 0
    hangs: int = 0
    data_lost: int = 0
    slowest: float = 0.0
    failures: list[str] = field(default_factory=list)


def class_of(nodeid: str) -> str | None:
    """The first class whose files and pattern match a test id."""
    path, _, name = nodeid.partition("::")
    for name_of_class, _item, files, pattern in CLASSES:
        if path in files and re.search(pattern, name):
            return name_of_class
    return None


class HostileTally:
    """The pytest plugin: counts requests and 500s per test, and outcomes per class."""

    def __init__(self, hang_seconds: float):
        self.hang_seconds = hang_seconds
        self.tallies: dict[str, ClassTally] = defaultdict(ClassTally)
        self.current: str | None = None
        self._started = 0.0

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session):
        from flask.testing import FlaskClient

        tally = self
        original = FlaskClient.open

        def counting_open(client, *args, **kwargs):
            cls = tally.current
            try:
                response = original(client, *args, **kwargs)
            except Exception:
                if cls:
                    tally.tallies[cls].requests += 1
                    tally.tallies[cls].server_errors += 1
                raise
            if cls:
                tally.tallies[cls].requests += 1
                if response.status_code == 503:
                    tally.tallies[cls].unavailable += 1
                elif response.status_code >= 500:
                    tally.tallies[cls].server_errors += 1
            return response

        FlaskClient.open = counting_open

    def pytest_collection_modifyitems(self, session, config, items):
        items[:] = [item for item in items if class_of(item.nodeid)]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.current = class_of(item.nodeid)
        self._started = time.monotonic()
        yield
        self.current = None

    def pytest_runtest_logreport(self, report):
        cls = class_of(report.nodeid)
        if cls is None:
            return
        tally = self.tallies[cls]
        if report.when == "call" or (report.when == "setup" and not report.passed):
            tally.attempts += 1
            duration = time.monotonic() - self._started
            tally.slowest = max(tally.slowest, duration)
            if report.skipped:
                tally.skipped += 1
            elif report.passed:
                tally.passed += 1
                if duration > self.hang_seconds:
                    tally.hangs += 1
            else:
                text = str(report.longrepr)
                tally.failures.append(report.nodeid)
                if duration > self.hang_seconds or re.search(r"timed? ?out|Timeout", text):
                    tally.hangs += 1
                elif cls in DATA_CLASSES:
                    tally.data_lost += 1
                else:
                    tally.escapes += 1


def main() -> int:
    """Run the suites, print the table; 1 if anything escaped, hung, lost data or was a 500."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hang-seconds", type=float, default=180.0)
    parser.add_argument("pytest_args", nargs="*")
    args = parser.parse_args()
    files = sorted({f for _c, _i, fs, _p in CLASSES for f in fs})
    plugin = HostileTally(args.hang_seconds)
    started = time.monotonic()
    pytest.main(["-q", "-p", "no:cacheprovider", *files, *args.pytest_args], plugins=[plugin])
    print()
    head = f"{'class (issue 10 item)':44} {'tests':>5} {'skip':>4} {'requests':>8} {'500s':>5}"
    print(head + f" {'503s':>4} {'escapes':>7} {'hangs':>5} {'lost':>4} {'slowest':>8}")
    total = ClassTally()
    for name, item, _files, _pattern in CLASSES:
        t = plugin.tallies.get(name, ClassTally())
        print(
            f"{name + ' (' + item + ')':44} {t.attempts:5} {t.skipped:4} {t.requests:8} "
            f"{t.server_errors:5} {t.unavailable:4} {t.escapes:7} {t.hangs:5} {t.data_lost:4} "
            f"{t.slowest:7.1f}s"
        )
        for attr in (
            "attempts",
            "skipped",
            "requests",
            "server_errors",
            "unavailable",
            "escapes",
            "hangs",
        ):
            setattr(total, attr, getattr(total, attr) + getattr(t, attr))
        total.data_lost += t.data_lost
        total.failures += t.failures
    print(
        f"{'all classes':44} {total.attempts:5} {total.skipped:4} {total.requests:8} "
        f"{total.server_errors:5} {total.unavailable:4} {total.escapes:7} {total.hangs:5} "
        f"{total.data_lost:4}"
        f"   in {time.monotonic() - started:.0f}s"
    )
    for nodeid in total.failures:
        print("  failed:", nodeid)
    bad = total.server_errors or total.escapes or total.hangs or total.data_lost
    return 1 if bad or not total.attempts else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
