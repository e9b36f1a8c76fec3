"""DMN structure checks and the split of multi-decision files, before SpiffWorkflow sees them.

SpiffWorkflow 3.2 reads one decision per DMN file (a second one makes the parse fail), takes
only the first decision table of a decision, never evaluates `requiredDecision` chains and
knows no literal-expression decisions. So, at deploy:
* a file with several decisions is split into one document per decision (warning), so that
  every decision can be called by its id;
* `requiredDecision` chains are evaluated by `dmn_chain.py` (missing required decisions and
  cycles are refused there);
* a decision without a decision table (literal expression, ...) is refused (error);
* COLLECT with an aggregation (SUM, COUNT, ...) is reported (warning: a list is returned).
Hit policies and FEEL cells are handled in `parsing.rewrite_dmn`.
"""

from __future__ import annotations

import copy

from lxml import etree

from .errors import IssueCollector


def decisions_of(root: etree._Element) -> list[etree._Element]:
    """The top-level <decision> elements of a DMN definitions tree."""
    ns = etree.QName(root).namespace
    return list(root.iterfind(f"{{{ns}}}decision"))


def check_dmn_structure(root: etree._Element, name: str, issues: IssueCollector) -> None:
    """Record unsupported DMN constructs of one file (see the module docstring)."""
    ns = etree.QName(root).namespace
    decisions = decisions_of(root)
    if not decisions:
        issues.error(name, "dmn_unsupported", "the DMN file holds no decision")
    if len(decisions) > 1:
        ids = ", ".join(d.get("id") or "?" for d in decisions)
        issues.warning(
            name,
            "dmn_unsupported",
            f"{len(decisions)} decisions in one file ({ids}): split into one document per decision",
        )
    for decision in decisions:
        did = decision.get("id")
        tables = decision.findall(f"{{{ns}}}decisionTable")
        if not tables:
            kinds = sorted(
                {etree.QName(c).localname for c in decision if isinstance(c.tag, str)}
                - {
                    "informationRequirement",
                    "authorityRequirement",
                    "variable",
                    "description",
                    "extensionElements",
                }
            )
            issues.error(
                did,
                "dmn_unsupported",
                f"decision has no decision table ({', '.join(kinds) or 'empty'}); "
                "only decision tables are supported",
            )
        elif len(tables) > 1:
            issues.warning(did, "dmn_unsupported", "only the first decision table is used")
        for table in tables:
            if table.get("aggregation"):
                issues.warning(
                    table.get("id") or did,
                    "dmn_unsupported",
                    f"COLLECT aggregation {table.get('aggregation')} is not "
                    "supported; the outputs are returned as lists",
                )


def split_decisions(root: etree._Element) -> list[etree._Element]:
    """One DMN definitions tree per decision (the tree itself when it has at most one)."""
    decisions = decisions_of(root)
    if len(decisions) <= 1:
        return [root]
    parts = []
    for keep in decisions:
        part = copy.deepcopy(root)
        for decision in decisions_of(part):
            if decision.get("id") != keep.get("id"):
                part.remove(decision)
        parts.append(part)
    return parts
