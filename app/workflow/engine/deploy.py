"""`deploy_bundle`: validate a set of BPMN/DMN files and turn them into a storable spec.

All problems are collected and raised together in one `DeployError`; warnings (ignored
data stores, translated FEEL cells, ...) are returned on the bundle. The spec JSON is
stored once per process version by the application; instances store only their state.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from .assignment import check_assignments, map_lanes
from .dmn import check_dmn_structure, decisions_of, split_decisions
from .dmn_chain import check_requirements, requirement_graph
from .errors import DeployError, IssueCollector, ValidationIssue, library_failure, library_refusal
from .model_info import (
    TimerInfo,
    UserTaskInfo,
    lane_map,
    message_names,
    service_tasks,
    timers,
    user_tasks,
)
from .outcome import check_outcome_rule
from .parsing import (
    XmlRefused,
    choose_flavour,
    file_kind,
    rewrite_dmn,
    rewrite_juel,
    rewrite_timers,
    safe_parse_xml,
    strip_data_stores,
)
from .serialization import SERIALIZERS, encode_spec
from .specs import new_parser
from .validation import (
    called_decisions,
    check_call_cycles,
    executable_processes,
    validate_bpmn,
    validate_dmn,
)


@dataclass
class SpecBundle:
    """A validated, parsed process version ready to be stored."""

    process_id: str
    spec_json: str
    content_hash: str
    lanes: list[str]
    user_tasks: list[UserTaskInfo]
    service_tasks: list[tuple[str, str]]
    timers: list[TimerInfo]
    messages: list[str]
    flavour: str = "spiff"
    warnings: list[ValidationIssue] = field(default_factory=list)


def content_hash(files: dict[str, bytes]) -> str:
    """sha256 over file names and contents with line endings and trailing blanks normalised."""
    digest = hashlib.sha256()
    for name in sorted(files):
        text = files[name].decode("utf-8", errors="replace").replace("\r\n", "\n")
        normalised = "\n".join(line.rstrip() for line in text.strip().split("\n"))
        digest.update(name.encode() + b"\0" + normalised.encode() + b"\0")
    return digest.hexdigest()


def _load_files(files: dict[str, bytes], issues: IssueCollector):
    bpmn, dmn = {}, {}
    for name in sorted(files):
        try:
            root = safe_parse_xml(files[name])
        except XmlRefused as exc:
            issues.error(name, exc.code, str(exc))
            continue
        kind = file_kind(root)
        if kind == "bpmn":
            bpmn[name] = root
        elif kind == "dmn":
            dmn[name] = root
        else:
            issues.error(name, "xml_parse", "file is neither BPMN nor DMN")
    return bpmn, dmn


def _pick_process(bpmn: dict, process_id: str | None, issues: IssueCollector):
    processes = {p.get("id"): p for root in bpmn.values() for p in executable_processes(root)}
    if process_id is None:
        executable = [pid for pid, p in processes.items() if p.get("isExecutable") != "false"]
        process_id = (executable or list(processes) or [None])[0]
    if process_id is None or process_id not in processes:
        known = ", ".join(repr(p) for p in processes) or "none"
        issues.error(
            process_id,
            "no_start_event",
            f"process {process_id!r} not found in the files (processes: {known})",
        )
        return process_id, None
    if processes[process_id].get("isExecutable") == "false":
        issues.error(process_id, "not_executable", NOT_EXECUTABLE.format(process_id))
    return process_id, processes[process_id]


NOT_EXECUTABLE = (
    'process {!r} is marked not executable (isExecutable="false", the bpmn.io default): '
    "tick 'Executable' in the process properties of the modeler"
)


def deploy_bundle(
    files: dict[str, bytes],
    *,
    process_id: str | None = None,
    departments: set[str],
    forms: set[str],
    operators: set[str],
    assignments: dict[str, str] | None = None,
    default_department: str | None = None,
    outcome: dict | None = None,
    form_map: dict[str, str] | None = None,
) -> SpecBundle:
    """Validate and parse `files` (name -> bytes); DeployError lists every problem found.

    `assignments` maps lane / candidate group names of a foreign diagram to department
    codes; `default_department` receives the human tasks outside any lane that name nobody
    (see assignment.py). Without them such a task is refused. `outcome` is the rule that
    decides a case when the process does not set `decision` (see outcome.py). `form_map`
    maps a foreign form key (`camunda:formKey`) to one of the product's task forms."""
    issues = IssueCollector()
    assignments = dict(assignments or {})
    form_map = dict(form_map or {})
    for key, form in form_map.items():
        if form not in forms:
            issues.error(
                None, "missing_form", f"form key {key!r} is mapped to {form!r}, not a form"
            )
    for name, code in [*assignments.items(), ("default department", default_department)]:
        if code is not None and code not in departments:
            issues.error(None, "unknown_lane", f"{name!r} is mapped to {code!r}, not a department")
    bpmn, dmn = _load_files(files, issues)
    if not bpmn and not issues.has_errors:
        issues.error(None, "no_start_event", "the bundle holds no BPMN file")
    flavour = choose_flavour(list(bpmn.values()), issues)
    for root in bpmn.values():
        map_lanes(root, assignments)
        strip_data_stores(root, issues)
        rewrite_timers(root, issues)
        rewrite_juel(root, issues)
        validate_bpmn(
            root,
            issues,
            departments=set(departments),
            forms={*forms, *form_map},
            operators=set(operators),
        )
    for name, root in dmn.items():
        check_dmn_structure(root, name, issues)
        rewrite_dmn(root, issues)
        validate_dmn(root, issues)
    check_call_cycles(bpmn.values(), issues)
    decision_ids = {d.get("id") for root in dmn.values() for d in decisions_of(root)}
    check_requirements(requirement_graph(dmn.values()), issues)
    for root in bpmn.values():
        for task_id, ref in called_decisions(root):
            if ref is None:
                issues.error(
                    task_id,
                    "missing_decision",
                    "the business rule task names no decision: set camunda:decisionRef or "
                    "spiffworkflow:calledDecisionId to a decision id of the bundle's DMN files",
                )
            elif ref not in decision_ids:
                known = ", ".join(sorted(i for i in decision_ids if i)) or "none: add the DMN file"
                issues.error(
                    task_id,
                    "missing_decision",
                    f"decision {ref!r} is not in the bundle's DMN files (decisions: {known})",
                )
    process_id, process = _pick_process(bpmn, process_id, issues) if bpmn else (process_id, None)
    if issues.has_errors:
        raise DeployError(issues.issues)

    parser = new_parser(flavour)
    try:
        for name, root in bpmn.items():
            parser.add_bpmn_xml(etree.ElementTree(root), filename=name)
        for name, root in dmn.items():
            for part in split_decisions(root):
                parser.add_dmn_xml(part, filename=name)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        issues.error(*library_refusal(exc, process_id))
        raise DeployError(issues.issues) from None
    except Exception as exc:  # noqa: BLE001 - library parse failures become issues
        issues.error(*library_failure(exc, process_id))
        raise DeployError(issues.issues) from None

    all_processes = [p for root in bpmn.values() for p in executable_processes(root)]
    lanes_by_element, tasks, services, timer_list = {}, [], [], []
    for proc in all_processes:
        lanes = lane_map(proc)
        lanes_by_element.update(lanes)
        tasks += user_tasks(proc, lanes)
        services += service_tasks(proc)
        timer_list += timers(proc)
    for task in tasks:
        task.form = form_map.get(task.form, task.form)
    check_assignments(
        tasks,
        issues,
        departments=set(departments),
        assignments=assignments,
        default_department=default_department,
    )
    if issues.has_errors:
        raise DeployError(issues.issues)
    outcome_rule = check_outcome_rule(outcome, bpmn.values(), issues)
    if issues.has_errors:
        raise DeployError(issues.issues)
    messages = [m for root in bpmn.values() for m in message_names(root)]
    lane_names = sorted({lane for lane in lanes_by_element.values() if lane})
    meta = {
        "user_tasks": {t.element_id: asdict(t) for t in tasks},
        "timers": [asdict(t) for t in timer_list],
        "messages": messages,
        "lanes": lane_names,
        "assignments": assignments,
        "outcome": outcome_rule,
    }
    try:
        spec_json = encode_spec(flavour, process_id, spec, subprocess_specs, meta)
    except Exception as exc:  # noqa: BLE001 - a library serializer failure becomes an issue
        element = _unserializable_element(flavour, spec, subprocess_specs) or process_id
        issues.error(
            element,
            "invalid_bpmn",
            "the workflow library cannot save this element, so a case could not be stored "
            f"between steps ({type(exc).__name__}: {exc}); this kind of element is not "
            "supported here: model it another way",
        )
        raise DeployError(issues.issues) from None
    return SpecBundle(
        process_id=process_id,
        spec_json=spec_json,
        content_hash=content_hash(files),
        lanes=lane_names,
        user_tasks=tasks,
        service_tasks=services,
        timers=timer_list,
        messages=messages,
        flavour=flavour,
        warnings=list(issues.issues),
    )


def _unserializable_element(flavour: str, spec, subprocess_specs: dict) -> str | None:
    """The id of the first element whose task spec the serializer refuses, if one does."""
    registry = SERIALIZERS[flavour].registry
    for process_spec in [spec, *subprocess_specs.values()]:
        for task_spec in process_spec.task_specs.values():
            try:
                registry.convert(task_spec)
            except Exception:  # noqa: BLE001 - looking for the element to name
                return getattr(task_spec, "bpmn_id", None) or task_spec.name
    return None
