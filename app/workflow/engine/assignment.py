"""Who may open a human task: checked at deploy, resolved when the task becomes ready.

A user or manual task resolves to a department through, in order: its lane (named after a
department code, or mapped to one at deploy), its candidate groups (`camunda:candidateGroups`
or the `candidateGroups` property: department codes, names mapped at deploy, or `${expr}`
evaluated against the process data when the task becomes ready), its assignee (a username,
literal or `${expr}`), or the deploy's default department for tasks outside any lane. A task
that resolves to nobody is refused at deploy (`unassigned_task`), naming the task.

`assignments` maps a lane or group name of a foreign diagram to a department code; it is
applied to the XML before validation (lanes) and stored with the spec (groups evaluated at
run time go through it too).
"""

from __future__ import annotations

from lxml import etree

from .errors import IssueCollector
from .juel import JuelError, is_juel, translate_juel
from .model_info import UserTaskInfo
from .parsing import BPMN_NS

LEAD_GROUP = "lead"  # with a lane: only the department's leads may take the task
APPLICANT_LANE = "applicant"


def map_lanes(root: etree._Element, assignments: dict[str, str]) -> None:
    """Rename lanes whose name the deploy maps to a department code."""
    for lane in root.iter(f"{{{BPMN_NS}}}lane"):
        name = (lane.get("name") or "").strip()
        if name in assignments:
            lane.set("name", assignments[name])


def _expression(value: str) -> str | None:
    """The Python expression of a `${...}` value, or None for a literal."""
    value = value.strip()
    if not is_juel(value):
        return None
    return translate_juel(value)


def check_assignments(
    tasks: list[UserTaskInfo],
    issues: IssueCollector,
    *,
    departments: set[str],
    assignments: dict[str, str],
    default_department: str | None,
) -> None:
    """Refuse tasks nobody could open; map literal groups; apply the default department."""
    from .expressions import check_expression

    for task in tasks:
        label = f"task {task.name or task.element_id!r}"
        groups, dynamic = [], False
        for group in task.candidate_groups:
            try:
                expression = _expression(group)
            except JuelError as exc:
                issues.error(task.element_id, "unassigned_task", f"{label}: {group!r}: {exc}")
                continue
            if expression is not None:
                problem = check_expression(expression)
                if problem:
                    issues.error(
                        task.element_id,
                        "unassigned_task",
                        f"{label}: candidate groups {group!r}: {problem}",
                    )
                dynamic = True
                groups.append(group)
                continue
            groups.append(assignments.get(group, group))
        task.candidate_groups = groups
        if task.assignee and is_juel(task.assignee):
            dynamic = True
        if task.lane == APPLICANT_LANE or task.lane in departments:
            continue
        if any(g in departments for g in groups):
            continue
        if default_department:  # also the fallback of an expression resolving to nobody
            task.candidate_groups = [*groups, default_department]
            continue
        if dynamic or task.assignee:
            continue
        unknown = [g for g in groups if g != LEAD_GROUP]
        why = (
            f"its candidate groups {', '.join(unknown)} are not department codes"
            if unknown
            else "it is in no lane and names no candidate group or assignee"
        )
        issues.error(
            task.element_id,
            "unassigned_task",
            f"{label} cannot reach anyone: {why}. Put it in a lane named after a department, "
            "set camunda:candidateGroups to a department code (or ${expression}), map its "
            "lane or group to a department, or choose a default department at deploy",
        )


def resolve(values: list[str], evaluate, assignments: dict[str, str]) -> list[str]:
    """Candidate groups with `${expr}` items evaluated (`evaluate(python_expr)`; a result
    may be a list or a comma-separated string) and names mapped to department codes."""
    out: list[str] = []
    for value in values:
        expression = _expression(value)
        if expression is None:
            items = [value]
        else:
            result = evaluate(expression)
            if isinstance(result, (list, tuple, set)):
                items = [str(v) for v in result]
            else:
                items = [v.strip() for v in str(result or "").split(",")]
        out += [assignments.get(v, v) for v in items if v]
    return out


def resolve_assignee(value: str | None, evaluate) -> str | None:
    """The assignee username, `${expr}` evaluated."""
    if not value:
        return None
    expression = _expression(value)
    if expression is None:
        return value
    result = evaluate(expression)
    return str(result) if result else None
