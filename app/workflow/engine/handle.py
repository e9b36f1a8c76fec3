"""`WorkflowHandle`: one running process instance, wrapped for the application runtime.

The handle is short-lived: the runtime loads it from (spec_json, state_json), calls one
operation (complete a user task, finish a service call, fire timers, send a message),
persists `dump_state()` and throws it away. Every failure while the engine runs comes out
as an `EngineError` naming the element (`ScriptError`, `OperatorError`, `StepBudgetExceeded`
for a loop that runs more than `step_budget` engine steps without waiting, `EngineFailure`
for any other error of the library); the caller discards the handle, so the stored state
stays as it was.

The step budget matters beyond time: SpiffWorkflow stops looking for tasks 1,000 levels down
its task tree, so a loop left running ends up looking like a *completed* process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .assignment import resolve, resolve_assignee
from .camunda_io import without_locals
from .errors import EngineError, EngineFailure, ScriptError, StepBudgetExceeded
from .event_delivery import find_definition, waiting_names
from .migration import MigrationPlan, MigrationRefused, apply_migration, plan_migration
from .model_info import UserTaskInfo
from .operators import OperatorRegistry
from .outcome import decide
from .sandbox import SandboxScriptEngine, ScriptRunner
from .serialization import dump_state, load_spec, load_state
from .specs import OperatorServiceTask
from .timers import fire_due, next_due

# Engine steps (gateways, scripts, events, sync operators) one advance may run before it is
# stopped as a loop: the shipped processes need about 15.
DEFAULT_STEP_BUDGET = int(os.environ.get("OW_ENGINE_STEP_BUDGET", "200"))


class TaskNotFound(EngineError):
    """No task with that id is waiting for this operation."""


@dataclass(kw_only=True)
class ReadyTask(UserTaskInfo):
    """A user (or manual) task ready for a person: its diagram info plus the running task."""

    task_id: str
    data: dict = field(default_factory=dict)


@dataclass
class ServiceCall:
    """An async operator call the application must run and then report back."""

    task_id: str
    element_id: str
    operator: str
    params: dict


def _element_id(task) -> str | None:
    return getattr(task.task_spec, "bpmn_id", None)


def _innermost_task(exc: BaseException) -> Task | None:
    """The task the library was working on deepest down when `exc` was raised (completing a
    user task also evaluates the next timer: the timer is the element to name)."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        for name in ("my_task", "task"):
            value = tb.tb_frame.f_locals.get(name)
            if isinstance(value, Task) and _element_id(value):
                found = value
        tb = tb.tb_next
    return found


class WorkflowHandle:
    """A process instance with the sandboxed script engine and operators attached."""

    def __init__(
        self,
        loaded,
        workflow: BpmnWorkflow,
        operators: OperatorRegistry,
        runner: ScriptRunner | None = None,
        step_budget: int | None = None,
    ):
        self._loaded = loaded
        self.workflow = workflow
        self.operators = operators
        self.step_budget = step_budget or DEFAULT_STEP_BUDGET
        self._running = None  # the task the engine is running (named by a failure)
        self.workflow.script_engine = SandboxScriptEngine(operators, runner)

    # -- creation -------------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        spec_json: str,
        data: dict,
        *,
        operators: OperatorRegistry,
        runner: ScriptRunner | None = None,
        step_budget: int | None = None,
        advance: bool = True,
    ) -> WorkflowHandle:
        """Create an instance with `data` as its initial data and run it to the first wait
        (with `advance=False` it has not run yet: the caller stores it first, then
        advances, so that a failure of the first step leaves a stored instance)."""
        loaded = load_spec(spec_json)
        workflow = BpmnWorkflow(loaded.spec, loaded.subprocess_specs)
        handle = cls(loaded, workflow, operators, runner, step_budget)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.set_data(**dict(data))
        if advance:
            handle.advance()
        return handle

    @classmethod
    def load(
        cls,
        spec_json: str,
        state_json: str,
        *,
        operators: OperatorRegistry,
        runner: ScriptRunner | None = None,
        step_budget: int | None = None,
    ) -> WorkflowHandle:
        """Rebuild an instance from its stored state; the spec comes from a cache."""
        loaded = load_spec(spec_json)
        return cls(loaded, load_state(loaded, state_json), operators, runner, step_budget)

    def dump_state(self) -> str:
        """Instance state JSON, without the spec (stored once per version); EngineFailure
        when the library cannot serialize what the process holds."""
        return self._engine(lambda: dump_state(self._loaded, self.workflow))

    # -- running --------------------------------------------------------------------------
    def _engine(self, action, task=None):
        """Run `action()` (engine work); any failure becomes an EngineError naming the
        element that was running (`task`, or the last one the engine started)."""
        self._running = task
        try:
            return action()
        except EngineError:
            raise
        except SpiffWorkflowException as exc:
            failed = getattr(exc, "task", None) or self._running
            element = _element_id(failed) if failed is not None else None
            raise ScriptError(element, str(exc).split("\n")[0]) from exc
        except Exception as exc:  # noqa: BLE001 - a library fault is an incident, not a 500
            failed = _innermost_task(exc) or self._running
            element = _element_id(failed) if failed is not None else None
            raise EngineFailure(
                element,
                f"the workflow library failed at this element ({type(exc).__name__}: {exc})"[:900]
                + "; check that the data it reads exists and has the expected type",
            ) from exc

    def advance(self) -> None:
        """Run every engine task (gateways, scripts, sync operators) until a wait state.

        Raises StepBudgetExceeded when more than `step_budget` tasks run in this advance."""
        steps = {"count": 0}

        def count_step(task) -> None:
            self._running = task
            steps["count"] += 1
            if steps["count"] > self.step_budget:
                raise StepBudgetExceeded(
                    _element_id(task),
                    f"the process ran {self.step_budget} engine steps without waiting for "
                    f"a person, a message or a timer (a loop that never exits?); it was "
                    f"stopped at {_element_id(task)!r}",
                )

        self._engine(lambda: self.workflow.do_engine_steps(will_complete_task=count_step))

    def _task(self, task_id: str):
        try:
            task = self.workflow.get_task_from_id(UUID(str(task_id)))
        except (ValueError, KeyError, TypeError, TaskNotFoundException):
            task = None
        if task is None:
            raise TaskNotFound(None, f"no task {task_id}")
        return task

    def ready_user_tasks(self) -> list[ReadyTask]:
        """User/manual tasks waiting for a person, with assignment metadata."""
        out = []
        meta = self._loaded.meta.get("user_tasks", {})
        for task in self.workflow.get_tasks(state=TaskState.READY, manual=True):
            spec = task.task_spec
            info = meta.get(spec.bpmn_id, {})
            props = dict(info.get("properties") or {})
            props.update((getattr(spec, "extensions", None) or {}).get("properties", {}) or {})
            groups, assignee = self._assignment(task, info)
            out.append(
                ReadyTask(
                    task_id=str(task.id),
                    element_id=spec.bpmn_id,
                    name=spec.bpmn_name,
                    lane=spec.lane,
                    form=info.get("form"),
                    candidate_groups=groups,
                    assignee=assignee,
                    due=info.get("due"),
                    properties=props,
                    data=dict(task.data),
                )
            )
        return out

    def _assignment(self, task, info: dict) -> tuple[list[str], str | None]:
        """Candidate groups and assignee with `${expr}` evaluated against the task's data
        (a failing expression resolves to nobody: the deploy's default department, if any,
        is the last group)."""
        mapping = self._loaded.meta.get("assignments") or {}

        def evaluate(expression):
            try:
                return self.workflow.script_engine.evaluate(task, expression)
            except Exception:  # noqa: BLE001 - unresolved: the task goes to the fallback
                return None

        groups = resolve(list(info.get("candidate_groups") or []), evaluate, mapping)
        return groups, resolve_assignee(info.get("assignee"), evaluate)

    def complete_user_task(self, task_id: str, data: dict) -> None:
        """Store the form data on a ready user task, complete it, then advance."""
        task = self._task(task_id)
        if not task.has_state(TaskState.READY) or not task.task_spec.manual:
            raise TaskNotFound(_element_id(task), f"task {task_id} is not a ready user task")
        task.set_data(**dict(data))
        self._engine(task.run, task)
        self.advance()

    def pending_service_calls(self) -> list[ServiceCall]:
        """Async operator calls left STARTED, for the application to run."""
        out = []
        for task in self.workflow.get_tasks(state=TaskState.STARTED):
            spec = task.task_spec
            if isinstance(spec, OperatorServiceTask):
                out.append(
                    ServiceCall(
                        str(task.id),
                        spec.bpmn_id,
                        spec.operation_name,
                        dict(task.internal_data.get("operator_params") or {}),
                    )
                )
        return out

    def complete_service_call(self, task_id: str, result: dict) -> None:
        """Store an async operator's result under the task's result variable, then advance."""
        task = self._task(task_id)
        spec = task.task_spec
        if not task.has_state(TaskState.STARTED) or not isinstance(spec, OperatorServiceTask):
            raise TaskNotFound(_element_id(task), f"task {task_id} is not a pending service call")
        task.data[spec.result_variable] = result
        task.internal_data.pop("operator_params", None)
        self._engine(task.complete, task)
        self.advance()

    # -- timers and messages --------------------------------------------------------------
    def fire_due_timers(self, now: datetime) -> bool:
        """Fire every timer due at `now` (aware or UTC-naive); True when one fired."""
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        fired = self._engine(lambda: fire_due(self.workflow, now))
        self._engine(self.workflow.refresh_timers)
        self.advance()
        return fired

    def next_timer_due(self) -> datetime | None:
        """When the earliest waiting timer is due (UTC), or None."""
        return next_due(self.workflow)

    def send_message(self, name: str, payload: dict) -> None:
        """Deliver a message to what waits for `name`: a catch event, a receive task, an
        event-based gateway's branch or a message-start event subprocess."""
        self._send(MessageEventDefinition, name, payload, "message")

    def send_signal(self, name: str, payload: dict | None = None) -> None:
        """Broadcast the signal `name` (signal catch events, boundary events, event-based
        gateways, signal-start event subprocesses of this instance)."""
        self._send(SignalEventDefinition, name, payload or {}, "signal")

    def _send(self, kind: type, name: str, payload: dict, word: str) -> None:
        specs = [self._loaded.spec, *self._loaded.subprocess_specs.values()]
        definition = find_definition(self.workflow, specs, kind, name)
        if definition is None:
            raise TaskNotFound(None, f"no task waits for {word} {name!r}")
        event = BpmnEvent(type(definition)(name), dict(payload))
        caught = self._engine(lambda: self.workflow.event_manager.catch(event, internal=False))
        if not caught:
            raise TaskNotFound(None, f"no task waits for {word} {name!r}")
        self.advance()

    def waiting_messages(self) -> list[str]:
        """Names of the messages the instance currently waits for."""
        return waiting_names(self.workflow, MessageEventDefinition)

    def waiting_signals(self) -> list[str]:
        """Names of the signals the instance currently waits for."""
        return waiting_names(self.workflow, SignalEventDefinition)

    # -- version migration ----------------------------------------------------------------
    def migration_plan(self, new_spec_json: str) -> MigrationPlan:
        """What moving to `new_spec_json` would change, and why it would be refused."""
        return plan_migration(self.workflow, load_spec(new_spec_json))

    def migrate(self, new_spec_json: str) -> None:
        """Move this instance to another deployed version of its process, then advance.

        Raises `MigrationRefused(reasons)` (handle unchanged) when the diff does not allow
        it. On success `dump_state()` must be stored with the NEW version's spec_json.
        """
        new = load_spec(new_spec_json)
        plan = plan_migration(self.workflow, new)
        if plan.reasons:
            raise MigrationRefused(plan.reasons)
        trial = load_state(self._loaded, self.dump_state())  # stored state stays untouched
        trial.script_engine = self.workflow.script_engine
        self._engine(lambda: apply_migration(trial, new, plan_migration(trial, new)))
        self._loaded, self.workflow = new, trial
        self.advance()

    # -- status ---------------------------------------------------------------------------
    def is_completed(self) -> bool:
        """True when the process reached an end (or every branch finished)."""
        return self.workflow.is_completed()

    @property
    def data(self) -> dict:
        """Workflow data: the final data once completed, else the merged active task data."""
        if self.workflow.is_completed():
            return dict(self.workflow.data)
        merged = dict(self.workflow.data)
        for task in self.workflow.get_tasks(
            state=TaskState.READY | TaskState.STARTED | TaskState.WAITING
        ):
            merged.update(without_locals(task))  # camunda input parameters are task-local
        return merged

    def active_element_ids(self) -> list[str]:
        """Diagram elements where the instance currently is (ready, started, waiting)."""
        ids = []
        for task in self.workflow.get_tasks(
            state=TaskState.READY | TaskState.STARTED | TaskState.WAITING
        ):
            eid = _element_id(task)
            if eid and eid not in ids:
                ids.append(eid)
        return ids

    def outcome(self) -> str | None:
        """How the finished process decided its case: `decision`, else the deploy's outcome
        rule ('approved' / 'rejected' / 'completed'), else None (see outcome.py)."""
        return decide(self.data, self.reached_end_events(), self._loaded.meta.get("outcome"))

    def reached_end_events(self) -> list[str]:
        """End events the instance has reached (of the process and its subprocesses)."""
        ends = [
            t
            for t in self.workflow.get_tasks(state=TaskState.COMPLETED)
            if isinstance(t.task_spec, EndEvent)
        ]
        ends.sort(key=lambda t: t.last_state_change)
        return [_element_id(t) for t in ends if _element_id(t)]

    def completed_element_ids(self) -> list[str]:
        """Diagram elements already passed, in completion order."""
        done = [t for t in self.workflow.get_tasks(state=TaskState.COMPLETED) if _element_id(t)]
        done.sort(key=lambda t: t.last_state_change)
        ids = []
        for task in done:
            if task.task_spec.bpmn_id not in ids:
                ids.append(task.task_spec.bpmn_id)
        return ids

    def cancel(self) -> None:
        """End the instance where it stands: every unfinished task is cancelled, nothing runs
        any more (a withdrawn case). The process is then completed without an outcome."""
        self.workflow.cancel()


def migrate_state(
    old_spec_json: str,
    state_json: str,
    new_spec_json: str,
    *,
    operators: OperatorRegistry | None = None,
) -> str:
    """State JSON of the instance moved from the old to the new version (see `migrate`).

    Raises `MigrationRefused(reasons)`; `operators` is needed only if the moved instance
    reaches a synchronous service task right away.
    """
    handle = WorkflowHandle.load(
        old_spec_json, state_json, operators=operators or OperatorRegistry()
    )
    handle.migrate(new_spec_json)
    return handle.dump_state()


__all__ = ["WorkflowHandle", "ReadyTask", "ServiceCall", "TaskNotFound", "migrate_state"]
