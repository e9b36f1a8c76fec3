"""What an uploaded diagram names that a deploy may have to map, and how two versions of a
diagram differ: read from the XML (parsed safely) before anything is deployed."""

from __future__ import annotations

import difflib

from lxml import etree

from .juel import is_juel
from .model_info import lane_map, user_tasks
from .parsing import BPMN_NS, XmlRefused, safe_parse_xml
from .validation import executable_processes


def summarise(content: bytes) -> dict:
    """The diagram's executable process ids, lane names, literal candidate groups, form
    names of its human tasks and end events. XmlRefused if it is not safe, readable XML."""
    root = safe_parse_xml(content)
    processes = executable_processes(root)
    if not processes:
        raise XmlRefused("no_start_event", "the file holds no BPMN process")
    lanes, groups, form_names, ends = [], [], [], []
    for process in processes:
        for lane in process.iter(f"{{{BPMN_NS}}}lane"):
            name = (lane.get("name") or lane.get("id") or "").strip()
            if name and name not in lanes:
                lanes.append(name)
        for task in user_tasks(process, lane_map(process)):
            for group in task.candidate_groups:
                if not is_juel(group) and group not in groups:
                    groups.append(group)
            if task.form and task.form not in form_names:
                form_names.append(task.form)
        for end in process.iter(f"{{{BPMN_NS}}}endEvent"):
            ends.append({"id": end.get("id"), "name": end.get("name") or ""})
    return {
        "process_ids": [p.get("id") for p in processes],
        "lanes": lanes,
        "groups": groups,
        "forms": form_names,
        "end_events": ends,
    }


def _elements(content: str) -> dict[str, str]:
    """id -> a canonical text of the element's tag and attributes (children aside)."""
    root = safe_parse_xml(content.encode("utf-8"))
    out = {}
    for node in root.iter():
        if not isinstance(node.tag, str) or node.get("id") is None:
            continue
        attrs = " ".join(f"{k}={v}" for k, v in sorted(node.attrib.items()))
        text = (node.text or "").strip()
        out[node.get("id")] = f"{etree.QName(node).localname} {attrs} {text}"
    return out


def diff(old: str, new: str) -> dict:
    """How `new` differs from `old`: element ids added, removed and changed (an attribute or
    its text), and the line diff of the XML as an HTML table (difflib)."""
    a, b = _elements(old), _elements(new)
    table = difflib.HtmlDiff(wrapcolumn=90).make_table(
        old.splitlines(), new.splitlines(), "old", "new", context=True, numlines=2
    )
    return {
        "added": sorted(set(b) - set(a)),
        "removed": sorted(set(a) - set(b)),
        "changed": sorted(i for i in set(a) & set(b) if a[i] != b[i]),
        "table": table,
    }
