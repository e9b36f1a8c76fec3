"""Lay out a BPMN file's diagram (its BPMN-DI) cleanly: pools and lanes as horizontal bands,
flow nodes in columns by their order in the process, edges drawn with right angles only,
vertical segments in the gaps between columns and horizontal ones in free rows or in the
corridors along a lane's edges, so that no shape overlaps another and no flow is drawn
through a task. The process itself (ids, flows, extensions) is not touched.

A developer's tool for the shipped diagrams (bpmn-auto-layout, the bpmn.io layouter, does not
handle pools and lanes); `tests/unit/workflow/test_diagram_layout.py` checks the result.

    .venv/bin/python scripts/layout_bpmn.py workflows/*.bpmn [--check]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway"}
COLUMN = 160  # a column: a task (100) and the gap before the next one
ROW = 140  # a row: a task (80) and room for labels and boundary events below it
POOL_X, POOL_Y, POOL_GAP = 100, 60, 40
HEADER = 30  # a pool's and a lane's name band
CORRIDOR = 18  # the free band along a lane's top and bottom edges, for long flows
FIRST_X = POOL_X + 2 * HEADER + 40


def size_of(kind: str) -> tuple[int, int]:
    """Width and height of a flow node's shape."""
    if kind in EVENTS or kind == "boundaryEvent":
        return 36, 36
    if kind in GATEWAYS:
        return 50, 50
    return 100, 80


@dataclass
class Node:
    """A flow node and where it goes."""

    id: str
    kind: str
    lane: str
    rank: int = 0
    row: int = 0
    host: str | None = None  # a boundary event's task
    cx: float = 0.0
    cy: float = 0.0

    @property
    def box(self) -> tuple[float, float, float, float]:
        w, h = size_of(self.kind)
        return self.cx - w / 2, self.cy - h / 2, w, h


@dataclass
class Band:
    """A lane (or a pool without lanes) as a horizontal band."""

    id: str
    pool: str
    rows: int = 1
    top: float = 0.0
    height: float = 0.0
    nodes: list[str] = field(default_factory=list)


def _local(el) -> str:
    return etree.QName(el).localname


def _ranks(nodes: dict[str, Node], flows: list[tuple[str, str, str]]) -> None:
    """Longest-path columns over the flows, back edges (loops) ignored; a boundary event
    takes its task's column."""
    succ = defaultdict(list)
    for _fid, s, t in flows:
        succ[s].append(t)
    for n in nodes.values():
        if n.host:
            succ[n.host].append(n.id)
    indeg = defaultdict(int)
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}

    def dfs(start: str) -> None:
        stack = [(start, iter(succ[start]))]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succ[nxt])))

    starts = [n.id for n in nodes.values() if n.kind == "startEvent"]
    for s in starts + list(nodes):
        if s not in state:
            dfs(s)
    edges = [(s, t) for s, ts in succ.items() for t in ts if (s, t) not in back]
    for _s, t in edges:
        indeg[t] += 1
    order = [n for n in nodes if indeg[n] == 0]
    rank = dict.fromkeys(nodes, 0)
    i = 0
    while i < len(order):
        s = order[i]
        i += 1
        for s2, t in edges:
            if s2 != s:
                continue
            step = 0 if nodes[t].host == s else 1
            rank[t] = max(rank[t], rank[s] + step)
            indeg[t] -= 1
            if indeg[t] == 0:
                order.append(t)
    for nid, r in rank.items():
        nodes[nid].rank = r


def _rows(nodes: dict[str, Node], flows, bands: dict[str, Band]) -> None:
    """Each node's row in its lane: its first predecessor's row when that cell is free, the
    next free row otherwise (targets of a boundary event one row below its task)."""
    pred = defaultdict(list)
    for _fid, s, t in flows:
        pred[t].append(s)
    taken: set[tuple[str, int, int]] = set()
    for node in sorted(nodes.values(), key=lambda n: (n.rank, n.id)):
        if node.host:
            continue
        want = 0
        for p in pred[node.id]:
            src = nodes[p]
            if src.host:
                want = nodes[src.host].row + 1 if nodes[src.host].lane == node.lane else 0
                break
            if src.lane == node.lane:
                want = src.row
                break
        row = want
        while (node.lane, node.rank, row) in taken:
            row += 1
        node.row = row
        taken.add((node.lane, node.rank, row))
        bands[node.lane].rows = max(bands[node.lane].rows, row + 1)


def _place(nodes, bands: dict[str, Band], pools: list[str]) -> dict[str, tuple]:
    """Band tops and heights, node centres; returns each pool's bounds."""
    y = POOL_Y
    pool_bounds = {}
    width = FIRST_X - POOL_X + (max((n.rank for n in nodes.values()), default=0) + 1) * COLUMN
    for pool in pools:
        top = y
        for band in (b for b in bands.values() if b.pool == pool):
            band.top = y
            band.height = 2 * CORRIDOR + band.rows * ROW
            y += band.height
        pool_bounds[pool] = (POOL_X, top, width, y - top)
        y += POOL_GAP
    for n in nodes.values():
        if n.host:
            continue
        band = bands[n.lane]
        n.cx = FIRST_X + n.rank * COLUMN + 50
        n.cy = band.top + CORRIDOR + n.row * ROW + ROW / 2 - 10
    hosts_seen = defaultdict(int)
    for n in nodes.values():
        if n.host:
            host = nodes[n.host]
            k = hosts_seen[n.host]
            hosts_seen[n.host] += 1
            n.cx = host.cx + 25 - 35 * k
            n.cy = host.cy + 40
    return pool_bounds


def _gap_before(rank: int) -> float:
    """An x in the gap left of a column (shapes of a column lie within its first 100 px)."""
    return FIRST_X + rank * COLUMN - 20


def _gap_after(rank: int) -> float:
    """An x in the gap right of a column."""
    return FIRST_X + rank * COLUMN + 100 + 20


def _route(src: Node, tgt: Node, nodes, bands) -> list[tuple[float, float]]:
    """Right-angled waypoints from `src` to `tgt` (see the module docstring)."""
    sx, sy, sw, sh = src.box
    tx, ty, tw, th = tgt.box
    if src.host:  # leave a boundary event downwards, then along its row's gap
        start_down = (src.cx, sy + sh)
        y_gap = sy + sh + 14
        gx = _gap_before(tgt.rank)
        if tgt.cy > y_gap and tgt.rank > nodes[src.host].rank:
            return [start_down, (src.cx, tgt.cy), (tx, tgt.cy)]
        return [start_down, (src.cx, y_gap), (gx, y_gap), (gx, tgt.cy), (tx, tgt.cy)]
    s_out = (sx + sw, src.cy)
    t_in = (tx, tgt.cy)
    if tgt.rank > src.rank:
        same_row_free = all(
            not _occupied(nodes, src.lane, k, src.row) for k in range(src.rank + 1, tgt.rank)
        )
        if src.lane == tgt.lane and src.row == tgt.row and same_row_free:
            return [s_out, t_in]
        gx = _gap_before(tgt.rank)
        if same_row_free:
            return [s_out, (gx, src.cy), (gx, tgt.cy), t_in]
        target_row_free = all(
            not _occupied(nodes, tgt.lane, k, tgt.row) for k in range(src.rank + 1, tgt.rank)
        )
        g1 = _gap_after(src.rank)
        if target_row_free:
            return [s_out, (g1, src.cy), (g1, tgt.cy), t_in]
        band = bands[src.lane]
        y = band.top + CORRIDOR / 2
        return [s_out, (g1, src.cy), (g1, y), (gx, y), (gx, tgt.cy), t_in]
    # a loop back: along the bottom corridor of the lower lane
    g1, g2 = _gap_after(src.rank), _gap_before(tgt.rank)
    lower = max((bands[src.lane], bands[tgt.lane]), key=lambda b: b.top)
    y = lower.top + lower.height - CORRIDOR / 2
    return [s_out, (g1, src.cy), (g1, y), (g2, y), (g2, tgt.cy), t_in]


def _occupied(nodes, lane: str, rank: int, row: int) -> bool:
    return any(
        n.lane == lane and n.rank == rank and n.row == row and not n.host for n in nodes.values()
    )


def layout(path: Path) -> bytes:
    """The file's XML with a new diagram."""
    tree = etree.parse(str(path))
    root = tree.getroot()
    participants = root.findall(".//bpmn:collaboration/bpmn:participant", NS)
    pool_of_process = {p.get("processRef"): p.get("id") for p in participants}
    nodes: dict[str, Node] = {}
    bands: dict[str, Band] = {}
    flows: list[tuple[str, str, str]] = []
    pools: list[str] = []
    for process in root.findall("bpmn:process", NS):
        pool = pool_of_process.get(process.get("id"), process.get("id"))
        pools.append(pool)
        lane_of = {}
        for lane in process.findall(".//bpmn:lane", NS):
            bands[lane.get("id")] = Band(lane.get("id"), pool)
            for ref in lane.findall("bpmn:flowNodeRef", NS):
                lane_of[ref.text.strip()] = lane.get("id")
        if not any(b.pool == pool for b in bands.values()):
            bands[pool] = Band(pool, pool)
        for el in process:
            if not isinstance(el.tag, str) or _local(el) in ("laneSet", "sequenceFlow"):
                continue
            if _local(el) in ("extensionElements", "documentation", "dataObject"):
                continue
            kind = _local(el)
            node = Node(el.get("id"), kind, lane_of.get(el.get("id"), pool))
            if kind == "boundaryEvent":
                node.host = el.get("attachedToRef")
            nodes[node.id] = node
        for f in process.findall("bpmn:sequenceFlow", NS):
            flows.append((f.get("id"), f.get("sourceRef"), f.get("targetRef")))
    for n in nodes.values():  # a node in no lane of a laned pool: its pool's first lane
        if n.lane not in bands:
            n.lane = next(b.id for b in bands.values() if b.pool == n.lane)
    _ranks(nodes, flows)
    _rows(nodes, flows, bands)
    pool_bounds = _place(nodes, bands, pools)

    plane = root.find(".//bpmndi:BPMNPlane", NS)
    for child in list(plane):
        plane.remove(child)
    di, dc, bpmndi = NS["di"], NS["dc"], NS["bpmndi"]

    def shape(element_id: str, x, y, w, h, **attrs):
        s = etree.SubElement(
            plane, f"{{{bpmndi}}}BPMNShape", id=f"{element_id}_di", bpmnElement=element_id
        )
        for k, v in attrs.items():
            s.set(k, v)
        etree.SubElement(
            s, f"{{{dc}}}Bounds", x=str(round(x)), y=str(round(y)), width=str(w), height=str(h)
        )

    for pool in pools:
        if any(p.get("id") == pool for p in participants):
            x, y, w, h = pool_bounds[pool]
            shape(pool, x, y, w, h, isHorizontal="true")
    for band in bands.values():
        if band.id != band.pool:
            x, _y, w, _h = pool_bounds[band.pool]
            shape(band.id, x + HEADER, band.top, w - HEADER, band.height, isHorizontal="true")
    for n in nodes.values():
        x, y, w, h = n.box
        shape(n.id, x, y, w, h)
    for fid, s, t in flows:
        e = etree.SubElement(plane, f"{{{bpmndi}}}BPMNEdge", id=f"{fid}_di", bpmnElement=fid)
        for x, y in _dedupe(_route(nodes[s], nodes[t], nodes, bands)):
            etree.SubElement(e, f"{{{di}}}waypoint", x=str(round(x)), y=str(round(y)))
    return _with_plane(path.read_bytes(), plane)


def _with_plane(original: bytes, plane) -> bytes:
    """`original` with its BPMNPlane element replaced by `plane`; everything else is kept
    byte for byte (the process's text, its formatting, the declarations)."""
    import re

    match = re.search(rb"<bpmndi:BPMNPlane\b.*?</bpmndi:BPMNPlane>", original, re.S)
    if match is None:
        raise ValueError("the file has no <bpmndi:BPMNPlane> to replace")
    for child in plane:
        child.tail = "\n      "
    plane.text = "\n      "
    if len(plane):
        plane[-1].tail = "\n    "
    new = etree.tostring(plane, encoding="UTF-8").split(b"?>", 1)[-1].strip()
    new = re.sub(rb' xmlns:\w+="[^"]+"', b"", new)  # declared on <definitions> already
    return original[: match.start()] + new + original[match.end() :]


def _dedupe(points):
    out = []
    for p in points:
        if not out or (round(p[0]), round(p[1])) != (round(out[-1][0]), round(out[-1][1])):
            out.append(p)
    return out


def problems(xml: bytes) -> list[str]:
    """What is wrong with a diagram's drawing: overlapping shapes, flows through shapes that
    are not their ends, slanted flow segments, shapes outside their lane."""
    root = etree.fromstring(xml)
    kinds = {
        el.get("id"): _local(el) for el in root.iter() if isinstance(el.tag, str) and el.get("id")
    }
    boxes, lanes = {}, {}
    for s in root.iterfind(".//bpmndi:BPMNShape", NS):
        b = s.find("dc:Bounds", NS)
        box = tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
        if kinds.get(s.get("bpmnElement")) in ("lane", "participant"):
            lanes[s.get("bpmnElement")] = box
        else:
            boxes[s.get("bpmnElement")] = box
    found = []
    items = list(boxes.items())
    for i, (a, ra) in enumerate(items):
        for b, rb in items[i + 1 :]:
            if "boundaryEvent" in (kinds.get(a), kinds.get(b)):
                continue
            if _overlap(ra, rb, 0):
                found.append(f"shapes {a} and {b} overlap")
    lane_of = {}
    for lane in root.iterfind(".//bpmn:lane", NS):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lane_of[ref.text.strip()] = lane.get("id")
    for nid, lid in lane_of.items():
        if nid in boxes and lid in lanes:
            x, y, w, h = boxes[nid]
            lx, ly, lw, lh = lanes[lid]
            cx, cy = x + w / 2, y + h / 2
            if not (lx <= cx <= lx + lw and ly <= cy <= ly + lh):
                found.append(f"{nid} is drawn outside its lane {lid}")
    flows = {
        f.get("id"): (f.get("sourceRef"), f.get("targetRef"))
        for f in root.iterfind(".//bpmn:sequenceFlow", NS)
    }
    hosts = {
        el.get("id"): el.get("attachedToRef") for el in root.iterfind(".//bpmn:boundaryEvent", NS)
    }
    for e in root.iterfind(".//bpmndi:BPMNEdge", NS):
        fid = e.get("bpmnElement")
        ends = set(flows.get(fid, ()))
        ends |= {hosts[x] for x in list(ends) if x in hosts}
        pts = [(float(w.get("x")), float(w.get("y"))) for w in e.iterfind("di:waypoint", NS)]
        for (x1, y1), (x2, y2) in zip(pts, pts[1:]):
            if x1 != x2 and y1 != y2:
                found.append(f"flow {fid} has a slanted segment")
                continue
            seg = (min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1))
            for sid, box in boxes.items():
                if sid in ends or kinds.get(sid) == "boundaryEvent":
                    continue
                if _overlap(seg, box, 2):
                    found.append(f"flow {fid} is drawn through {sid}")
    return found


def _overlap(a, b, margin: float) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return (
        ax < bx + bw - margin
        and bx + margin < ax + aw
        and ay < by + bh - margin
        and by + margin < ay + ah
    ) or (
        (aw == 0 or ah == 0)
        and bx + margin < ax + aw + (aw == 0)
        and ax < bx + bw - margin
        and by + margin < ay + ah + (ah == 0)
        and ay < by + bh - margin
    )


def main() -> int:
    """Lay out (or, with --check, only check) the given files."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    bad = 0
    for path in args.files:
        xml = path.read_bytes() if args.check else layout(path)
        found = problems(xml)
        if not args.check:
            path.write_bytes(xml)
        print(f"{path}: {len(found)} problem(s)")
        for p in found:
            print("   ", p)
        bad += bool(found)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
