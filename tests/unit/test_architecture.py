"""The shape of the code, kept by tests: no import cycles among the modules of `app` and
`ml` (imports inside functions included), the layer contracts of `.importlinter`, and one
place that commits."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _cycles(graph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


@pytest.fixture(scope="module")
def graph():
    sys.path.insert(0, str(ROOT))
    return grimp.build_graph("app", "ml", include_external_packages=False)


def test_no_import_cycles(graph):
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    g = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        g.add_module(name)
    g.add_import(importer="pkg.a", imported="pkg.b")
    g.add_import(importer="pkg.b", imported="pkg.a")
    g.add_import(importer="pkg.b", imported="pkg.c")
    assert _cycles(g) == [["pkg.a", "pkg.b"]]


def test_layer_contracts_are_kept(monkeypatch):
    from importlinter.cli import lint_imports

    monkeypatch.chdir(ROOT)
    assert (
        lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True, no_logo=True) == 0
    )


def test_only_the_unit_of_work_commits():
    committing = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "app").rglob("*.py")
        if re.search(r"\bsession\.commit\(", path.read_text(encoding="utf-8"))
    )
    assert committing == ["app/uow.py"]


def test_no_build_machine_paths_in_the_code():
    cited = [
        str(path.relative_to(ROOT))
        for folder in ("app", "ml", "tests", "benchmarks", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "test_architecture.py"
        and re.search(r"(\.\./)?shared/(datasets|notes|design)", path.read_text(encoding="utf-8"))
    ]
    assert cited == []
