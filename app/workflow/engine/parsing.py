"""Safe XML loading and pre-parse rewriting of BPMN/DMN files.

Every file is parsed with lxml without DTDs, entities or network (any DOCTYPE is refused),
then rewritten in place before SpiffWorkflow sees it:
* bare timer literals (`P5D`, `R6/P1D`, `2026-12-01T00:00:00Z`) are quoted,
* JUEL conditions (`${!approved}`) are translated into Python,
* `dataStore`/`dataStoreReference` elements and their associations are removed (warning),
* DMN FEEL ranges (`[250..1000]`) and lists (`"a","b"`) become Python tests (warning).
"""

from __future__ import annotations

import re

from lxml import etree

from .errors import IssueCollector
from .juel import JuelError, is_juel, translate_juel

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
)
NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS, "spiffworkflow": SPIFF_NS}
MAX_FILE_BYTES = 2 * 1024 * 1024

_ISO_TIMER = re.compile(
    r"^(R\d*/)?("
    r"P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"
    r"|\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"
    r")(/P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?)?$"
)


class XmlRefused(Exception):
    """A file was refused before parsing; `code` is the ValidationIssue code."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def safe_parse_xml(content: bytes) -> etree._Element:
    """Parse untrusted XML: size-limited, no DOCTYPE, no entities, no network."""
    if len(content) > MAX_FILE_BYTES:
        raise XmlRefused("too_large", f"file is {len(content)} bytes (limit {MAX_FILE_BYTES})")
    head = content[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in content.lower():
        raise XmlRefused("xml_entities", "DOCTYPE and entity declarations are refused")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise XmlRefused("xml_parse", f"XML does not parse: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise XmlRefused("xml_entities", "DOCTYPE is refused")
    return root


def file_kind(root: etree._Element) -> str:
    """'bpmn', 'dmn' or 'unknown' from the root element's namespace."""
    ns = etree.QName(root).namespace or ""
    if ns == BPMN_NS:
        return "bpmn"
    if ns in DMN_NAMESPACES or "DMN" in ns.upper():
        return "dmn"
    return "unknown"


def _uses(root: etree._Element, namespace: str) -> list[etree._Element]:
    """Elements that are in `namespace` or carry an attribute of it (declarations of the
    namespace alone do not count: modelers declare namespaces they never use)."""
    prefix = f"{{{namespace}}}"
    return [
        node
        for node in root.iter()
        if isinstance(node.tag, str)
        and (node.tag.startswith(prefix) or any(k.startswith(prefix) for k in node.attrib))
    ]


def is_camunda(root: etree._Element) -> bool:
    """True when the file uses camunda: attributes/elements (Camunda Modeler 7 style)."""
    return bool(_uses(root, CAMUNDA_NS))


# camunda: attributes / extension elements that only the Camunda parser executes
CAMUNDA_EXECUTED = {
    "collection": "multi-instance collection",
    "elementVariable": "multi-instance element variable",
    "resultVariable": "result variable",
    "mapDecisionResult": "decision result mapping",
    "topic": "external task topic",
    "type": "service task type",
    "inputOutput": "input/output mapping",
    "formData": "generated form",
}


def choose_flavour(roots: list[etree._Element], issues: IssueCollector) -> str:
    """The parser a bundle needs, from what its files *use*: 'camunda' when they use camunda:
    extensions and no spiffworkflow: ones, else 'spiff'. In a mixed bundle the spiff parser
    runs: a camunda:decisionRef is copied into spiffworkflow:calledDecisionId (so it still
    works), and every other camunda: feature only the Camunda parser executes is a warning
    naming the element (never dropped silently)."""
    camunda = [n for root in roots for n in _uses(root, CAMUNDA_NS)]
    if not camunda:
        return "spiff"
    if not any(_uses(root, SPIFF_NS) for root in roots):
        return "camunda"
    for node in camunda:
        for key in [node.tag, *node.attrib]:
            qname = etree.QName(key)
            if qname.namespace != CAMUNDA_NS:
                continue
            if qname.localname == "decisionRef":
                _copy_decision_ref(node, node.get(key))
            elif qname.localname in CAMUNDA_EXECUTED:
                issues.warning(
                    element_id_of(node),
                    "unsupported_element",
                    f"camunda:{qname.localname} ({CAMUNDA_EXECUTED[qname.localname]}) is not "
                    "executed: this file also uses spiffworkflow: extensions, so the "
                    "SpiffWorkflow parser reads it; use one modeler's extensions",
                )
    return "spiff"


def _copy_decision_ref(node: etree._Element, ref: str) -> None:
    """Add spiffworkflow:calledDecisionId = camunda:decisionRef to a business rule task."""
    extensions = node.find(f"{{{BPMN_NS}}}extensionElements")
    if extensions is None:
        extensions = etree.Element(f"{{{BPMN_NS}}}extensionElements")
        node.insert(0, extensions)
    if extensions.find(f"{{{SPIFF_NS}}}calledDecisionId") is None:
        etree.SubElement(extensions, f"{{{SPIFF_NS}}}calledDecisionId").text = ref


def element_id_of(node: etree._Element) -> str | None:
    """The id of the nearest ancestor-or-self element that carries one."""
    while node is not None:
        if node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


def is_iso_timer(text: str) -> bool:
    """True when `text` is an ISO 8601 duration, date-time or repeating interval."""
    return bool(_ISO_TIMER.match(text.strip()))


def _unquote(text: str) -> str | None:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return None


def rewrite_timers(root: etree._Element, issues: IssueCollector) -> None:
    """Quote bare ISO literals; report malformed literals as bad_timer."""
    from .expressions import check_expression
    from .timer_hints import timer_fix

    for tag in ("timeDuration", "timeDate", "timeCycle"):
        for node in root.iter(f"{{{BPMN_NS}}}{tag}"):
            text = (node.text or "").strip()
            eid = element_id_of(node)
            literal = _unquote(text)
            if literal is None and is_iso_timer(text):
                node.text = f'"{text}"'
                continue
            if literal is not None:
                if not is_iso_timer(literal):
                    issues.error(
                        eid,
                        "bad_timer",
                        f"{tag} {literal!r} is not ISO 8601: {timer_fix(tag, literal)}",
                    )
                continue
            if not text:
                problem = "it is empty"
            elif text.startswith("${"):
                problem = "JUEL is not evaluated"
            else:
                problem = check_expression(text)
            if problem is not None:
                issues.error(
                    eid,
                    "bad_timer",
                    f"{tag} {text!r} is neither ISO 8601 nor an allowed expression "
                    f"({problem}): {timer_fix(tag, text)}",
                )


def rewrite_juel(root: etree._Element, issues: IssueCollector) -> None:
    """Translate `${...}` condition expressions into Python (condition_refused on failure)."""
    for node in root.iter(f"{{{BPMN_NS}}}conditionExpression", f"{{{BPMN_NS}}}condition"):
        text = (node.text or "").strip()
        if is_juel(text):
            try:
                node.text = translate_juel(text)
            except JuelError as exc:
                issues.error(
                    element_id_of(node),
                    "condition_refused",
                    f"JUEL {text!r} cannot be translated: {exc}",
                )


def strip_data_stores(root: etree._Element, issues: IssueCollector) -> None:
    """Remove data stores (unsupported) and associations that point at them (warning)."""
    refs = set()
    for tag in ("dataStore", "dataStoreReference"):
        for node in list(root.iter(f"{{{BPMN_NS}}}{tag}")):
            refs.add(node.get("id"))
            issues.warning(
                node.get("id"), "unsupported_element", f"<{tag}> is not supported and was ignored"
            )
            node.getparent().remove(node)
    if not refs:
        return
    for tag in ("dataInputAssociation", "dataOutputAssociation"):
        for node in list(root.iter(f"{{{BPMN_NS}}}{tag}")):
            linked = {
                (c.text or "").strip()
                for c in node
                if isinstance(c.tag, str) and etree.QName(c).localname in ("sourceRef", "targetRef")
            }
            if linked & refs:
                node.getparent().remove(node)
    for shape in list(
        root.iter(
            "{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape",
            "{http://www.omg.org/spec/BPMN/20100524/DI}BPMNEdge",
        )
    ):
        if shape.get("bpmnElement") in refs:
            shape.getparent().remove(shape)


_FEEL_RANGE = re.compile(r"^\s*([\[\(\]])\s*(.+?)\s*\.\.\s*(.+?)\s*([\]\)\[])\s*$")


def translate_feel_cell(text: str) -> str | None:
    """Python for a FEEL range/list input cell, or None when the cell needs no change."""
    match = _FEEL_RANGE.match(text)
    if match:
        left, low, high, right = match.groups()
        low_op = "<=" if left == "[" else "<"
        high_op = "<=" if right == "]" else "<"
        return f"{low} {low_op} ? {high_op} {high}"
    parts = _split_top_level_commas(text)
    if len(parts) > 1:
        return f"? in ({', '.join(parts)},)"
    return None


def _split_top_level_commas(text: str) -> list[str]:
    parts, depth, quote, current = [], 0, None, ""
    for ch in text:
        if quote:
            current += ch
            quote = None if ch == quote else quote
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += ch
    parts.append(current.strip())
    return [p for p in parts if p]


def rewrite_dmn(root: etree._Element, issues: IssueCollector) -> None:
    """Translate FEEL ranges/lists, report unsupported hit policies (warnings)."""
    ns = etree.QName(root).namespace
    for table in root.iter(f"{{{ns}}}decisionTable"):
        policy = (table.get("hitPolicy") or "UNIQUE").upper()
        if policy not in ("UNIQUE", "FIRST", "COLLECT"):
            issues.warning(
                element_id_of(table),
                "dmn_unsupported",
                f"hit policy {policy} is not supported; evaluated as FIRST match",
            )
            table.set("hitPolicy", "UNIQUE")
        elif policy == "FIRST":
            table.set("hitPolicy", "UNIQUE")  # the engine's UNIQUE is first-match
    for entry in root.iter(f"{{{ns}}}inputEntry"):
        text_node = entry.find(f"{{{ns}}}text")
        if text_node is None or not (text_node.text or "").strip():
            continue
        text = text_node.text.strip()
        if text == "-":
            text_node.text = None  # "-" (any value): an empty cell matches everything
            continue
        translated = translate_feel_cell(text)
        if translated is not None:
            issues.warning(
                element_id_of(entry),
                "dmn_unsupported",
                f"FEEL cell {text!r} translated to {translated!r}",
            )
            text_node.text = translated
