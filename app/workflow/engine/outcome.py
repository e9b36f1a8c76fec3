"""How a finished process says how its case was decided.

The product's own diagrams set `decision` ('approved' or 'rejected') from a task form or a
script; a process that ends without it is an incident (nobody decided the case). A diagram
from another tool knows nothing of `decision`, so its deploy may carry an outcome rule:

    {"variable": "outcome",                          # a process variable holding
                                                     #   'approved' / 'rejected'
     "end_events": {"EndEvent_paid": "approved",     # or the end event reached
                    "EndEvent_refused": "rejected"},
     "otherwise": "completed"}                       # neither: 'completed' (neutral)
                                                     #   or 'incident' (the default)

The rule is applied in that order, after `decision`. A department that said no in the
product's review form (`<lane>_approved` false) is never overruled by the end event the
process happened to reach, nor by 'otherwise': a diagram that does not route on the refusal
still ends 'rejected'. An unknown outcome is never read as a rejection: it is 'completed',
shown as such on the case, or an incident.
"""

from __future__ import annotations

from lxml import etree

from .errors import IssueCollector
from .parsing import BPMN_NS

DECISIONS = ("approved", "rejected")
NEUTRAL = "completed"
OTHERWISE = ("incident", NEUTRAL)


def check_outcome_rule(rule: dict | None, roots, issues: IssueCollector) -> dict:
    """The rule, normalised; every problem (unknown end event, bad value) is an error."""
    rule = dict(rule or {})
    unknown = set(rule) - {"variable", "end_events", "otherwise"}
    if unknown:
        issues.error(None, "outcome_rule", f"unknown outcome rule keys: {sorted(unknown)}")
    ends = {n.get("id") for root in roots for n in root.iter(f"{{{BPMN_NS}}}endEvent")}
    mapping = dict(rule.get("end_events") or {})
    for end, value in mapping.items():
        if end not in ends:
            known = ", ".join(sorted(e for e in ends if e))
            issues.error(
                end, "outcome_rule", f"end event {end!r} is not in the diagram (ends: {known})"
            )
        if value not in DECISIONS:
            issues.error(end, "outcome_rule", f"{value!r} must be one of {DECISIONS}")
    otherwise = rule.get("otherwise") or "incident"
    if otherwise not in OTHERWISE:
        issues.error(None, "outcome_rule", f"'otherwise' must be one of {OTHERWISE}")
    variable = (rule.get("variable") or "").strip() or None
    if variable is not None and not variable.isidentifier():
        issues.error(None, "outcome_rule", f"outcome variable {variable!r} is not a name")
    return {"variable": variable, "end_events": mapping, "otherwise": otherwise}


def decide(data: dict, reached_ends: list[str], rule: dict | None) -> str | None:
    """'approved' / 'rejected' / 'completed', or None (no rule gives one: an incident)."""
    if data.get("decision") in DECISIONS:
        return data["decision"]
    rule = rule or {}
    variable = rule.get("variable")
    if variable and data.get(variable) in DECISIONS:
        return data[variable]
    mapping = rule.get("end_events") or {}
    by_rule = next((mapping[end] for end in reversed(reached_ends) if end in mapping), None)
    if by_rule is None and rule.get("otherwise") == NEUTRAL:
        by_rule = NEUTRAL
    refused = any(k.endswith("_approved") and v is False for k, v in data.items())
    return "rejected" if refused and by_rule in ("approved", NEUTRAL) else by_rule


def end_event_ids(root: etree._Element) -> list[str]:
    """The end events of a diagram (what an administrator maps)."""
    return [n.get("id") for n in root.iter(f"{{{BPMN_NS}}}endEvent") if n.get("id")]
