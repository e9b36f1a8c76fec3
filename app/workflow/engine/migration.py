"""Move a running instance to a newer deployed version of its process (SpiffWorkflow diff).

`plan_migration` aligns the instance's tasks with the new spec (`diff_workflow`) and lists
the reasons a migration would be unsafe; `migrate_handle` applies it (`migrate_workflow`,
also for called sub-processes) or raises `MigrationRefused(reasons)`. Refused when:
* a task the instance has passed, is at, or waits in was removed from the new version
  (its history or position would point at nothing),
* a task the instance is at (ready, started, waiting) changed in a way that matters
  (lane, form, scripts, operator, event...; renaming or rewiring its outgoing flows is fine),
* a running call activity's process is missing from the new version,
* after the move, a task still refers to an old spec (e.g. below a started service task).
Ready and waiting tasks are reset and re-predicted on the new spec; the fire times of
waiting timers are kept, so an escalation deadline does not restart at migration time.
The caller works on a loaded handle and stores the new state only on success.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from .serialization import SERIALIZERS, LoadedSpec

ACTIVE = TaskState.READY | TaskState.STARTED | TaskState.WAITING
PASSED = TaskState.COMPLETED | TaskState.ERROR
HARMLESS_CHANGES = {"inputs", "outputs", "bpmn_name", "documentation", "description"}
TIMER_KEYS = ("event_value", "event_fired")


class MigrationRefused(Exception):
    """The instance cannot move to the new version; `.reasons` says why (one line each)."""

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        super().__init__("migration refused: " + "; ".join(self.reasons))


@dataclass
class MigrationPlan:
    """What a migration would do: the diffs and the reasons it is refused (empty = allowed)."""

    top_diff: object
    subprocess_diffs: dict
    reasons: list[str] = field(default_factory=list)
    changed_elements: list[str] = field(default_factory=list)
    removed_elements: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        """True when nothing prevents the migration."""
        return not self.reasons


def _eid(task) -> str:
    return getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name


def _visible(task) -> bool:
    """Tasks the diagram shows (not the engine's internal Start/End/_BoundaryEventParent)."""
    return bool(getattr(task.task_spec, "bpmn_id", None))


def _changed_keys(registry, old_spec, new_spec) -> list[str]:
    s1, s2 = registry.convert(old_spec), registry.convert(new_spec)
    if s1.get("typename") != s2.get("typename"):
        return ["typename"]
    return sorted(k for k in set(s1) | set(s2) if s1.get(k) != s2.get(k))


def _check_workflow(workflow, diff, registry, reasons: list[str], where: str) -> None:
    for task in diff.removed:
        if not _visible(task):  # engine-internal helpers follow their visible task
            continue
        if task.has_state(ACTIVE):
            reasons.append(
                f"{where}the instance is at {_eid(task)!r}, which the new version removes"
            )
        elif task.has_state(PASSED):
            reasons.append(
                f"{where}the instance has passed {_eid(task)!r}, which the new version removes"
            )
    for task in diff.changed:
        if not _visible(task) or not task.has_state(ACTIVE):
            continue
        new_spec = diff.alignment.get(task)
        keys = [
            k
            for k in _changed_keys(registry, task.task_spec, new_spec)
            if k not in HARMLESS_CHANGES
        ]
        if keys:
            reasons.append(
                f"{where}the instance is at {_eid(task)!r}, which the new version "
                f"changes ({', '.join(keys)})"
            )


def plan_migration(workflow, new: LoadedSpec) -> MigrationPlan:
    """Diff a live workflow against a new version's spec; never modifies the workflow."""
    registry = SERIALIZERS[new.flavour].registry
    top_diff, sp_diffs = diff_workflow(registry, workflow, new.spec, new.subprocess_specs)
    plan = MigrationPlan(top_diff, sp_diffs)
    if workflow.spec.name != new.spec.name:
        plan.reasons.append(
            f"the new version is process {new.spec.name!r}, not {workflow.spec.name!r}"
        )
    _check_workflow(workflow, top_diff, registry, plan.reasons, "")
    for sp_id, sp in workflow.subprocesses.items():
        diff = sp_diffs.get(sp_id)
        if diff is None:
            if not sp.is_completed():
                plan.reasons.append(
                    f"called process {sp.spec.name!r} is running and missing from the new version"
                )
            continue
        _check_workflow(sp, diff, registry, plan.reasons, f"in {sp.spec.name!r}: ")
    diffs = [top_diff] + [d for d in sp_diffs.values() if d is not None]
    plan.changed_elements = sorted({_eid(t) for d in diffs for t in d.changed if _visible(t)})
    plan.removed_elements = sorted({_eid(t) for d in diffs for t in d.removed if _visible(t)})
    return plan


def _all_tasks(workflow):
    yield from workflow.tasks.values()
    for sp in workflow.subprocesses.values():
        yield from sp.tasks.values()


def _stale_tasks(workflow, new: LoadedSpec) -> list[str]:
    specs = [new.spec, *new.subprocess_specs.values()]
    known = {id(ts) for spec in specs for ts in spec.task_specs.values()}
    return sorted({_eid(t) for t in _all_tasks(workflow) if id(t.task_spec) not in known})


def apply_migration(workflow, new: LoadedSpec, plan: MigrationPlan) -> None:
    """Move `workflow` onto `new` (after `plan_migration` allowed it); MigrationRefused if a
    task is left on an old spec. The workflow object is unusable after a refusal."""
    if plan.reasons:
        raise MigrationRefused(plan.reasons)
    timers = {
        t.id: {k: deepcopy(t.internal_data[k]) for k in TIMER_KEYS if k in t.internal_data}
        for t in _all_tasks(workflow)
        if t.has_state(TaskState.WAITING)
    }
    migrate_workflow(plan.top_diff, workflow, new.spec)
    for sp_id, sp in list(workflow.subprocesses.items()):
        diff = plan.subprocess_diffs.get(sp_id)
        if diff is not None:
            migrate_workflow(diff, sp, new.subprocess_specs[sp.spec.name])
    workflow.subprocess_specs = new.subprocess_specs
    for task in _all_tasks(workflow):
        saved = timers.get(task.id)
        if saved and task.has_state(TaskState.WAITING):
            task.internal_data.update(saved)
    stale = _stale_tasks(workflow, new)
    if stale:
        raise MigrationRefused(
            [f"task {eid!r} would still use the old version's definition" for eid in stale]
        )
