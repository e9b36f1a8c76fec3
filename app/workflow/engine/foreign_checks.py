"""Deploy-time checks aimed at diagrams drawn for other engines (Camunda 7/8, bpmn.io).

* `feel_hint`: the Python form of a FEEL condition (`= approved` -> `approved == True`),
  appended to the refusal so the administrator knows what to write; `condition_fix` is
  that hint or, for any other refused condition, what an accepted one looks like;
* `java_implementation`: a service task's `camunda:class` / `delegateExpression` /
  `expression` (Java code that cannot run here), named in the refusal;
* `check_ignored_camunda`: Camunda features the product does not execute — call activity
  in/out mappings, task and execution listeners, job retry cycles, due dates other than
  working-day durations — each a warning naming the element (never dropped silently).
"""

from __future__ import annotations

import ast
import re

from lxml import etree

from .errors import IssueCollector
from .parsing import BPMN_NS, NS


def _q(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def feel_hint(text: str) -> str:
    """The fix for a FEEL expression (`= approved`, Camunda 8 / bpmn.io) written where Python
    is expected, or '' when the text does not look like FEEL."""
    text = text.strip()
    if not text.startswith("=") or text.startswith("=="):
        return ""
    body = text[1:].strip()
    python = f"{body} == True" if body.isidentifier() else re.sub(r"(?<![<>!=])=(?!=)", "==", body)
    return f"; this is a FEEL expression: write Python instead, e.g. `{python}`"


CONDITION_EXAMPLE = "amount > 1000 and approved == True"


def condition_fix(text: str) -> str:
    """The fix appended to a refused condition: the FEEL hint when it looks like FEEL, the
    subscript form of `item.x` (attribute access is refused, keys are not), else what a
    condition the sandbox evaluates looks like."""
    subscripted = subscript_form(text)
    if subscripted is not None:
        return f"; read the data with keys instead: write `{subscripted}`"
    return feel_hint(text) or (
        "; write a plain Python expression over the process data (names, literals, "
        f"comparisons, and/or/not, simple calls), e.g. `{CONDITION_EXAMPLE}`"
    )


class _AttributesToKeys(ast.NodeTransformer):
    """`item.x` -> `item['x']` where the attribute is read, not called."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        node.args = [self.visit(a) for a in node.args]
        node.keywords = [self.visit(k) for k in node.keywords]
        if isinstance(node.func, ast.Attribute):  # a method call stays a method call
            node.func.value = self.visit(node.func.value)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        value = self.visit(node.value)
        return ast.Subscript(value=value, slice=ast.Constant(node.attr), ctx=node.ctx)


def subscript_form(text: str) -> str | None:
    """`item.x > 1` -> "item['x'] > 1" when that form is accepted by the expression whitelist
    (None when there is no attribute read to rewrite or the rewrite is still refused)."""
    from .expressions import check_expression

    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return None
    if not any(isinstance(n, ast.Attribute) for n in ast.walk(tree)):
        return None
    rewritten = ast.unparse(ast.fix_missing_locations(_AttributesToKeys().visit(tree)))
    if rewritten == ast.unparse(ast.parse(text.strip(), mode="eval")):
        return None
    return rewritten if check_expression(rewritten) is None else None


def java_implementation(process: etree._Element, element_id: str) -> str | None:
    """'camunda:class X' (or expression / delegateExpression) of a service task, if any."""
    for node in process.iter(_q("serviceTask"), _q("sendTask")):
        if node.get("id") != element_id:
            continue
        for attr in ("class", "delegateExpression", "expression"):
            value = node.get(f"{{{NS['camunda']}}}{attr}")
            if value:
                return f"camunda:{attr} {value!r}"
    return None


IGNORED_CAMUNDA = {
    "in": "camunda:in/out variable mappings are not applied: the called process receives "
    "all of the caller's data and returns all of its own",
    "out": None,  # reported with camunda:in
    "taskListener": "task listeners are not run",
    "executionListener": "execution listeners are not run",
    "failedJobRetryTimeCycle": "job retry cycles are not applied",
}


def check_ignored_camunda(process: etree._Element, issues: IssueCollector) -> None:
    """Camunda 7 features the product does not execute, each a warning naming the element
    (never dropped silently): call activity in/out mappings, listeners, due dates the
    product cannot compute."""
    reported = set()
    for node in process.iterfind(".//bpmn:extensionElements/*", NS):
        qname = etree.QName(node)
        if qname.namespace != NS["camunda"] or qname.localname not in IGNORED_CAMUNDA:
            continue
        owner = node.getparent().getparent().get("id")
        kind = "in" if qname.localname == "out" else qname.localname
        if (owner, kind) in reported:
            continue
        reported.add((owner, kind))
        issues.warning(
            owner, "ignored_extension", f"camunda:{qname.localname}: {IGNORED_CAMUNDA[kind]}"
        )
    for node in process.iter(_q("userTask")):
        for attr in ("dueDate", "followUpDate"):
            value = (node.get(f"{{{NS['camunda']}}}{attr}") or "").strip()
            if value and not re.match(r"^P(\d+W)?(\d+D)?$", value.strip("'\"")):
                issues.warning(
                    node.get("id"),
                    "ignored_extension",
                    f"camunda:{attr} {value!r} is not applied (only working-day durations such "
                    "as P5D are); the case's statutory due date applies",
                )
