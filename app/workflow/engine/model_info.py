"""Read what the application needs from BPMN XML: lanes, user tasks, operators, timers.

The engine ignores assignment attributes (candidate groups, assignee, due date, form key),
so they are read here from the (already safely parsed) XML, for both the spiffworkflow:
and camunda: dialects, and stored with the deployed spec.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from lxml import etree

from .parsing import BPMN_NS, CAMUNDA_NS, NS, SPIFF_NS


@dataclass
class UserTaskInfo:
    """A user task as the application sees it (queue routing, form, SLA)."""

    element_id: str
    name: str | None
    lane: str | None
    form: str | None
    candidate_groups: list[str] = field(default_factory=list)
    assignee: str | None = None
    due: str | None = None
    properties: dict = field(default_factory=dict)
    process_id: str | None = None


@dataclass
class TimerInfo:
    """A timer event: where it is, what kind, its expression, what it is attached to."""

    element_id: str
    kind: str  # duration | date | cycle
    expression: str
    attached_to: str | None = None
    interrupting: bool = True
    process_id: str | None = None


def _q(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def lane_map(process: etree._Element) -> dict[str, str]:
    """element id -> lane name, for every flowNodeRef of every (nested) lane."""
    mapping = {}
    for lane in process.iter(_q("lane")):
        name = lane.get("name") or lane.get("id")
        for ref in lane.findall(_q("flowNodeRef")):
            mapping[(ref.text or "").strip()] = name
    return mapping


def spiff_properties(node: etree._Element) -> dict:
    """spiffworkflow:properties of a task as a dict."""
    props = {}
    for prop in node.iterfind(
        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS
    ):
        props[prop.get("name")] = prop.get("value")
    return props


def camunda_properties(node: etree._Element) -> dict:
    """camunda:properties of a task as a dict."""
    props = {}
    for prop in node.iterfind("bpmn:extensionElements/camunda:properties/camunda:property", NS):
        props[prop.get("name")] = prop.get("value")
    return props


def form_name(form_key: str | None) -> str | None:
    """Normalise a form key (`embedded:app:forms/x.html`, `x.json`, `x`) to a form name."""
    if not form_key:
        return None
    key = form_key.strip().rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    for suffix in (".json", ".html", ".form"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
    return key or None


def _split_groups(value: str | None) -> list[str]:
    return [g.strip() for g in (value or "").split(",") if g.strip()]


def user_tasks(process: etree._Element, lanes: dict[str, str]) -> list[UserTaskInfo]:
    """Every userTask and manualTask (also inside sub-processes; both wait for a person)
    with its assignment attributes."""
    out = []
    for node in process.iter(_q("userTask"), _q("manualTask")):
        props = {**camunda_properties(node), **spiff_properties(node)}
        cam = lambda attr, node=node: node.get(f"{{{CAMUNDA_NS}}}{attr}")  # noqa: E731
        form_key = cam("formKey") or props.get("formKey")
        groups = _split_groups(cam("candidateGroups") or props.get("candidateGroups"))
        out.append(
            UserTaskInfo(
                element_id=node.get("id"),
                name=node.get("name"),
                lane=lanes.get(node.get("id")),
                form=form_name(form_key),
                candidate_groups=groups,
                assignee=cam("assignee") or props.get("assignee"),
                due=cam("dueDate") or props.get("dueDate"),
                properties=props,
                process_id=process.get("id"),
            )
        )
    return out


def service_operator(node: etree._Element) -> str | None:
    """The operator a serviceTask names (spiff extension, camunda topic or type)."""
    op = node.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
    if op is not None:
        return op.get("id")
    topic = node.get(f"{{{CAMUNDA_NS}}}topic")
    ctype = node.get(f"{{{CAMUNDA_NS}}}type")
    return topic or (ctype if ctype and ctype != "external" else None)


def service_tasks(process: etree._Element) -> list[tuple[str, str | None]]:
    """(element id, operator name) for every serviceTask."""
    return [(n.get("id"), service_operator(n)) for n in process.iter(_q("serviceTask"))]


def timers(process: etree._Element) -> list[TimerInfo]:
    """Every timer event definition with its (already quoted) expression."""
    out = []
    kinds = {"timeDuration": "duration", "timeDate": "date", "timeCycle": "cycle"}
    for definition in process.iter(_q("timerEventDefinition")):
        event = definition.getparent()
        for child in definition:
            if isinstance(child.tag, str) and etree.QName(child).localname in kinds:
                out.append(
                    TimerInfo(
                        element_id=event.get("id"),
                        kind=kinds[etree.QName(child).localname],
                        expression=(child.text or "").strip(),
                        attached_to=event.get("attachedToRef"),
                        interrupting=event.get("cancelActivity", "true") != "false",
                        process_id=process.get("id"),
                    )
                )
    return out


def message_names(root: etree._Element) -> list[str]:
    """Names of the messages that catch events/receive tasks wait for."""
    by_id = {m.get("id"): m.get("name") or m.get("id") for m in root.iter(_q("message"))}
    names = []
    for definition in root.iter(_q("messageEventDefinition")):
        parent = etree.QName(definition.getparent()).localname
        if parent in ("intermediateCatchEvent", "boundaryEvent", "startEvent"):
            name = by_id.get(definition.get("messageRef"))
            if name and name not in names:
                names.append(name)
    for task in root.iter(_q("receiveTask")):
        name = by_id.get(task.get("messageRef"))
        if name and name not in names:
            names.append(name)
    return names


def as_dict(info) -> dict:
    """Dataclass -> dict (for spec_json metadata)."""
    return asdict(info)


__all__ = [
    "UserTaskInfo",
    "TimerInfo",
    "lane_map",
    "user_tasks",
    "service_tasks",
    "timers",
    "message_names",
    "form_name",
    "SPIFF_NS",
]
