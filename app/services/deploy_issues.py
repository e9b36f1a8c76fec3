"""What each kind of deploy issue means and how to fix it, in the user's language.

The engine names the element and states the cause in its `message` (English, with the
diagram's own names in it); `explain()` adds `hint`: the kind of problem and the fix, a
translated sentence per issue `code`, shown before the message in the modeler and on the
versions page.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

HINTS = {
    "no_start_event": _l("The process cannot start: give it a start event and check its id."),
    "not_executable": _l(
        "The process is not executable: tick 'Executable' in the process properties."
    ),
    "unknown_lane": _l("A lane must be named after a department code (or mapped to one)."),
    "unassigned_task": _l(
        "Nobody could open this task: put it in a department's lane, set candidate groups, "
        "or choose a default department when deploying."
    ),
    "missing_form": _l("The task names a form that does not exist: choose an existing form."),
    "unknown_operator": _l("The service task must name one of the listed operators."),
    "script_refused": _l("The script is not allowed: rewrite it in plain Python."),
    "condition_refused": _l(
        "The condition or expression is not allowed: write it in Python (FEEL is not run)."
    ),
    "unsupported_element": _l("This element is not supported: model it another way."),
    "ignored_extension": _l("This setting is not applied when the process runs."),
    "dmn_unsupported": _l("This part of the decision table is not supported as written."),
    "missing_decision": _l("The business rule task must name a decision of the DMN files."),
    "decision_cycle": _l("Decisions may not require each other in a circle."),
    "call_cycle": _l("A process may not call itself."),
    "duplicate_id": _l("Two elements share an id: give one of them another id."),
    "bad_timer": _l("The timer must be an ISO 8601 duration, date or cycle (e.g. P5D)."),
    "outcome_rule": _l("The outcome rule does not fit the diagram: check its end events."),
    "reserved_form_field": _l("A form field takes a name the system uses: rename the field."),
    "invalid_bpmn": _l("The workflow library cannot run this element as drawn."),
    "xml_parse": _l("The file is not valid BPMN or DMN XML."),
    "xml_entities": _l("Files with DOCTYPE or entity declarations are refused."),
    "too_large": _l("The file is too large."),
}


def explain(issue: dict) -> dict:
    """The issue dict with `hint` (translated; empty for an unknown code)."""
    hint = HINTS.get(issue.get("code"))
    return {**issue, "hint": str(hint) if hint is not None else ""}


def explain_all(issues) -> list[dict]:
    """`explain` over ValidationIssues or their dicts."""
    return [explain(i if isinstance(i, dict) else i.as_dict()) for i in issues or []]
