"""Benchmark: OneWindow engine layer vs bare SpiffWorkflow on business_registration.

Both sides run the shipped diagram to the "approved" end with a save/load between every
step. "bare" uses the library serializer (spec embedded in every state) and the stock
script engine (plain exec/eval); "engine" uses WorkflowHandle (spec cached by text, state
without spec, sandboxed conditions/scripts). Prints instances/s and the ratio.

    .venv/bin/python benchmarks/workflow_overhead.py [instances]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine  # noqa: E402
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG  # noqa: E402
from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from app.workflow.engine import OperatorRegistry, WorkflowHandle, deploy_bundle  # noqa: E402
from app.workflow.engine.specs import OperatorServiceTask, new_parser  # noqa: E402

DATA = {
    "case_number": "B-1",
    "form": {"company_name": "示例"},
    "applicant": {"name": "张三"},
    "intake_due": "2099-01-01T00:00:00+00:00",  # deemed acceptance far away: never fires here
}
INTAKE = {"intake": "accept", "correction_items": "", "comment": ""}
LANES = {"market_regulation", "tax", "social_security"}


def registry() -> OperatorRegistry:
    """auto_review async, the others trivial sync functions."""
    reg = OperatorRegistry()
    reg.add("auto_review", is_async=True)
    reg.add("issue_certificate", lambda p, d: {"number": "C"})
    reg.add("notify", lambda p, d: {"sent": True})
    return reg


def run_engine(spec_json: str, reg: OperatorRegistry) -> None:
    """One instance through WorkflowHandle with dump/load between steps."""
    handle = WorkflowHandle.start(spec_json, DATA, operators=reg)
    state = handle.dump_state()
    handle = WorkflowHandle.load(spec_json, state, operators=reg)
    handle.complete_service_call(handle.pending_service_calls()[0].task_id, {"verdict": "pass"})
    state = handle.dump_state()
    handle = WorkflowHandle.load(spec_json, state, operators=reg)
    handle.complete_user_task(handle.ready_user_tasks()[0].task_id, INTAKE)  # 受理
    state = handle.dump_state()
    for _ in range(3):
        handle = WorkflowHandle.load(spec_json, state, operators=reg)
        task = handle.ready_user_tasks()[0]
        handle.complete_user_task(task.task_id, {"approved": True, "comment": "ok"})
        state = handle.dump_state()
    assert WorkflowHandle.load(spec_json, state, operators=reg).is_completed()


def bare_engine(reg):
    """A factory of the library's stock script engine carrying our operators."""

    def engine():
        eng = PythonScriptEngine()
        eng.operators = reg
        return eng

    return engine


def bare_to_reviews(spec, serializer, engine) -> str:
    """Start a bare workflow, finish its auto-review and intake (受理), return the state at
    the three reviews."""
    wf = BpmnWorkflow(spec, {}, script_engine=engine())
    for task in wf.get_tasks(state=TaskState.READY):
        task.set_data(**DATA)
    wf.do_engine_steps()
    wf = serializer.deserialize_json(serializer.serialize_json(wf))
    wf.script_engine = engine()
    task = wf.get_tasks(state=TaskState.STARTED)[0]
    task.data["auto_review"] = {"verdict": "pass"}
    task.complete()
    wf.do_engine_steps()
    wf = serializer.deserialize_json(serializer.serialize_json(wf))
    wf.script_engine = engine()
    intake = wf.get_tasks(state=TaskState.READY, manual=True)[0]
    intake.set_data(**INTAKE)
    intake.run()
    wf.do_engine_steps()
    return serializer.serialize_json(wf)


def review_step(state: str, serializer, engine) -> str:
    """One review approved: the workflow deserialized from `state`, the step run, and the new
    state serialized."""
    wf = serializer.deserialize_json(state)
    wf.script_engine = engine()
    task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
    task.set_data(approved=True, comment="ok")
    task.run()
    wf.do_engine_steps()
    return serializer.serialize_json(wf)


def bare_reviews(state: str, serializer, engine) -> None:
    """Complete the three reviews, deserializing and serializing around every step."""
    for _ in range(3):
        state = review_step(state, serializer, engine)
    assert serializer.deserialize_json(state).is_completed()


def run_bare(spec, serializer, reg) -> None:
    """The same steps as run_engine with the library's own serializer and script engine."""
    engine = bare_engine(reg)
    bare_reviews(bare_to_reviews(spec, serializer, engine), serializer, engine)


def bare_parts():
    """The library-only side: the parsed spec and the stock serializer (spec embedded)."""
    content = (ROOT / "workflows" / "business_registration.bpmn").read_bytes()
    parser = new_parser("spiff")
    parser.add_bpmn_str(content, filename="b.bpmn")
    spec = parser.get_spec("business_registration")
    config = dict(DEFAULT_CONFIG)
    config[OperatorServiceTask] = ServiceTaskConverter
    return spec, BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


def main(n: int = 200) -> None:
    """Time n instances of each and print the figures."""
    reg = registry()
    content = (ROOT / "workflows" / "business_registration.bpmn").read_bytes()
    bundle = deploy_bundle(
        {"b.bpmn": content},
        departments=LANES,
        forms={"review_decision", "intake_decision"},
        operators=reg.names(),
    )
    spec, serializer = bare_parts()
    run_engine(bundle.spec_json, reg)
    run_bare(spec, serializer, reg)
    results = {}
    for name, func in (
        ("bare", lambda: run_bare(spec, serializer, reg)),
        ("engine", lambda: run_engine(bundle.spec_json, reg)),
    ):
        start = time.perf_counter()
        for _ in range(n):
            func()
        elapsed = time.perf_counter() - start
        results[name] = elapsed
        print(
            f"{name:7s} {n} instances in {elapsed:.2f} s = {n / elapsed:.0f} instances/s "
            f"({elapsed / n / 6 * 1000:.2f} ms per step)"
        )
    print(f"ratio engine/bare = {results['engine'] / results['bare']:.2f}")
    handle = WorkflowHandle.start(bundle.spec_json, DATA, operators=reg)
    print(f"state bytes: engine {len(handle.dump_state())}, spec_json {len(bundle.spec_json)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
