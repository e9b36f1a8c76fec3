"""The unit of work: one transaction per use case, and the one place the application commits.

A use case — a request's action, a background job, a scheduler round for one case — runs
inside `unit_of_work()` (services mark their entry points with `@use_case`). A use case
called from inside another joins it: only the outermost one commits, so a service may call
another service, and a job handler may call services, without either committing half of
the work. Deep code (the workflow runtime, the human-task table, operators) never commits.

What happened is recorded as domain events (`record(event)`, see `app.domain.events`). At
commit the events are handed, in order, to the reactor installed at start-up
(`app.services.case_events`), which writes the timeline, creates notifications and queues
jobs *in the same transaction*: the record of what happened is exactly as durable as the
change itself, and a rolled-back use case leaves no event, notification or job behind.
Queued jobs are handed to their runner only after the commit (`app.jobs.queue`).

Inside a use case the session keeps a strong reference to every row it loads, until the
transaction ends (`_hold_loaded_rows`): the identity map only holds rows weakly, so a row that
one reaction loaded and let go of was otherwise SELECTed again by the next reaction (the
application, its citizen and its service were each read three to four times per decision).
Within one transaction that is the same row, so nothing stale can be read; the references
are dropped at commit or rollback, where the rows expire as before. Look-ups that are not by
primary key (the holiday calendar, a department by code, the webhook subscriptions) are
remembered the same way with `per_transaction(model, key, compute)`.

Reference data that changes only when an administrator edits it (the holiday calendar, task
forms, departments, webhook subscriptions, the service list) is also kept across transactions,
per process, for `CATALOGUE_CACHE_SECONDS` (`per_process`, `per_process_row`): a commit in this
process that changes such a row drops what was kept of its model at once (a generation per
model), other processes see the change when their copy expires, and a transaction that changed
the model itself reads it from the database (its own writes). 0 seconds (the tests) keeps
nothing beyond the transaction.

When a use case fails, everything is rolled back, events included. Work registered with
`on_failure(fn)` (recording an incident, removing files stored by the failed attempt) then
runs in a fresh transaction, which is committed before the exception goes on to the caller.
"""

from __future__ import annotations

import copy
import functools
import itertools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db

log = logging.getLogger(__name__)

_EVENTS = "onewindow_events"  # session.info: events recorded in the open transaction
_ON_FAILURE = "onewindow_on_failure"  # session.info: callbacks to run after a failed use case
_ON_COMMIT = "onewindow_on_commit"  # session.info: callbacks to run once the commit is durable
_DEPTH = "onewindow_uow_depth"  # session.info: how many use cases are open (nesting)
_MAX_EVENTS_PER_COMMIT = 10_000  # a reaction that keeps recording events is a bug: stop it
_HELD = "onewindow_held_rows"  # session.info: rows loaded in the open use case, held strongly
_MEMO = "onewindow_memo"  # session.info: per_transaction look-ups of the open transaction
_MAX_HELD_ROWS = 5_000  # a use case that reads more rows than this holds only the first ones
_CHANGED = "onewindow_changed_models"  # session.info: models the open transaction wrote
_KEPT = "onewindow.kept"  # app.extensions: per_process values, key -> (generations, until, value)
_MAX_KEPT = 512  # more entries than this: the expired ones are dropped
_generations: dict[type, int] = {}  # model -> the last commit in this process that changed it
_generation_numbers = itertools.count(1)

_reactor: Callable[[object], None] | None = None
_TRANSACTION_SCOPED: set[str] = set()  # session.info keys that `rollback` forgets too


def transaction_scoped(key: str) -> str:
    """Register a session.info key that holds state of the open transaction (rows waiting
    to be sent at commit): `rollback` forgets it, even when no statement had begun one."""
    _TRANSACTION_SCOPED.add(key)
    return key


def send_at_commit(key: str, send: Callable[[Session], None], *, read_by: tuple) -> str:
    """Register rows that use cases keep in `session.info[key]` and `send(session)` writes in
    one go: at commit, or before the first ORM statement of the transaction that touches one
    of the `read_by` models (a use case reads its own writes back). A rollback of the
    outermost transaction forgets them. Returns `key`."""
    transaction_scoped(key)

    @event.listens_for(Session, "before_commit")
    def _at_commit(session: Session) -> None:
        if session.info.get(key):
            send(session)

    @event.listens_for(Session, "do_orm_execute")
    def _before_reading(state) -> None:
        if state.session.info.get(key) and any(
            mapper.class_ in read_by for mapper in state.all_mappers
        ):
            send(state.session)

    @event.listens_for(Session, "after_soft_rollback")
    def _forget(session: Session, previous_transaction) -> None:
        if previous_transaction.parent is None:
            session.info.pop(key, None)

    return key


def set_reactor(reactor: Callable[[object], None] | None) -> None:
    """Install the function that reacts to each recorded event (done once, at start-up)."""
    global _reactor
    _reactor = reactor


def record(domain_event: object) -> None:
    """Record that something happened; it is published when the unit of work commits."""
    db.session.info.setdefault(_EVENTS, []).append(domain_event)


def pending_events() -> list:
    """The events recorded and not yet published (for tests and diagnostics)."""
    return list(db.session.info.get(_EVENTS, ()))


def publish() -> int:
    """Hand every recorded event to the reactor, oldest first, until none is left (a
    reaction may record further events). Returns how many were published."""
    info = db.session.info
    published = 0
    while info.get(_EVENTS):
        batch = info.pop(_EVENTS)
        for domain_event in batch:
            if _reactor is not None:
                _reactor(domain_event)
            published += 1
        if published > _MAX_EVENTS_PER_COMMIT:
            raise RuntimeError("reactions keep recording events: stopped after 10,000")
    return published


def commit() -> None:
    """Publish the recorded events, then commit the transaction. The only commit there is.

    Callbacks registered with `on_commit` run afterwards (outside the transaction)."""
    publish()
    db.session.commit()
    for callback in db.session.info.pop(_ON_COMMIT, []):
        try:
            callback()
        except Exception:  # noqa: BLE001 — the change is committed; report, don't undo
            log.exception("an after-commit action failed")


def rollback() -> None:
    """Undo the open transaction and forget its events and after-commit actions (callbacks
    of `on_failure` stay for the end of the use case)."""
    db.session.rollback()
    db.session.info.pop(_EVENTS, None)
    db.session.info.pop(_ON_COMMIT, None)
    for key in _TRANSACTION_SCOPED:
        db.session.info.pop(key, None)


def on_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current transaction has committed (e.g. delete a file whose
    row the transaction deleted: never before the deletion is durable)."""
    db.session.info.setdefault(_ON_COMMIT, []).append(callback)


def on_failure(callback: Callable[[], None]) -> None:
    """Run `callback` in a fresh transaction if the current use case ends in an exception."""
    db.session.info.setdefault(_ON_FAILURE, []).append(callback)


def undo_failed_use_case() -> None:
    """Roll back a failed use case and run its `on_failure` callbacks in a new transaction,
    left open for the caller to commit (the job runner adds its failure mark to it)."""
    callbacks = db.session.info.pop(_ON_FAILURE, [])
    rollback()
    for callback in callbacks:
        callback()


def _commit_failure_record() -> None:
    try:
        undo_failed_use_case()
        commit()
    except Exception:  # noqa: BLE001 — the original error is the one the caller must see
        rollback()
        log.exception("could not record the outcome of a failed use case")


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Run a use case: commit at the end of the outermost one, roll back on an exception."""
    info = db.session.info
    depth = info.get(_DEPTH, 0)
    info[_DEPTH] = depth + 1
    try:
        yield
        if depth == 0:
            commit()
    except BaseException:
        if depth == 0:
            _commit_failure_record()
        raise
    finally:
        db.session.info[_DEPTH] = depth


@contextmanager
def joined() -> Iterator[None]:
    """Run a block as part of a transaction its caller commits or rolls back itself (the
    job runner: the handler's changes and the job's `done` mark commit together, and only
    while the attempt still holds the job). Use cases called inside do not commit."""
    info = db.session.info
    depth = info.get(_DEPTH, 0)
    info[_DEPTH] = depth + 1
    try:
        yield
    finally:
        db.session.info[_DEPTH] = depth


def use_case(func: Callable) -> Callable:
    """Decorate a service function that is a use case: it runs in `unit_of_work()`."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        with unit_of_work():
            return func(*args, **kwargs)

    return run


@event.listens_for(Session, "before_commit")
def _refuse_commit_that_would_lose_events(session: Session) -> None:
    if session.info.get(_EVENTS):
        raise RuntimeError(
            "events were recorded but the session was committed directly: "
            "commit through app.uow so that they are published"
        )


@event.listens_for(Session, "after_commit")
def _forget_callbacks_after_commit(session: Session) -> None:
    session.info.pop(_ON_FAILURE, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_events_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_EVENTS, None)
        session.info.pop(_ON_COMMIT, None)


@event.listens_for(Session, "loaded_as_persistent")
@event.listens_for(Session, "pending_to_persistent")
def _hold_loaded_rows(session: Session, instance) -> None:
    """Keep a row loaded (or inserted) by a use case in memory until its transaction ends, so
    that the next `session.get` of it within the use case finds it in the identity map."""
    if not session.info.get(_DEPTH):
        return  # pages and reports outside a use case keep the weak identity map
    held = session.info.setdefault(_HELD, [])
    if len(held) < _MAX_HELD_ROWS:
        held.append(instance)


def per_transaction(models: type | tuple[type, ...], key, compute: Callable[[], object]):
    """`compute()` (a look-up of rows of `models`), computed once per transaction for `key`.

    Forgotten when the transaction ends, and whenever this session adds, changes or deletes
    a row of one of `models`, so a use case always sees its own writes."""
    models = models if isinstance(models, tuple) else (models,)
    session = db.session()
    memo = session.info.setdefault(_MEMO, {})
    _forget(memo, (*session.new, *session.dirty, *session.deleted))
    if (models, key) not in memo:
        memo[(models, key)] = compute()
    return memo[(models, key)]


def _forget(memo: dict, changed) -> None:
    kinds = {type(obj) for obj in changed}
    for entry in [e for e in memo if any(issubclass(k, e[0]) for k in kinds)]:
        del memo[entry]


@event.listens_for(Session, "after_flush")
def _forget_memo_of_flushed_models(session: Session, flush_context) -> None:
    memo = session.info.get(_MEMO)
    if memo:
        _forget(memo, (*session.new, *session.dirty, *session.deleted))


@event.listens_for(Session, "after_transaction_end")
def _let_go_of_rows(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_HELD, None)
        session.info.pop(_MEMO, None)


# --- reference data kept per process ----------------------------------------------------------


def per_process(models: type | tuple[type, ...], key, compute: Callable[[], object]):
    """`compute()` (a look-up of rows of `models` returning plain values, never ORM rows: the
    value is shared by every thread of the process), kept for `CATALOGUE_CACHE_SECONDS`.

    A commit in this process that changes a row of one of `models` drops it at once; another
    process's change is seen when the kept value expires. A transaction that has changed one
    of `models` itself computes it afresh (once per transaction, as `per_transaction`)."""
    models = models if isinstance(models, tuple) else (models,)
    app = current_app._get_current_object()
    seconds = app.config.get("CATALOGUE_CACHE_SECONDS", 0)
    if seconds <= 0 or _changed_here(db.session(), models):
        return per_transaction(models, key, compute)
    generations = tuple(_generations.get(m, 0) for m in models)  # before the look-up
    kept = app.extensions.setdefault(_KEPT, {})
    now = time.monotonic()
    entry = kept.get((models, key))
    if entry is not None and entry[0] == generations and entry[1] > now:
        return entry[2]
    value = compute()
    if len(kept) >= _MAX_KEPT:
        for stale in [k for k, e in list(kept.items()) if e[1] <= now or e[0] != generations]:
            kept.pop(stale, None)
        if len(kept) >= _MAX_KEPT:
            kept.clear()
    kept[(models, key)] = (generations, now + seconds, value)
    return value


def forget_kept(app) -> None:
    """Drop every value `per_process` keeps for `app` (a database emptied behind its back:
    the tests' clean-up)."""
    app.extensions.pop(_KEPT, None)


def per_process_row(model: type, key, compute: Callable[[], object]):
    """`compute()` (a look-up of one row of `model`, or None) kept as `per_process` does; the
    row is returned attached to this session, built from the kept column values (no SQL),
    unless the session already holds it (then what a commit expired of it is filled from the
    kept values). Relationships load as usual when used."""

    def values():
        row = compute()
        if row is None:
            return None
        return {a.key: getattr(row, a.key) for a in inspect(model).column_attrs}  # loads all

    def attached():
        kept = per_process(model, key, values)
        if kept is None:
            return None
        mapper = inspect(model)
        session = db.session()
        ident = tuple(kept[mapper.get_property_by_column(c).key] for c in mapper.primary_key)
        held = session.identity_map.get(session.identity_key(model, ident))
        if held is not None:
            state = inspect(held)
            for attr in [k for k in state.expired_attributes if k in kept]:
                # expired by a commit: loaded from what is kept instead of SELECTed again
                set_committed_value(held, attr, copy.deepcopy(kept[attr]))
            return held
        row = model(**copy.deepcopy(kept))  # JSON values: never shared between sessions
        make_transient_to_detached(row)
        session.add(row)
        return row

    session = db.session()
    if current_app.config.get("CATALOGUE_CACHE_SECONDS", 0) <= 0 or _changed_here(
        session, (model,)
    ):
        return per_transaction(model, key, compute)
    return per_transaction(model, ("kept", key), attached)


def _changed_here(session: Session, models: tuple) -> bool:
    """Whether this session's open transaction has written (or is about to write) a row of
    one of `models`."""
    written = set(session.info.get(_CHANGED, ()))
    written.update(type(o) for o in (*session.new, *session.dirty, *session.deleted))
    return any(issubclass(w, m) for w in written for m in models)


@event.listens_for(Session, "after_flush")
def _note_changed_models(session: Session, flush_context) -> None:
    changed = {type(o) for o in (*session.new, *session.dirty, *session.deleted)}
    if changed:
        session.info.setdefault(_CHANGED, set()).update(changed)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_writes(state) -> None:
    """An ORM-enabled INSERT, UPDATE or DELETE statement (not through the unit of work's
    flush) changes its model too."""
    if state.is_insert or state.is_update or state.is_delete:
        changed = {m.class_ for m in state.all_mappers}
        if changed:
            state.session.info.setdefault(_CHANGED, set()).update(changed)


@event.listens_for(Session, "after_commit")
def _drop_kept_values_of_changed_models(session: Session) -> None:
    for model in session.info.pop(_CHANGED, ()):
        for cls in model.__mro__:  # a value kept for a base class of the row's class too
            _generations[cls] = next(_generation_numbers)  # atomic: never handed out twice


@event.listens_for(Session, "after_soft_rollback")
def _nothing_written(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_CHANGED, None)
