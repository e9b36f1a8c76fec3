"""Benchmark: SpiffWorkflow 3.2's own test corpus through bare SpiffWorkflow and the product.

Every BPMN file of `tests/SpiffWorkflow/{bpmn,camunda,spiff}/data` (with the called processes
and the DMN files defining the decisions it calls, from its folder) is run twice:

* bare: the library's parser for that folder (BpmnParser / CamundaParser / SpiffBpmnParser),
  `do_engine_steps`, every ready human task completed with no data, waiting timers fired;
* product: `services.deployment.deploy_files` on a demo database (real departments, forms
  and operators; every lane mapped to, and tasks outside lanes given to, `market_regulation`;
  every unknown form key mapped to `review_decision`; outcome rule: 'completed' when nothing
  says otherwise), then the engine handle the runtime
  uses — start, save/load between steps, complete every ready user task with no data, fire
  timers when nothing else can move.

It prints: how many diagrams bare SpiffWorkflow completes, how many of those the product
brings to the same end state (same end events reached, same process data; target >= 97%),
crashes (an exception that is neither a refusal nor an incident; target 0), hangs (over the
per-diagram timeout; target 0), unreadable refusals (a deploy refusal or incident that
names no element or no cause, or a policy refusal that does not say the fix; target 0),
the diagrams refused by policy (the sandbox's limits on scripts, conditions and timer
expressions: counted apart, each with its reason) and a per-reason table of the diagrams
bare SpiffWorkflow completes but the product does not bring to the same end state.

The corpus is not in this repository. Get it with one line:

    git clone --depth 1 --branch v3.2.0 https://github.com/sartography/SpiffWorkflow /tmp/spiff

then: nice .venv/bin/python benchmarks/foreign_corpus.py --corpus /tmp/spiff [-v]
(or SPIFF_CORPUS=/tmp/spiff). Without a corpus the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

FLAVOURS = ("bpmn", "camunda", "spiff")
DEPARTMENT = "market_regulation"
FORM = "review_decision"  # the product task form that foreign form keys are mapped to
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
POLICY_CODES = ("script_refused", "condition_refused", "bad_timer")  # the sandbox's limits
FIX_WORDS = ("write ", "use ", "remove ", "replace ", "tick ", "rename ", "add ", "give ")
ROUNDS = 60  # engine rounds per diagram (a cycle timer never ends: it is not a completion)
FAR = datetime.now(UTC) + timedelta(days=3650)


class Hang(Exception):
    """The per-diagram timeout passed."""


@dataclass
class Result:
    """What one diagram did in one driver."""

    status: str  # completed | waiting | refused | incident | crash | hang | failed
    ends: list = field(default_factory=list)
    data: dict = field(default_factory=dict)
    detail: str = ""
    unreadable: bool = False
    codes: list = field(default_factory=list)  # deploy refusal codes / incident kind
    policy: bool = False  # refused at deploy only for the sandbox's limits
    first_issue: str = ""  # the first refusal, whole (element: code: message)


def corpus_dirs(path: str | None) -> dict[str, Path] | None:
    """flavour -> data folder, or None when the corpus is not there."""
    if not path:
        return None
    base = Path(path)
    for candidate in (base / "tests" / "SpiffWorkflow", base / "SpiffWorkflow", base):
        dirs = {f: candidate / f / "data" for f in FLAVOURS}
        if all(d.is_dir() for d in dirs.values()):
            return dirs
    return None


def bpmn_files(folder: Path) -> list[Path]:
    """The BPMN files of a data folder (also in sub-folders)."""
    return sorted(
        p for p in folder.rglob("*") if p.suffix == ".bpmn" or p.name.endswith(".bpmn20.xml")
    )


def bundle_for(path: Path, process_ids: dict) -> dict[str, bytes] | None:
    """The file, the files defining the processes it calls and the DMN files (next to it or
    in dmn/) defining the decisions they call — what the library's own test of the file
    loads, and what an administrator would upload (not every DMN file of the folder)."""
    from lxml import etree

    ns = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
    try:
        root = etree.fromstring(path.read_bytes())
    except etree.XMLSyntaxError:
        return None
    files = {path.name: path.read_bytes()}
    decisions = called_decisions(root)
    todo = [root]
    while todo:
        node = todo.pop()
        for call in node.iter(f"{ns}callActivity"):
            called = process_ids.get(call.get("calledElement"))
            if called is not None and called.name not in files:
                files[called.name] = called.read_bytes()
                called_root = etree.fromstring(called.read_bytes())
                decisions |= called_decisions(called_root)
                todo.append(called_root)
    dmn_files = sorted({*path.parent.glob("*.dmn"), *path.parent.glob("dmn/*.dmn")})
    defined = {dmn: decision_graph(dmn) for dmn in dmn_files}
    while decisions:
        wanted, decisions = decisions, set()
        for dmn, graph in defined.items():
            if dmn.name not in files and wanted & graph.keys():
                files[dmn.name] = dmn.read_bytes()
                decisions |= {req for reqs in graph.values() for req in reqs}
    return files


def called_decisions(root) -> set[str]:
    """Decision ids a BPMN tree's business rule tasks call (Camunda or Spiff attribute)."""
    camunda = "{http://camunda.org/schema/1.0/bpmn}decisionRef"
    spiff = "{http://spiffworkflow.org/bpmn/schema/1.0/core}calledDecisionId"
    found = {node.get(camunda) for node in root.iter() if node.get(camunda)}
    found |= {(node.text or "").strip() for node in root.iter(spiff) if (node.text or "").strip()}
    return found


def decision_graph(path: Path) -> dict[str, set[str]]:
    """decision id -> the decision ids it requires, for one DMN file."""
    from lxml import etree

    try:
        root = etree.fromstring(path.read_bytes())
    except etree.XMLSyntaxError:
        return {}
    graph = {}
    for node in root.iter("{*}decision"):
        required = {(req.get("href") or "").lstrip("#") for req in node.iter("{*}requiredDecision")}
        graph[node.get("id")] = required - {""}
    return graph


def index_processes(folder: Path) -> dict[str, Path]:
    """process id -> file, over a folder."""
    from lxml import etree

    out = {}
    for path in bpmn_files(folder):
        try:
            root = etree.fromstring(path.read_bytes())
        except etree.XMLSyntaxError:
            continue
        for proc in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process"):
            out.setdefault(proc.get("id"), path)
    return out


def main_process(xml: bytes) -> str | None:
    """The process the product deploys by default: the first executable one."""
    from lxml import etree

    root = etree.fromstring(xml)
    procs = list(root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process"))
    executable = [p for p in procs if p.get("isExecutable") != "false"]
    chosen = (executable or procs or [None])[0]
    return chosen.get("id") if chosen is not None else None


def plain(value):
    """Data as JSON sees it (both drivers' data compared alike)."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))


# -- bare SpiffWorkflow -----------------------------------------------------------------------
def run_bare(flavour: str, files: dict[str, bytes], process_id: str) -> Result:
    from lxml import etree
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.parser import BpmnParser
    from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
    from SpiffWorkflow.camunda.parser import CamundaParser
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser
    from SpiffWorkflow.util.task import TaskState

    from app.workflow.engine.timers import fire_due

    parser = {"bpmn": BpmnParser, "camunda": CamundaParser, "spiff": SpiffBpmnParser}[flavour]()
    try:
        for name, content in files.items():
            tree = etree.ElementTree(etree.fromstring(content))
            if name.endswith(".dmn"):
                if hasattr(parser, "add_dmn_xml"):
                    parser.add_dmn_xml(tree.getroot(), filename=name)
            else:
                parser.add_bpmn_xml(tree, filename=name)
        wf = BpmnWorkflow(parser.get_spec(process_id), parser.get_subprocess_specs(process_id))
        for _ in range(ROUNDS):
            wf.do_engine_steps()
            if wf.is_completed():
                break
            ready = wf.get_tasks(state=TaskState.READY, manual=True)
            if ready:
                ready[0].run()
                continue
            if fire_due(wf, FAR):
                wf.refresh_timers()
                continue
            break
    except Hang:
        raise
    except Exception as exc:  # noqa: BLE001 - bare failures only leave the denominator
        return Result("failed", detail=f"{type(exc).__name__}: {exc}"[:200])
    if not wf.is_completed():
        return Result("waiting")
    ends = sorted(
        t.task_spec.bpmn_id
        for t in wf.get_tasks(state=TaskState.COMPLETED)
        if isinstance(t.task_spec, EndEvent) and t.task_spec.bpmn_id
    )
    return Result("completed", ends=ends, data=plain(wf.data))


# -- the product --------------------------------------------------------------------------------
def run_product(files: dict[str, bytes], process_id: str) -> Result:
    from lxml import etree

    from app.services import catalogue, deployment
    from app.workflow.engine import DeployError, EngineError, TaskNotFound, WorkflowHandle
    from app.workflow.engine.model_info import user_tasks
    from app.workflow.operators import registry

    lanes, form_keys = set(), set()
    for name, content in files.items():
        if name.endswith(".dmn"):
            continue
        root = etree.fromstring(content)
        lanes |= {lane.get("name") for lane in root.iter(f"{BPMN}lane") if lane.get("name")}
        for process in root.iter(f"{BPMN}process"):
            form_keys |= {t.form for t in user_tasks(process, {}) if t.form}
    known = catalogue.known_forms()
    try:
        version, _created = deployment.deploy_files(
            process_id,
            files,
            assignments=dict.fromkeys(lanes, DEPARTMENT),
            default_department=DEPARTMENT,
            outcome={"otherwise": "completed"},
            form_map=dict.fromkeys(form_keys - known, FORM),
        )
    except DeployError as exc:
        errors = [i for i in exc.issues if i.severity == "error"]
        unreadable = any(
            _unreadable(i.element_id, i.message)
            or (i.code in POLICY_CODES and not _says_fix(i.message))
            for i in errors
        )
        detail = "; ".join(f"{i.element_id}: {i.code}: {i.message}" for i in errors[:3])
        codes = sorted({i.code for i in errors})
        policy = all(i.code in POLICY_CODES and "syntax error" not in i.message for i in errors)
        first = f"{errors[0].element_id}: {errors[0].code}: {errors[0].message}" if errors else ""
        return Result(
            "refused",
            detail=detail[:300],
            unreadable=unreadable,
            codes=codes,
            policy=policy,
            first_issue=first,
        )
    ops = registry()
    spec = version.spec_json
    try:
        handle = WorkflowHandle.start(spec, {}, operators=ops)
        for _ in range(ROUNDS):
            handle = WorkflowHandle.load(spec, handle.dump_state(), operators=ops)
            if handle.is_completed():
                break
            ready = handle.ready_user_tasks()
            if ready:
                handle.complete_user_task(ready[0].task_id, {})
                continue
            if handle.next_timer_due() is not None and handle.fire_due_timers(FAR):
                continue
            break
    except (EngineError, TaskNotFound) as exc:
        return Result(
            "incident",
            detail=f"{exc.element_id}: {exc.message}"[:300],
            unreadable=_unreadable(exc.element_id, exc.message),
            codes=[getattr(exc, "kind", type(exc).__name__)],
        )
    if not handle.is_completed():
        return Result("waiting")
    return Result("completed", ends=sorted(handle.reached_end_events()), data=plain(handle.data))


def _unreadable(element: str | None, message: str | None) -> bool:
    """A refusal must name an element and say a cause in words (no bare exception text)."""
    message = (message or "").strip()
    raw = message.startswith(("KeyError", "TypeError", "AttributeError", "Traceback"))
    return not element or not message or raw or "None" == element


def _says_fix(message: str) -> bool:
    """A policy refusal must also say what to write instead."""
    return any(word in message.lower() for word in FIX_WORDS)


def mismatch_reason(bare: Result, product: Result) -> str:
    """Why a diagram bare SpiffWorkflow completes does not end the same in the product."""
    if product.status == "refused":
        kind = "refused by policy" if product.policy else "refused at deploy"
        return f"{kind}: {', '.join(product.codes)}"
    if product.status == "incident":
        return f"incident while running: {', '.join(product.codes)}"
    if product.status == "completed":
        return "different end events" if bare.ends != product.ends else "different process data"
    return {
        "waiting": "stopped before an end event",
        "crash": "crash",
        "hang": "hang",
    }.get(product.status, product.status)


# -- driver -------------------------------------------------------------------------------------
def _with_timeout(seconds: float, func, *args) -> Result:
    def alarm(_signum, _frame):
        raise Hang()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return func(*args)
    except Hang:
        return Result("hang")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_corpus(dirs: dict[str, Path], timeout: float, verbose: bool) -> dict:
    from app.extensions import db

    counts = dict.fromkeys(
        ["diagrams", "bare_completes", "same_end_state", "crashes", "hangs", "unreadable",
         "refused", "policy", "incidents"],
        0,
    )  # fmt: skip
    counts["mismatches"] = {}  # reason -> [diagram, ...]
    counts["policy_refusals"] = []  # (diagram, first reason)
    for flavour, folder in dirs.items():
        processes = index_processes(folder)
        for path in bpmn_files(folder):
            files = bundle_for(path, processes)
            process_id = main_process(files[path.name]) if files else None
            if not files or not process_id:
                continue
            counts["diagrams"] += 1
            bare = _with_timeout(timeout, run_bare, flavour, files, process_id)
            try:
                product = _with_timeout(timeout, run_product, files, process_id)
            except Exception as exc:  # noqa: BLE001 - counted: a crash is the product's bug
                product = Result("crash", detail=f"{type(exc).__name__}: {exc}"[:300])
            finally:
                db.session.rollback()  # nothing deployed is kept between diagrams
            counts["crashes"] += product.status == "crash"
            counts["hangs"] += product.status == "hang"
            counts["unreadable"] += product.unreadable
            counts["refused"] += product.status == "refused"
            counts["policy"] += product.policy
            counts["incidents"] += product.status == "incident"
            same = (
                bare.status == product.status == "completed"
                and bare.ends == product.ends
                and bare.data == product.data
            )
            name = path.relative_to(folder.parent.parent)
            if product.policy:
                counts["policy_refusals"].append((str(name), product.first_issue))
            if bare.status == "completed":
                counts["bare_completes"] += 1
                counts["same_end_state"] += same
                if not same:
                    reason = mismatch_reason(bare, product)
                    counts["mismatches"].setdefault(reason, []).append(str(name))
            if verbose and (not same or product.unreadable):
                print(f"  {name}: bare={bare.status} product={product.status} {product.detail}")
                if bare.detail:
                    print(f"    bare: {bare.detail}")
                if bare.status == product.status == "completed" and not same:
                    print(f"    ends {bare.ends} vs {product.ends}")
                    keys = set(bare.data) ^ set(product.data)
                    diff = keys or {k for k in bare.data if bare.data[k] != product.data.get(k)}
                    print(f"    data differs at {sorted(diff)[:8]}")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=os.environ.get("SPIFF_CORPUS"))
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per diagram")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    dirs = corpus_dirs(args.corpus)
    if dirs is None:
        print(
            "SpiffWorkflow's test corpus not found (give --corpus or SPIFF_CORPUS). Get it with:\n"
            "  git clone --depth 1 --branch v3.2.0 https://github.com/sartography/SpiffWorkflow"
            " /tmp/spiff"
        )
        return 0
    import logging

    from demo_app import make_app

    logging.disable(logging.WARNING)  # the migrations' INFO lines are not the figures
    warnings.filterwarnings("ignore", category=SyntaxWarning)  # RestrictedPython's "print" note
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(f"sqlite:///{tmp}/corpus.db", f"{tmp}/uploads")
        with app.app_context():
            counts = run_corpus(dirs, args.timeout, args.verbose)
    bare, same = counts["bare_completes"], counts["same_end_state"]
    share = f"{100 * same / bare:.1f}%" if bare else "n/a"
    print(
        f"refused at deploy (all reasons): {counts['refused']}, "
        f"incidents while running: {counts['incidents']}"
    )
    print(f"diagrams: {counts['diagrams']}")
    print(f"bare SpiffWorkflow completes: {bare}")
    print(f"product reaches the same end state: {same} of {bare} ({share}; target >= 97%)")
    print(f"crashes: {counts['crashes']} (target 0)")
    print(f"hangs: {counts['hangs']} (target 0)")
    print(f"unreadable refusals: {counts['unreadable']} (target 0)")
    print(f"refused by policy (with reason): {counts['policy']}")
    for name, reason in counts["policy_refusals"]:
        print(f"  {name}: {reason}")
    print_mismatches(counts["mismatches"])
    return 0


def print_mismatches(mismatches: dict) -> None:
    """The per-reason table of diagrams bare SpiffWorkflow completes and the product does not
    bring to the same end state."""
    print("non-matching diagrams by reason:")
    if not mismatches:
        print("  (none)")
        return
    width = max(len(reason) for reason in mismatches)
    for reason, names in sorted(mismatches.items(), key=lambda item: (-len(item[1]), item[0])):
        print(f"  {reason:<{width}}  {len(names):>3}  {', '.join(names)}")


if __name__ == "__main__":
    sys.exit(main())
