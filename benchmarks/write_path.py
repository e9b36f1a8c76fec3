"""Benchmark (issue 18): the write path of one complete case, against the engine's durable floor.

"product": a complete business-registration case through the services, as the web and the
jobs run it — start a draft, save the form, store three files, submit (receipt notice,
auto-review job), the file reviews (with the file reading itself replaced by a canned
result: this measures the write path, not OCR), intake acceptance (acceptance notice), three
department decisions (decision notice, e-certificate, notifications). Jobs run inline in the
in-process runner. Every SQL statement the database receives is counted.

"bare": SpiffWorkflow alone runs the same diagram to the same end, and after every step
writes the serialized workflow to a table and commits (one durable write per step) on the
same database.

Prints cases/s of each, the ratio product/bare (target <= 1.5) and SQL statements per case
(target <= 30), with the statements of each step. SQLite always; PostgreSQL when it answers at
127.0.0.1:5432 (a throw-away database).

    .venv/bin/python benchmarks/write_path.py [--cases 30] [--no-postgres] [--shapes 15]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from demo_app import make_app  # noqa: E402
from write_path_case import canned_review, make_citizens, one_case, png  # noqa: E402


class StatementCounter:
    """Counts the statements sent to the database, per named step."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.per_step: Counter = Counter()
        self.shapes: Counter = Counter()  # (step, statement shape) -> count
        self.step = "setup"
        self.seconds: Counter = Counter()  # step -> wall-clock seconds spent in it
        self._since = time.perf_counter()
        event.listen(engine, "before_cursor_execute", self._count)

    def enter(self, name: str | None) -> None:
        """Start step `name` (None: the benchmark's own look-ups), closing the current one."""
        now = time.perf_counter()
        if self.step is not None:
            self.seconds[self.step] += now - self._since
        self.step, self._since = name, now

    def _count(self, conn, cursor, statement, *args, **kwargs):
        if self.step is not None:  # None: the benchmark's own look-ups, not counted
            self.per_step[self.step] += 1
            self.shapes[(self.step, shape(statement))] += 1


def shape(statement: str) -> str:
    """A statement reduced to what tells it apart: its verb and table and, for a SELECT, its
    WHERE clause (parameters, column lists and white space dropped)."""
    import re

    text = " ".join(statement.split())
    verb = text.split(" ", 1)[0].upper()
    if verb == "SELECT":
        table = re.search(r" FROM (\S+)", text)
        where = re.search(r" WHERE (.*?)(?: ORDER BY| LIMIT| GROUP BY| FOR UPDATE|$)", text)
        where_text = re.sub(r"%\(\w+\)s|\?|\$\d+", "?", where.group(1)) if where else ""
        return f"SELECT {table.group(1) if table else '?'} WHERE {where_text}"[:110]
    table = re.search(r"^(?:INSERT INTO|UPDATE|DELETE FROM) (\S+)", text, re.IGNORECASE)
    return f"{verb} {table.group(1) if table else text[:60]}"


def citizens(app, n: int) -> list[int]:
    """n registered citizens, committed (benchmark set-up, outside the product's use cases)."""
    from app.extensions import db

    with app.app_context():
        ids = make_citizens(n)
        db.session.commit()
    return ids


def run_case(app, citizen_id: int, counter: StatementCounter | None, data: bytes) -> None:
    """One complete case (tests/write_path_case.py), each step counted by `counter`."""
    from app.jobs.queue import runner_for

    with app.test_request_context():
        one_case(
            citizen_id,
            lambda: runner_for(app).wait_idle(60),
            counter.enter if counter else (lambda name: None),
            data,
        )


def bare(url: str, n: int) -> float:
    """Seconds for n bare workflows with one durable write per step."""
    import sqlalchemy as sa
    import workflow_overhead as wo
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    spec, serializer = wo.bare_parts()
    engine = wo.bare_engine(wo.registry())
    db_engine = sa.create_engine(url)
    with db_engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE IF NOT EXISTS bare_state (id INTEGER PRIMARY KEY, s TEXT)")
        )
    answers = {
        "intake_decision": {"intake": "accept", "correction_items": "", "comment": ""},
        "review_decision": {"approved": True, "comment": "ok"},
    }
    start = time.perf_counter()
    for i in range(n):
        wf = BpmnWorkflow(spec, {}, script_engine=engine())
        for task in wf.get_tasks(state=TaskState.READY):
            task.set_data(**wo.DATA)
        wf.do_engine_steps()
        with db_engine.begin() as conn:
            conn.execute(
                sa.text("INSERT INTO bare_state (id, s) VALUES (:i, :s)"),
                {"i": i, "s": serializer.serialize_json(wf)},
            )
        while not wf.is_completed():
            with db_engine.begin() as conn:
                state = conn.execute(sa.text("SELECT s FROM bare_state WHERE id = :i"), {"i": i})
                wf = serializer.deserialize_json(state.scalar_one())
            wf.script_engine = engine()
            started = wf.get_tasks(state=TaskState.STARTED)
            if started:
                started[0].data["auto_review"] = {"verdict": "pass", "problems": 0}
                started[0].complete()
            else:
                task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
                form = task.task_spec.extensions.get("properties", {}).get("formKey")
                task.set_data(**answers.get(form, answers["review_decision"]))
                task.run()
            wf.do_engine_steps()
            with db_engine.begin() as conn:
                conn.execute(
                    sa.text("UPDATE bare_state SET s = :s WHERE id = :i"),
                    {"i": i, "s": serializer.serialize_json(wf)},
                )
    return time.perf_counter() - start


def measure(url: str, label: str, n: int, shapes: int = 15) -> None:
    """Print the figures for one database."""
    from app.services import file_workers

    file_workers.read_document = canned_review
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(url, f"{tmp}/uploads")  # as deployed: reference data kept per process
        from app.extensions import db

        with app.app_context():
            engine = db.engine
        ids = citizens(app, n + 1)
        data = png()
        run_case(app, ids[-1], None, data)  # warm up
        counter = StatementCounter(engine)
        start = time.perf_counter()
        for citizen_id in ids[:n]:
            run_case(app, citizen_id, counter, data)
        product = time.perf_counter() - start
        counter.per_step.pop("setup", None)
        baseline = bare(url, n)
        total = sum(counter.per_step.values())
        print(f"--- {label}: {n} complete cases")
        print(f"product  {n / product:6.1f} cases/s   bare+durable {n / baseline:6.1f} cases/s")
        print(f"ratio product/bare = {product / baseline:.2f}   (target <= 1.5)")
        print(f"SQL statements per case = {total / n:.0f}   (target <= 30)")
        print(f"    {'step':28s} {'statements':>10s} {'ms':>7s}   (per case)")
        for name, count in counter.per_step.most_common():
            print(f"    {name:28s} {count / n:10.1f} {counter.seconds[name] * 1000 / n:7.1f}")
        if shapes:
            by_shape: Counter = Counter()
            for (_, statement), count in counter.shapes.items():
                by_shape[statement] += count
            print(f"  the {shapes} most frequent statement shapes, per case:")
            for statement, count in by_shape.most_common(shapes):
                steps = sorted({step for (step, s), c in counter.shapes.items() if s == statement})
                print(f"    {count / n:5.1f}  {statement}   [{', '.join(steps)}]")


def main() -> None:
    """SQLite, then PostgreSQL if it answers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--shapes", type=int, default=15, help="print this many top statement shapes (0: none)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{tmp}/bench.sqlite3", "SQLite", args.cases, args.shapes)
    if args.no_postgres:
        return
    name = f"ow_write_path_{int(time.time())}"
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-d", "postgres", "-c"]
    if subprocess.run([*psql, f"CREATE DATABASE {name}"], capture_output=True).returncode:
        print("PostgreSQL not reachable: SQLite only")
        return
    try:
        measure(
            f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
            "PostgreSQL",
            args.cases,
            args.shapes,
        )
    finally:
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)


if __name__ == "__main__":
    main()
