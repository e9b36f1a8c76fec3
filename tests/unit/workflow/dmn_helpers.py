"""Builders for small DMN files and BPMN diagrams that call them (engine-layer tests)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from wf_helpers import mini_bpmn

DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def decision(
    decision_id: str,
    inputs: list[str],
    output: str,
    rules: list[tuple],
    hit_policy: str = "UNIQUE",
    extra: str = "",
    table_attrs: str = "",
) -> str:
    """A <decision> with one table; each rule is (input cells..., output cell)."""
    ins = "".join(
        f'<input id="{decision_id}_in{i}"><inputExpression id="{decision_id}_ie{i}">'
        f"<text>{escape(expr)}</text></inputExpression></input>"
        for i, expr in enumerate(inputs)
    )
    body = ""
    for r, rule in enumerate(rules):
        cells = "".join(
            f'<inputEntry id="{decision_id}_r{r}_c{c}"><text>{escape(cell)}</text></inputEntry>'
            for c, cell in enumerate(rule[:-1])
        )
        body += (
            f'<rule id="{decision_id}_r{r}">{cells}<outputEntry id="{decision_id}_r{r}_o">'
            f"<text>{escape(rule[-1])}</text></outputEntry></rule>"
        )
    return (
        f'<decision id="{decision_id}" name="{decision_id}">{extra}'
        f'<decisionTable id="{decision_id}_table" hitPolicy="{hit_policy}" {table_attrs}>'
        f'{ins}<output id="{decision_id}_out" name="{output}"/>{body}</decisionTable></decision>'
    )


def dmn_file(*decisions: str) -> bytes:
    """A DMN 1.3 definitions document around `decisions`."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><definitions xmlns="{DMN_NS}" id="defs_dmn" '
        f'name="d" namespace="http://example">{"".join(decisions)}</definitions>'
    ).encode()


def rule_chain_bpmn(decision_ids: list[str]) -> bytes:
    """start -> one spiff business rule task per decision id -> end."""
    body = '<bpmn:startEvent id="start"/>'
    previous = "start"
    for i, did in enumerate(decision_ids):
        body += (
            f'<bpmn:businessRuleTask id="rule_{i}"><bpmn:extensionElements>'
            f"<spiffworkflow:calledDecisionId>{did}</spiffworkflow:calledDecisionId>"
            "</bpmn:extensionElements></bpmn:businessRuleTask>"
            f'<bpmn:sequenceFlow id="f{i}" sourceRef="{previous}" targetRef="rule_{i}"/>'
        )
        previous = f"rule_{i}"
    body += (
        f'<bpmn:endEvent id="end"/>'
        f'<bpmn:sequenceFlow id="f_end" sourceRef="{previous}" targetRef="end"/>'
    )
    return mini_bpmn(body)
