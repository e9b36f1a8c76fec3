"""The shipped diagrams are drawn cleanly (issues 11 and 13): no shape overlaps another, no
shape lies outside its lane, every flow is drawn with right angles and through no shape but
its own ends. `scripts/layout_bpmn.py` lays them out; the old drawings failed this (17–20
problems each: intake shapes outside the pool, slanted flows through tasks)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("layout_bpmn", ROOT / "scripts" / "layout_bpmn.py")
layout_bpmn = importlib.util.module_from_spec(_spec)
sys.modules["layout_bpmn"] = layout_bpmn
_spec.loader.exec_module(layout_bpmn)


@pytest.mark.parametrize("path", sorted((ROOT / "workflows").glob("*.bpmn")), ids=lambda p: p.stem)
def test_shipped_diagram_is_drawn_cleanly(path):
    assert layout_bpmn.problems(path.read_bytes()) == []


def test_the_check_finds_a_slanted_flow_and_overlapping_shapes():
    from lxml import etree

    root = etree.fromstring((ROOT / "workflows" / "residence_permit.bpmn").read_bytes())
    ns = layout_bpmn.NS
    first = root.find(".//bpmndi:BPMNEdge/di:waypoint", ns)
    first.set("y", str(float(first.get("y")) + 7))  # the first segment is no longer level
    bounds = root.findall(".//bpmndi:BPMNShape/dc:Bounds", ns)
    bounds[-1].set("x", bounds[-2].get("x"))  # one shape onto another
    bounds[-1].set("y", bounds[-2].get("y"))
    found = layout_bpmn.problems(etree.tostring(root))
    assert any("slanted" in p for p in found)
    assert any("overlap" in p for p in found)


def test_layout_keeps_the_process_itself(tmp_path):
    from lxml import etree

    source = ROOT / "workflows" / "business_registration.bpmn"
    copy = tmp_path / "copy.bpmn"
    copy.write_bytes(source.read_bytes())
    laid_out = layout_bpmn.layout(copy)
    ns = {"bpmn": layout_bpmn.NS["bpmn"]}

    def process_of(xml):
        root = etree.fromstring(xml)
        return [etree.tostring(p) for p in root.findall("bpmn:process", ns)]

    assert process_of(laid_out) == process_of(source.read_bytes())
