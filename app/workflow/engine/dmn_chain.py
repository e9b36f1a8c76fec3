"""DMN decision requirement graphs: `requiredDecision` chains evaluated before a decision.

SpiffWorkflow 3.2 evaluates only the decision a business rule task names. Here a decision
that requires others (`informationRequirement/requiredDecision href="#A"`) first evaluates
them, recursively and once each per task run, and sees their results as extra inputs,
overriding process variables of the same name:
* under the required decision's output names, the way Camunda 7 does it: the matched rule
  of a non-COLLECT table gives each output's value (None when no rule matched, as a FEEL
  input expression would see it); a COLLECT table gives each output the list of values;
* under the required decision's id: the value when the table has one output, else a dict
  of outputs (a list of those for COLLECT; None when no rule matched).
The required results are inputs only: they do not land in the task data.

Deploy checks (`check_requirements`): a required decision missing from the bundle
(`missing_decision`) or a requirement cycle (`decision_cycle`) is an error naming the
requiring decision. The graph is stored in the spec by `ChainedDecisionConverterMixin`.
"""

from __future__ import annotations

from lxml import etree
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.specs.model import HitPolicy

from .errors import IssueCollector


def required_refs(decision: etree._Element) -> list[str]:
    """Ids of the decisions a <decision> requires (`href="#id"` or `file.dmn#id`)."""
    ns = etree.QName(decision).namespace
    refs = []
    for req in decision.iterfind(f"{{{ns}}}informationRequirement/{{{ns}}}requiredDecision"):
        ref = (req.get("href") or "").strip().rsplit("#", 1)[-1]
        refs.append(ref)
    return refs


def requirement_graph(dmn_roots) -> dict[str, list[str]]:
    """decision id -> required decision ids, over every DMN definitions tree given."""
    ns_of = lambda root: etree.QName(root).namespace  # noqa: E731
    graph = {}
    for root in dmn_roots:
        for decision in root.iterfind(f"{{{ns_of(root)}}}decision"):
            graph[decision.get("id")] = required_refs(decision)
    return graph


def check_requirements(graph: dict[str, list[str]], issues: IssueCollector) -> None:
    """Record missing required decisions and requirement cycles (errors)."""
    for did in sorted(graph):
        for ref in graph[did]:
            if not ref or ref not in graph:
                issues.error(
                    did,
                    "missing_decision",
                    f"required decision {ref!r} is not in the bundle's DMN files",
                )
    reported: set[frozenset] = set()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(did: str, path: list[str]) -> None:
        state[did] = 1
        path.append(did)
        for ref in graph.get(did, []):
            if ref not in graph:
                continue
            if state.get(ref) == 1:
                cycle = path[path.index(ref) :]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    start = min(cycle)
                    i = cycle.index(start)
                    ordered = cycle[i:] + cycle[:i] + [start]
                    issues.error(
                        start,
                        "decision_cycle",
                        "decision requirements form a cycle: " + " -> ".join(ordered),
                    )
            elif state.get(ref) is None:
                visit(ref, path)
        path.pop()
        state[did] = 2

    for did in sorted(graph):
        if state.get(did) is None:
            visit(did, [])


class _ContextTask:
    """A task seen through extra variables (required decision results) for DMN evaluation."""

    def __init__(self, task, extra: dict):
        self._task = task
        self.data = {**task.data, **extra}

    def __getattr__(self, name):
        return getattr(self._task, name)


class ChainedDMNEngine(DMNEngine):
    """A decision table plus the decisions it requires, as (decision id, engine) pairs."""

    def __init__(self, decision_table, decision_id: str | None = None, required=None):
        super().__init__(decision_table)
        self.decision_id = decision_id
        self.required: list[tuple[str, ChainedDMNEngine]] = list(required or [])

    def matched_outputs(self, task, memo: dict | None = None) -> list[dict]:
        """The outputs of every matching rule, required decisions evaluated first."""
        memo = {} if memo is None else memo
        context = {}
        for did, engine in self.required:
            if did not in memo:
                memo[did] = engine.required_result(engine.matched_outputs(task, memo))
            context.update(memo[did])
        view = _ContextTask(task, context) if context else task
        return [dict(rule.output_as_dict(view)) for rule in self.decide(view)]

    @property
    def is_collect(self) -> bool:
        """True for a COLLECT table (several rules may match)."""
        return self.decision_table.hit_policy == HitPolicy.COLLECT.value

    def required_result(self, outputs: list[dict]) -> dict:
        """Variables a requiring decision sees: output names and this decision's id."""
        names = [o.name or o.label for o in self.decision_table.outputs]
        single = len(names) == 1
        variables: dict = {}
        if self.is_collect:
            by_id = [o.get(names[0]) for o in outputs] if single else outputs
            for name in names:
                variables[name] = [o.get(name) for o in outputs]
        else:
            first = outputs[0] if outputs else None
            by_id = (first.get(names[0]) if single else first) if first is not None else None
            for name in names:
                variables[name] = first.get(name) if first is not None else None
        if self.decision_id and self.decision_id not in names:
            variables[self.decision_id] = by_id
        return variables

    def result(self, task):
        """Same shape as DMNEngine.result (spiff business rule tasks merge it into the data)."""
        outputs = self.matched_outputs(task)
        if self.is_collect:
            merged: dict = {}
            for output in outputs:
                for key, value in output.items():
                    merged.setdefault(key, []).append(value)
            return merged
        return outputs[0] if outputs else {}


def build_engine(
    base_engine, dmn_parsers: dict, decision_id: str, stack: tuple = ()
) -> ChainedDMNEngine:
    """A chained engine for `decision_id`; `base_engine(id)` gives the library's DMNEngine."""
    if decision_id in stack:
        raise ValueError(f"decision requirements form a cycle through {decision_id!r}")
    table = base_engine(decision_id).decision_table
    root = dmn_parsers[decision_id].node
    refs = []
    for decision in root.iter(f"{{{etree.QName(root).namespace}}}decision"):
        if decision.get("id") == decision_id:
            refs = required_refs(decision)
    required = [
        (ref, build_engine(base_engine, dmn_parsers, ref, stack + (decision_id,))) for ref in refs
    ]
    return ChainedDMNEngine(table, decision_id, required)


class ChainedDecisionParserMixin:
    """Parser mixin: business rule tasks get engines that evaluate required decisions."""

    def get_engine(self, decision_ref, node):
        """A `ChainedDMNEngine` for the decision and everything it requires."""
        base = super().get_engine
        return build_engine(lambda ref: base(ref, node), self.dmn_parsers, decision_ref)


def _collect(engine: ChainedDMNEngine, found: dict) -> None:
    for did, sub in engine.required:
        if did not in found:
            found[did] = sub
            _collect(sub, found)


class ChainedDecisionConverterMixin:
    """Converter mixin storing the required decisions (absent when there are none)."""

    def to_dict(self, spec):
        """The base converter's dict plus `required_decisions` and `decision_id`."""
        dct = super().to_dict(spec)
        engine = spec.dmnEngine
        if isinstance(engine, ChainedDMNEngine) and engine.required:
            found: dict = {}
            _collect(engine, found)
            dct["decision_id"] = engine.decision_id
            dct["requires"] = [did for did, _ in engine.required]
            dct["required_decisions"] = {
                did: {
                    "table": self.decision_table_to_dict(sub.decision_table),
                    "requires": [r for r, _ in sub.required],
                }
                for did, sub in found.items()
            }
        return dct

    def from_dict(self, dct):
        """Restore the spec, then give it a chained engine (plain table when none stored)."""
        graph = dct.pop("required_decisions", None) or {}
        requires = dct.pop("requires", None) or []
        decision_id = dct.pop("decision_id", None)
        spec = super().from_dict(dct)
        engines: dict[str, ChainedDMNEngine] = {
            did: ChainedDMNEngine(self.decision_table_from_dict(dict(entry["table"])), did)
            for did, entry in graph.items()
        }
        for did, engine in engines.items():
            engine.required = [(r, engines[r]) for r in graph[did]["requires"]]
        spec.dmnEngine = ChainedDMNEngine(
            spec.dmnEngine.decision_table, decision_id, [(r, engines[r]) for r in requires]
        )
        return spec
