"""Benchmark: what bounding every diagram expression costs, and what it stops.

Prints, per expression, the time of
* the old path (whitelist only, always in the server's process),
* the bounded path for a linear expression (still in-process),
* the bounded path for a non-linear one (the sandbox worker: JSON over a pipe),
with task data of about 2 KB (a case's form, applicant and attachments); then the wall
time and the outcome of the costly expressions that used to hold the server (each now
stopped by the worker's memory limit or wall-clock timeout).

    .venv/bin/python benchmarks/expression_bounds.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.workflow.engine.expressions import evaluate_expression  # noqa: E402
from app.workflow.engine.sandbox import SandboxEnvironment, ScriptRunner  # noqa: E402

DATA = {
    "case_number": "YW20260101000001",
    "form": {f"field_{i}": "x" * 40 for i in range(30)},
    "applicant": {"name": "张三", "id_number": "110101199001011234"},
    "attachments": [{"id": i, "slot": "lease"} for i in range(10)],
    "auto_review": {"problems": [], "ok": True},
    "market_regulation_approved": True,
    "tax_approved": True,
    "social_security_approved": True,
}
LINEAR = "market_regulation_approved and tax_approved and social_security_approved"
NUMERIC = "len(attachments) * 2 > 3"
NON_LINEAR = "sum([1, 2]) > 2"
COSTLY = [
    "len(sum([[0] * 100000] * 1000, [])) > 0",
    "len(str([[0] * 100000] * 1000)) > 0",
    "len('%0400000000d' % 1) > 0",
]


def per_call(fn, n: int) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    runner = ScriptRunner()
    env = SandboxEnvironment(runner)
    print(f"task data: {len(json.dumps(DATA))} bytes of JSON")
    rows = [
        (
            "old path, in-process (whitelist only)",
            lambda: evaluate_expression(LINEAR, DATA),
            50_000,
        ),
        ("bounded, linear condition (in-process)", lambda: env.evaluate(LINEAR, DATA), 50_000),
        ("bounded, numeric arithmetic (in-process)", lambda: env.evaluate(NUMERIC, DATA), 50_000),
        ("bounded, non-linear (worker round trip)", lambda: env.evaluate(NON_LINEAR, DATA), 3_000),
    ]
    for label, fn, n in rows:
        print(f"{label:45s} {per_call(fn, n):8.1f} us")
    for expression in COSTLY:
        start = time.perf_counter()
        try:
            outcome = f"returned {env.evaluate(expression, {})!r}"
        except RuntimeError as exc:
            outcome = f"stopped: {exc}"
        print(f"{expression:45s} {time.perf_counter() - start:6.2f} s  {outcome}")
    runner.close()


if __name__ == "__main__":
    main()
