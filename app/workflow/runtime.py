"""The workflow runtime: load a case's workflow, advance it, persist it — one transaction.

Every entry point (start a case, complete a human task, report an async operator's result,
fire timers, deliver a message) follows the same path: lock the instance row, load the
handle from the version's spec and the instance's state, act, then persist the state, the
human-task table and the case status, and record what happened as events on the unit of
work (app/domain/events.py). It never commits: the use case that called it does.

Any failure of the engine — a script, a condition, an operator, a loop over the step budget,
an error of the workflow library, a process that ends without a decision — leaves an
incident naming the element and the cause, and the stored state untouched (`CaseStuck`).
A case is decided only by an explicit `decision` ('approved' or 'rejected') in the process
data or, for a diagram from another tool, by the outcome rule chosen at deploy (an outcome
variable, a mapping of end events, else 'completed': neutral and shown as such).

Intake (受理) and the clock: the process starts knowing `intake_due` (5 working days after
receipt, from the product's calendar, since BPMN durations cannot count working days); the
shipped diagrams' intake task carries a boundary timer on that date. When the process data
says `intake` = 'accept' (a clerk) or 'deemed' (the timer), the clock starts
(app/domain/clock.py) and an `accepted` / `deemed_accepted` step is recorded; a refusal
ends the process with `decision` 'rejected' and `outcome_detail` 'intake_refused'. While an
accepted case waits for the citizen's 补正 the clock stands still, and it resumes on the
answer with both due dates moved by the working days it stood.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from app import uow
from app.domain import clock, events
from app.domain.catalogue import service_of
from app.domain.errors import Conflict
from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    Incident,
    ProcessVersion,
    WorkflowInstance,
    utcnow,
)
from app.workflow import locking, tasks
from app.workflow.engine import EngineError, MigrationRefused, TaskNotFound, WorkflowHandle
from app.workflow.engine.outcome import NEUTRAL
from app.workflow.operators import dispatch_async_calls, registry
from app.workflow.variables import form_variables

log = logging.getLogger(__name__)


class OutcomeMissing(EngineError):
    """The process completed without setting `decision`: nobody decided the case."""

    kind = "outcome_missing"


class CaseStuck(Exception):
    """The engine could not advance (see the module doc); an incident was recorded in
    the session. A caller that must roll back its own changes calls `record_incident()`
    again after the rollback."""

    def __init__(self, incident: Incident):
        super().__init__(incident.message)
        self.incident = incident
        self.instance_id = incident.instance_id
        self.element_id = incident.element_id
        self.kind = incident.kind
        self.message = incident.message


def record_incident(stuck: CaseStuck) -> Incident:
    """Record (again, after a rollback) the incident a CaseStuck describes. Caller commits."""
    incident = Incident(
        instance_id=stuck.instance_id,
        element_id=stuck.element_id,
        kind=stuck.kind,
        message=stuck.message,
    )
    db.session.add(incident)
    inst = db.session.get(WorkflowInstance, stuck.instance_id)
    events.case_step(inst.application, "incident", message=stuck.message)
    return incident


def current_version(process_id: str) -> ProcessVersion:
    """The version new cases of `process_id` start on (kept per process: a deployment shows
    at once in the process that made it, in the others within CATALOGUE_CACHE_SECONDS)."""
    version = uow.per_process_row(
        ProcessVersion,
        ("current", process_id),
        lambda: db.session.execute(
            db.select(ProcessVersion)
            .where(ProcessVersion.process_id == process_id, ProcessVersion.is_current.is_(True))
            .order_by(ProcessVersion.version.desc())
        ).scalar(),
    )
    if version is None:
        raise LookupError(f"process {process_id!r} is not deployed")
    return version


def initial_data(application: Application) -> dict:
    """What the process knows about the case when it starts (JSON-friendly, no files): the
    form's fields by name, and the runtime's own variables (which win over a field)."""
    return {
        **form_variables(application.form_data),
        "case_number": application.case_number,
        "service_code": application.service.code,
        "applicant": {
            "name": application.citizen.real_name,
            "id_number": application.citizen.id_number,
        },
        "form": dict(application.form_data or {}),
        "attachments": [{"id": a.id, "slot": a.slot} for a in application.attachments],
        "intake_due": clock.intake_due(application.submitted_at or utcnow()).isoformat(),
    }


def start_case(application: Application) -> WorkflowInstance:
    """Start the service's current process version for a submitted application.

    The instance is stored before its first step runs: a failure there is an incident on a
    stored case (CaseStuck), which an administrator can retry, like any other step."""
    version = current_version(service_of(application).process_id)
    handle = WorkflowHandle.start(
        version.spec_json,
        initial_data(application),
        operators=registry(),
        step_budget=_step_budget(),
        advance=False,
    )
    inst = WorkflowInstance(
        application_id=application.id,
        process_version=version,
        state_json=handle.dump_state(),
        revision=1,
        status="running",
    )
    # Both ends of the link, as stored: setting `inst.application` would first read the
    # case's former instance (there is none: one instance per case, a unique key).
    set_committed_value(inst, "application", application)
    set_committed_value(application, "instance", inst)
    db.session.add(inst)
    db.session.flush()
    _advance_and_persist(inst, handle, lambda h: h.advance(), ready_before=[])
    return inst


_SPECS: dict[int, str] = {}  # process_version.id -> spec_json; versions never change


def forget_specs() -> None:
    """Drop cached specs (after a database was replaced under a running process, e.g. tests)."""
    _SPECS.clear()


def spec_json(process_version_id: int) -> str:
    """A version's serialized spec, read once per process (versions are immutable)."""
    spec = _SPECS.get(process_version_id)
    if spec is None:
        spec = db.session.execute(
            db.select(ProcessVersion.spec_json).where(ProcessVersion.id == process_version_id)
        ).scalar_one()
        if len(_SPECS) > 256:
            _SPECS.clear()
        _SPECS[process_version_id] = spec
    return spec


def load(inst: WorkflowInstance) -> WorkflowHandle:
    """A live handle for the instance (spec from its version, state from the row)."""
    return WorkflowHandle.load(
        spec_json(inst.process_version_id),
        inst.state_json,
        operators=registry(),
        step_budget=_step_budget(),
    )


def _step_budget() -> int | None:
    """Engine steps one advance may run (config ENGINE_STEP_BUDGET; engine default)."""
    return current_app.config.get("ENGINE_STEP_BUDGET")


@contextmanager
def advancing(instance_id: int, done_task_id: str | None = None):
    """Lock the instance and yield (instance, handle); persist when the block ends.

    `done_task_id` is a user task whose row the caller already closed: it is not cancelled.
    """
    # Nothing read inside an advance depends on rows pending in the session, so they are
    # flushed once, at commit, instead of before every statement.
    with db.session.no_autoflush:
        inst = locking.lock_instance(instance_id)
        handle = load(inst)
        if inst.status == TERMINATED:  # withdrawn: a late job, timer or message moves nothing
            yield inst, handle, []
            return
        if inst.status == SUSPENDED:  # an administrator holds the case: nothing moves it
            raise CaseSuspended()
        ready_before = [r for r in handle.ready_user_tasks() if r.task_id != done_task_id]
        actions: list = []
        yield inst, handle, actions
        _advance_and_persist(inst, handle, lambda h: [a(h) for a in actions], ready_before)


def _advance_and_persist(
    inst: WorkflowInstance, handle: WorkflowHandle, act, ready_before: list | None = None
) -> None:
    try:
        act(handle)
        if handle.is_completed() and inst.application.decision is None:
            _require_decision(handle)
        state = handle.dump_state()
    except TaskNotFound:
        raise  # the caller asked for a task that is not there: not a fault of the diagram
    except EngineError as exc:
        incident = Incident(
            instance_id=inst.id,
            element_id=exc.element_id,
            kind=exc.kind,
            message=(exc.message or str(exc))[:2000],
        )
        db.session.add(incident)
        events.case_step(inst.application, "incident", message=incident.message)
        locking.write_state(inst, inst.state_json, "error", inst.next_timer_at)
        raise CaseStuck(incident) from exc
    persist(inst, handle, ready_before, state)


def _require_decision(handle: WorkflowHandle) -> str:
    """How a completed process decided its case: `decision`, or the outcome rule its version
    was deployed with (engine/outcome.py); OutcomeMissing when neither says."""
    outcome = handle.outcome()
    if outcome is not None:
        return outcome
    ends = handle.reached_end_events()
    end = ends[-1] if ends else None
    raise OutcomeMissing(
        end,
        f"the process ended at {end or '?'} without a decision; set `decision` "
        "('approved' or 'rejected') in a task form or a script, or deploy it with an "
        "outcome rule",
    )


def persist(
    inst: WorkflowInstance,
    handle: WorkflowHandle,
    ready_before: list | None = None,
    state: str | None = None,
) -> None:
    """Write state, mirror human tasks, dispatch async operator calls, update the case.

    With `ready_before` (the user tasks ready when the handle was loaded) only the change is
    written to the task table; without it the table is fully re-synchronised. `state` is
    the handle's state when the caller has already dumped it.
    """
    completed = handle.is_completed()
    status = "completed" if completed else "waiting"
    state = handle.dump_state() if state is None else state
    # before the state: the calls it marks dispatched are written with it, in one UPDATE
    dispatch_async_calls(inst, handle.pending_service_calls())
    locking.write_state(inst, state, status, handle.next_timer_due())
    app_ = inst.application
    ready = handle.ready_user_tasks()
    status = None if completed else _running_status(app_, handle, ready)
    if app_.decision is None:
        # before the task rows: new tasks take the case's due date as it now stands
        _run_clock(app_, inst, handle, status)
    if ready_before is None:
        tasks.sync_human_tasks(inst, ready)
    else:
        tasks.apply_changes(inst, ready_before, ready)
    if completed:
        _decide(app_, inst, handle)
    elif app_.status != status:  # an unchanged case stays clean: nothing to flush at commit
        app_.status = status


INTAKE_FORM = "intake_decision"  # the intake task's form (forms/tasks/intake_decision.json)
INTAKE_ACCEPTED = {"accept": "accepted", "deemed": "deemed_accepted"}  # `intake` -> step


def _running_status(app_: Application, handle, ready: list) -> ApplicationStatus:
    if any(r.lane == tasks.APPLICANT_LANE for r in ready) or handle.waiting_messages():
        return ApplicationStatus.CORRECTION
    if any(r.form == INTAKE_FORM for r in ready):
        return ApplicationStatus.SUBMITTED  # awaiting the intake decision
    if ready:
        return ApplicationStatus.IN_REVIEW
    if app_.accepted_at is not None:
        return ApplicationStatus.ACCEPTED
    return ApplicationStatus.SUBMITTED  # received, auto-review running


def _run_clock(app_: Application, inst: WorkflowInstance, handle, status) -> None:
    """Start the clock on (deemed) acceptance; stop it during 补正; resume on the answer."""
    now = utcnow()
    if app_.accepted_at is None:
        step = INTAKE_ACCEPTED.get(str(handle.data.get("intake")))
        if step is None:
            return  # not accepted yet (or a diagram without an intake step)
        clock.accept(app_, now, deemed=step == "deemed_accepted")
        events.case_step(app_, step, data=_clock_data(app_))
    if status == ApplicationStatus.CORRECTION:
        if clock.pause(app_, now):
            events.case_step(app_, "clock_paused", data=_clock_data(app_))
        return
    old_due = app_.due_at
    days = clock.resume(app_, now)
    if days is not None:
        tasks.move_due(inst, old_due, app_.due_at)
        events.case_step(app_, "clock_resumed", data={**_clock_data(app_), "paused_days": days})


def _clock_data(app_: Application) -> dict:
    """What a notice or the timeline needs to state about the clock."""

    def iso(moment):
        return moment.isoformat() if moment is not None else None

    return {
        "case_number": app_.case_number,
        "received_at": iso(app_.submitted_at),
        "accepted_at": iso(app_.accepted_at),
        "due_at": iso(app_.due_at),
        "promised_due_at": iso(app_.promised_due_at),
    }


REMEDIES = ("administrative_reconsideration_60_days", "administrative_litigation_6_months")


def _decide(app_: Application, inst: WorkflowInstance, handle) -> None:
    if app_.decision is not None:
        return
    decision, certificate, comment = case_outcome(handle)
    detail = handle.data.get("outcome_detail")
    app_.decision = decision
    app_.outcome_detail = str(detail)[:32] if detail else None
    if app_.outcome_detail == "intake_refused":
        app_.status = ApplicationStatus.REFUSED
    elif decision == "approved":
        app_.status = ApplicationStatus.APPROVED
    elif decision == NEUTRAL:  # a foreign diagram that says nothing: shown as completed
        app_.status = ApplicationStatus.COMPLETED
    else:
        app_.status = ApplicationStatus.REJECTED
    app_.certificate_number = app_.certificate_number or certificate
    app_.decision_comment = comment
    app_.decided_at = utcnow()
    tasks.cancel_open_tasks(inst)
    if app_.status == ApplicationStatus.REFUSED:
        events.case_step(
            app_,
            "intake_refused",
            message=comment,
            data={**_clock_data(app_), "reason": comment, "remedies": list(REMEDIES)},
        )
        return
    events.case_step(
        app_,
        "decided",
        message=decision,
        data={"certificate_number": app_.certificate_number},
    )


def case_outcome(handle: WorkflowHandle) -> tuple[str, str | None, str | None]:
    """(decision, certificate number, comment) of a finished process.

    The decision is the `decision` variable the diagram set explicitly ('approved' or
    'rejected'), or what the version's outcome rule says for a diagram from another tool
    (its variable, its end-event mapping, else 'completed' — neutral, never 'rejected');
    `_advance_and_persist` has refused a completion without one. The comment gathers the
    reasons of the departments that said no (`<lane>_approved` false, `<lane>_comment`).
    """
    data = handle.data
    decision = _require_decision(handle)
    certificate = data.get("certificate_number") or next(
        (
            v["certificate_number"]
            for v in data.values()
            if isinstance(v, dict) and v.get("certificate_number")
        ),
        None,
    )
    comments = [
        str(data.get(key[: -len("_approved")] + "_comment") or "")
        for key, value in data.items()
        if key.endswith("_approved") and value is False
    ]
    # A lead's task in a department's lane stores its reason twice (the diagram's own
    # `<lane>_lead_comment` and the copy to `<lane>_comment`): each reason is given once.
    reasons = dict.fromkeys(c.strip() for c in comments if c and c.strip())
    comment = data.get("decision_comment") or "; ".join(reasons) or None
    return decision, certificate, comment


def complete_user_task(instance_id: int, spiff_task_id: str, data: dict) -> None:
    """Complete a ready user task with form data and advance. Caller commits."""
    with advancing(instance_id, done_task_id=spiff_task_id) as (_inst, _handle, actions):
        actions.append(lambda h: h.complete_user_task(spiff_task_id, data))


def complete_service_call(instance_id: int, spiff_task_id: str, result: dict) -> None:
    """Finish an async operator's task with its result and advance. Caller commits."""
    with advancing(instance_id) as (inst, handle, actions):
        if spiff_task_id in {c.task_id for c in handle.pending_service_calls()}:
            actions.append(lambda h: h.complete_service_call(spiff_task_id, result))
            # the same task may run again (a loop): let it be dispatched anew then
            inst.dispatched_calls = [t for t in inst.dispatched_calls or [] if t != spiff_task_id]


def fire_timers(instance_id: int, now) -> None:
    """Fire the instance's due timers. Caller commits."""
    with advancing(instance_id) as (_inst, _handle, actions):
        actions.append(lambda h: h.fire_due_timers(now))


def deliver_message(instance_id: int, name: str, payload: dict) -> None:
    """Deliver a message event (e.g. a correction submitted). Caller commits.

    The payload also carries `intake_due`: the intake limit counted from this receipt (a
    diagram whose intake asks for 补正 restarts its intake timer with it)."""
    payload = {**payload, "intake_due": clock.intake_due(utcnow()).isoformat()}
    with advancing(instance_id) as (_inst, _handle, actions):
        actions.append(lambda h: h.send_message(name, payload))


def deliver_signal(instance_id: int, name: str, payload: dict | None = None) -> None:
    """Deliver the signal `name` to an instance (signal catch events, event-based gateways,
    signal-start event subprocesses). Raises TaskNotFound when nothing waits for it.
    Caller commits."""
    with advancing(instance_id) as (_inst, _handle, actions):
        actions.append(lambda h: h.send_signal(name, dict(payload or {})))


def deliver_message_for_case(case_number: str, name: str, payload: dict) -> None:
    """Deliver a message to the case it correlates with (by case number). Caller commits."""
    inst = db.session.execute(
        db.select(WorkflowInstance).join(Application).where(Application.case_number == case_number)
    ).scalar()
    if inst is None:
        raise LookupError(f"no running case {case_number!r}")
    deliver_message(inst.id, name, payload)


def migration_plan(instance_id: int, target: ProcessVersion):
    """Whether the instance could move to `target` (a dry run), with the reasons if not."""
    inst = db.session.get(WorkflowInstance, instance_id)
    return load(inst).migration_plan(spec_json(target.id))


def migrate(instance_id: int, target: ProcessVersion) -> None:
    """Move a running instance to another version of its process. Caller commits.

    Raises engine.MigrationRefused (with reasons) when SpiffWorkflow's diff does not allow it.
    """
    with advancing(instance_id) as (inst, handle, actions):
        if target.process_id != inst.process_version.process_id:
            raise MigrationRefused([f"{target.process_id} is another process"])
        if inst.status == TERMINATED:
            raise MigrationRefused(["the case was withdrawn: its process has ended"])
        handle.migrate(spec_json(target.id))
        old_version = inst.process_version.version
        inst.process_version_id = target.id
        inst.process_version = target
        events.case_step(
            inst.application, "migrated", message=f"v{old_version} -> v{target.version}"
        )
        actions.append(lambda h: h.advance())


def retry(instance_id: int) -> None:
    """Retry an instance stuck on an incident: advance again from its stored state."""
    with advancing(instance_id) as (_inst, _handle, actions):
        actions.append(lambda h: h.advance())


TERMINATED = "terminated"  # WorkflowInstance.status of a case ended before its decision
SUSPENDED = "suspended"  # WorkflowInstance.status of a case an administrator holds


class CaseSuspended(Conflict):
    """The case is suspended by an administrator: no task is decided, no timer fires and no
    message moves it until it is resumed."""

    def __init__(self):
        super().__init__(
            "case_suspended",
            _l("This case is suspended by an administrator; it cannot be decided until resumed."),
        )


def suspend(instance_id: int, reason: str) -> bool:
    """Hold a running instance: its status becomes `suspended` (the scheduler fires timers
    of `waiting` instances only; `advancing` refuses it), the status it had is kept for
    `resume`. False if it had already ended or is suspended. Caller commits."""
    inst = locking.lock_instance(instance_id)
    if inst.status in ("completed", TERMINATED, SUSPENDED):
        return False
    previous = inst.status
    locking.write_state(inst, inst.state_json, SUSPENDED, inst.next_timer_at)
    inst.status_before_suspend = previous
    inst.suspended_at = utcnow()
    inst.suspend_reason = reason
    return True


def resume(instance_id: int) -> bool:
    """Release a suspended instance: it gets its former status back, and timers that came
    due meanwhile fire at the scheduler's next round. False if it was not suspended."""
    inst = locking.lock_instance(instance_id)
    if inst.status != SUSPENDED:
        return False
    locking.write_state(
        inst, inst.state_json, inst.status_before_suspend or "waiting", inst.next_timer_at
    )
    inst.status_before_suspend = None
    inst.suspended_at = None
    inst.suspend_reason = None
    return True


def terminate(
    instance_id: int, reason: str | None = None, *, actor=None, step: str = "withdrawn"
) -> bool:
    """End a running instance before its decision (the applicant withdrew, or an
    administrator terminated it: `step`): cancel its engine tasks and its open human tasks,
    stop its timers, and record a `withdrawn` (`terminated`) step. Caller commits (and sets
    the case's status). False if the instance had already ended.

    Locks in the order a clerk's decision (and every advance) does — the instance, then the
    live task rows — so that the two wait for each other instead of deadlocking (PostgreSQL
    found the opposite order's deadlock when a withdrawal met the last decision); the caller
    then updates the application row, which a decision also writes last.
    """
    inst = locking.lock_instance(instance_id)
    tasks.lock_open_tasks(instance_id)
    if inst.status in ("completed", TERMINATED):
        return False
    handle = load(inst)
    handle.cancel()
    locking.write_state(inst, handle.dump_state(), TERMINATED, None)
    tasks.cancel_open_tasks(inst)
    inst.dispatched_calls = []
    inst.status_before_suspend = inst.suspended_at = inst.suspend_reason = None
    events.case_step(inst.application, step, actor=actor, message=reason or None)
    return True
