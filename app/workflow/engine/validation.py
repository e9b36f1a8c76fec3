"""Deploy-time checks of (pre-processed) BPMN and DMN trees; every problem names its element.

Codes (checks aimed at other engines' diagrams live in `foreign_checks.py`): no_start_event,
unknown_lane, missing_form, unknown_operator, script_refused,
condition_refused, unsupported_element, dmn_unsupported (bad camunda:mapDecisionResult),
call_cycle (a call activity that calls its own process, directly or through others)
(plus xml_parse, xml_entities, too_large, bad_timer and dmn_unsupported produced while
loading/rewriting in `parsing.py`, DMN structure issues from `dmn.py`, missing_decision
— a business rule task calling a decision no DMN file of the bundle defines — in `deploy.py`,
and missing_decision / decision_cycle for `requiredDecision` chains in `dmn_chain.py`).
camunda:inputOutput parameters of user, manual, plain, script, service and business rule
tasks must translate to whitelisted expressions (they run, see camunda_io.py); on any other
element the mapping is reported (warning, unsupported_element) and not executed.
"""

from __future__ import annotations

import re

from lxml import etree

from .camunda import MAP_DECISION_RESULTS, CamundaParamError, input_parameters, output_parameters
from .errors import IssueCollector
from .expressions import check_expression
from .foreign_checks import check_ignored_camunda, condition_fix, java_implementation
from .model_info import lane_map, service_tasks, user_tasks
from .parsing import BPMN_NS, NS, element_id_of
from .script_worker import check_script

APPLICANT_LANE = "applicant"
UNSUPPORTED_TAGS = {
    "complexGateway": "complex gateways are not supported",
    "compensateEventDefinition": "compensation events are not supported",
    "globalTask": "global tasks are not supported",
    "choreographyTask": "choreographies are not supported",
    "subChoreography": "choreographies are not supported",
    "implicitThrowEvent": "implicit throw events are not supported",
}


def _q(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def executable_processes(root: etree._Element) -> list[etree._Element]:
    """The bpmn:process elements of a definitions file that hold something to run: an empty
    `isExecutable="false"` process is a black-box pool of a collaboration (another party),
    which SpiffWorkflow never parses and which has nothing to check."""
    return [p for p in root.iterfind("bpmn:process", NS) if not is_black_box_pool(p)]


def is_black_box_pool(process: etree._Element) -> bool:
    """True for `<process isExecutable="false"/>` with no flow elements (only documentation,
    extension elements or lane sets)."""
    if process.get("isExecutable") != "false":
        return False
    ignorable = {_q("documentation"), _q("extensionElements"), _q("laneSet")}
    return all(not isinstance(n.tag, str) or n.tag in ignorable for n in process)


def validate_bpmn(
    root: etree._Element,
    issues: IssueCollector,
    *,
    departments: set[str],
    forms: set[str],
    operators: set[str],
) -> None:
    """Check one BPMN definitions tree and record every issue in `issues`."""
    for process in executable_processes(root):
        pid = process.get("id")
        starts = [n for n in process if isinstance(n.tag, str) and n.tag == _q("startEvent")]
        if not starts:
            issues.error(pid, "no_start_event", f"process {pid!r} has no start event")
        lanes = lane_map(process)
        for lane in process.iter(_q("lane")):
            name = lane.get("name")
            nested = lane.find(_q("childLaneSet")) is not None
            if nested or name in departments or name == APPLICANT_LANE:
                continue
            if not (name or "").strip():
                issues.error(
                    lane.get("id"),
                    "unknown_lane",
                    "the lane has no name: name it after a department code or 'applicant'",
                )
            else:
                issues.error(
                    lane.get("id"),
                    "unknown_lane",
                    f"lane {name!r} is not a department code or 'applicant'; rename it to one "
                    f"of: {', '.join(sorted(departments)) or '(no departments)'}",
                )
        for info in user_tasks(process, lanes):
            if info.form and info.form not in forms:
                issues.error(
                    info.element_id,
                    "missing_form",
                    f"form {info.form!r} not found: use one of {', '.join(sorted(forms))} "
                    "or map it to one when deploying",
                )
        valid = f"valid operators: {', '.join(sorted(operators)) or '(none)'}"
        for element_id, operator in service_tasks(process):
            java = java_implementation(process, element_id)
            if not operator and java:
                issues.error(
                    element_id,
                    "unknown_operator",
                    f"{java} is Java code, which cannot run here; name an operator with "
                    f"camunda:type or camunda:topic instead ({valid})",
                )
            elif not operator and (named := _operator_name_attribute(process, element_id)):
                issues.error(
                    element_id,
                    "unknown_operator",
                    f"spiffworkflow:serviceTaskOperator has name={named!r} but no id (the "
                    f"attribute SpiffWorkflow reads); write id={named!r}, an operator of this "
                    f"server ({valid})",
                )
            elif not operator:
                issues.error(
                    element_id,
                    "unknown_operator",
                    f"the service task names no operator; name one ({valid})",
                )
            elif operator not in operators:
                issues.error(
                    element_id, "unknown_operator", f"operator {operator!r} is unknown ({valid})"
                )
        _check_duplicate_ids(process, issues)
        _check_camunda_extensions(process, issues)
        check_ignored_camunda(process, issues)
        _check_decision_results(process, issues)
        _check_scripts(process, issues)
        _check_conditions(process, issues)
    _check_unsupported(root, issues)


FLOW_TAGS = {
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "businessRuleTask",
    "sendTask", "receiveTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
    "boundaryEvent", "exclusiveGateway", "inclusiveGateway", "parallelGateway",
    "eventBasedGateway", "complexGateway", "sequenceFlow", "lane",
}  # fmt: skip


def _check_duplicate_ids(process: etree._Element, issues: IssueCollector) -> None:
    """SpiffWorkflow indexes every element below a process by id, the last one winning: an
    id shared with a flow node (task, event, gateway, flow, lane) silently replaces it, so
    refuse that. Ids shared only by other items — a multi-instance input and output data
    item updated in place, a data item named like an operator parameter — and the process's
    own id (not indexed) are what bare SpiffWorkflow runs, so they pass."""
    seen: dict[str, tuple[str, bool]] = {}
    for node in process.iterdescendants():
        if not isinstance(node.tag, str) or not node.get("id"):
            continue
        qname = etree.QName(node)
        is_flow = qname.namespace == BPMN_NS and qname.localname in FLOW_TAGS
        node_id = node.get("id")
        if node_id in seen and (is_flow or seen[node_id][1]):
            issues.error(
                node_id,
                "duplicate_id",
                f"id {node_id!r} is used by <{seen[node_id][0]}> and <{qname.localname}>: "
                "give one of them another id",
            )
        elif node_id not in seen or is_flow:
            seen[node_id] = (qname.localname, is_flow)


def _check_scripts(process: etree._Element, issues: IssueCollector) -> None:
    texts = []
    for node in process.iter(_q("scriptTask")):
        fmt = (node.get("scriptFormat") or "python").lower()
        script = node.find(_q("script"))
        if fmt not in ("python", "text/x-python", "py"):
            issues.error(
                node.get("id"),
                "script_refused",
                f"script format {fmt!r} is not Python: write the script in Python and "
                "remove the scriptFormat attribute",
            )
            continue
        texts.append((node.get("id"), script.text if script is not None else ""))
    for tag in ("preScript", "postScript"):
        for node in process.iter(f"{{{NS['spiffworkflow']}}}{tag}"):
            texts.append((element_id_of(node), node.text or ""))
    for element_id, text in texts:
        for problem in check_script(text or "") if (text or "").strip() else []:
            issues.error(element_id, "script_refused", problem)


def _operator_name_attribute(process: etree._Element, element_id: str) -> str | None:
    """`name` of a serviceTaskOperator written without `id` (older SpiffArena diagrams)."""
    for node in process.iterfind(".//spiffworkflow:serviceTaskOperator", NS):
        if element_id_of(node) == element_id and not node.get("id") and node.get("name"):
            return node.get("name")
    return None


def _check_conditions(process: etree._Element, issues: IssueCollector) -> None:
    for node in process.iter(
        _q("conditionExpression"), _q("condition"), _q("loopCardinality"), _q("completionCondition")
    ):
        text = (node.text or "").strip()
        eid = element_id_of(node)
        language = (node.get("language") or "").lower()
        if language and "python" not in language:
            issues.error(
                eid,
                "condition_refused",
                f"condition language {language!r} refused: write the condition in Python and "
                "remove the language attribute",
            )
            continue
        if not text:
            continue
        problem = check_expression(text)
        if problem:
            issues.error(eid, "condition_refused", f"{text!r}: {problem}{condition_fix(text)}")
    for param in process.iterfind(
        ".//spiffworkflow:serviceTaskOperator/spiffworkflow:parameter", NS
    ):
        problem = check_expression(param.get("value") or "None")
        if problem:
            issues.error(
                element_id_of(param),
                "condition_refused",
                f"parameter {param.get('id')!r}: {problem}",
            )


IO_MAPPED_TAGS = ("userTask", "manualTask", "task", "scriptTask", "serviceTask", "businessRuleTask")


def _check_camunda_extensions(process: etree._Element, issues: IssueCollector) -> None:
    """camunda:inputOutput parameters and mapDecisionResult of business rule tasks."""
    for io in process.iterfind(".//bpmn:extensionElements/camunda:inputOutput", NS):
        node = io.getparent().getparent()
        tag = etree.QName(node).localname
        if tag not in IO_MAPPED_TAGS:
            issues.warning(
                node.get("id"),
                "unsupported_element",
                f"camunda:inputOutput on <{tag}> is not executed (only on "
                "user, manual, script, service, business rule and plain tasks)",
            )
            continue
        for kind, reader in (("input", input_parameters), ("output", output_parameters)):
            _check_io_parameters(node, kind, reader, issues)


def _check_io_parameters(node: etree._Element, kind: str, reader, issues: IssueCollector) -> None:
    tag = "camunda:inputParameter" if kind == "input" else "camunda:outputParameter"
    for param in node.iterfind(f"bpmn:extensionElements/camunda:inputOutput/{tag}", NS):
        if not (param.get("name") or "").strip():
            issues.error(node.get("id"), "condition_refused", f"{kind} parameter without a name")
    try:
        params = reader(node)
    except CamundaParamError as exc:
        code = "script_refused" if "script" in str(exc) else "condition_refused"
        issues.error(node.get("id"), code, f"{kind} parameter: {exc}")
        return
    for name, expression in params.items():
        problem = check_expression(expression)
        if problem:
            issues.error(
                node.get("id"), "condition_refused", f"{kind} parameter {name!r}: {problem}"
            )


def _check_decision_results(process: etree._Element, issues: IssueCollector) -> None:
    mapping_attr = f"{{{NS['camunda']}}}mapDecisionResult"
    for node in process.iter(_q("businessRuleTask")):
        mapping = node.get(mapping_attr)
        if mapping and mapping not in MAP_DECISION_RESULTS:
            issues.error(
                node.get("id"),
                "dmn_unsupported",
                f"mapDecisionResult {mapping!r} is not one of {MAP_DECISION_RESULTS}",
            )


def called_decisions(root: etree._Element) -> list[tuple[str, str | None]]:
    """(business rule task id, decision id) for spiff calledDecisionId / camunda:decisionRef."""
    out = []
    for node in root.iter(_q("businessRuleTask")):
        ref = node.get(f"{{{NS['camunda']}}}decisionRef")
        if ref is None:
            ref = node.findtext(
                "bpmn:extensionElements/spiffworkflow:calledDecisionId", namespaces=NS
            )
        out.append((node.get("id"), (ref or "").strip() or None))
    return out


def call_graph(roots) -> dict[str, list[tuple[str, str]]]:
    """process id -> [(call activity id, called process id)] over every BPMN tree given."""
    graph: dict[str, list[tuple[str, str]]] = {}
    for root in roots:
        for process in executable_processes(root):
            calls = graph.setdefault(process.get("id"), [])
            for node in process.iter(_q("callActivity")):
                called = (node.get("calledElement") or "").strip()
                if called:
                    calls.append((node.get("id"), called))
    return graph


def check_call_cycles(roots, issues: IssueCollector) -> None:
    """Refuse recursion: a call activity whose called process leads back to its own process
    (SpiffWorkflow would expand it without end and the case would never return)."""
    graph = call_graph(roots)
    for process_id, calls in graph.items():
        for activity_id, called in calls:
            path = _path_back(graph, called, process_id)
            if path is not None:
                chain = " -> ".join([process_id, *path])
                issues.error(
                    activity_id,
                    "call_cycle",
                    f"call activity {activity_id!r} calls {called!r}, which leads back to "
                    f"{process_id!r} ({chain}); a process may not call itself",
                )


def _path_back(graph: dict, start: str, target: str) -> list[str] | None:
    """Process ids from `start` to `target` along call activities, or None (iterative DFS)."""
    stack = [(start, [start])]
    seen = set()
    while stack:
        current, path = stack.pop()
        if current == target:
            return path
        if current in seen:
            continue
        seen.add(current)
        for _activity, called in graph.get(current, []):
            stack.append((called, [*path, called]))
    return None


def _check_unsupported(root: etree._Element, issues: IssueCollector) -> None:
    for tag, message in UNSUPPORTED_TAGS.items():
        for node in root.iter(_q(tag)):
            issues.error(element_id_of(node), "unsupported_element", f"<{tag}>: {message}")


def validate_dmn(root: etree._Element, issues: IssueCollector) -> None:
    """Check DMN input expressions, input cells and output cells against the whitelist."""
    ns = etree.QName(root).namespace
    for table in root.iter(f"{{{ns}}}decisionTable"):
        inputs = [
            (inp.findtext(f"{{{ns}}}inputExpression/{{{ns}}}text") or "").strip()
            for inp in table.iter(f"{{{ns}}}input")
        ]
        for expr in inputs:
            problem = check_expression(expr) if expr else "empty input expression"
            if problem:
                issues.error(
                    element_id_of(table),
                    "condition_refused",
                    f"input expression {expr!r}: {problem}{condition_fix(expr) if expr else ''}",
                )
        for rule in table.iter(f"{{{ns}}}rule"):
            cells = rule.findall(f"{{{ns}}}inputEntry")
            for expr, cell in zip(inputs, cells):
                text = (cell.findtext(f"{{{ns}}}text") or "").strip()
                if text and expr and check_expression(expr) is None:  # else reported above
                    _check_cell(rule.get("id"), expr, text, issues)
            for out in rule.findall(f"{{{ns}}}outputEntry"):
                text = (out.findtext(f"{{{ns}}}text") or "").strip()
                problem = check_expression(text) if text else None
                if problem:
                    issues.error(
                        rule.get("id"),
                        "condition_refused",
                        f"output {text!r}: {problem}{condition_fix(text)}",
                    )


def _check_cell(rule_id: str, input_expr: str, cell: str, issues: IssueCollector) -> None:
    """Mirror DMNEngine.evaluate: `?` substitution, plain equality or an operator prefix."""
    if re.search(r"\?", cell):
        candidate = re.sub(r"\?", "dmninputexpr", cell)
    elif check_expression(cell) is None:
        candidate = f"({input_expr}) == ({cell})"
    else:
        candidate = f"dmninputexpr {cell}"
    problem = check_expression(candidate)
    if problem:
        issues.error(rule_id, "condition_refused", f"cell {cell!r}: {problem}; {CELL_FIX}")


CELL_FIX = 'write a value (`"A"`, `3`), a comparison (`>= 6`) or a Python test using `?`'
