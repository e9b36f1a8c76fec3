"""Serialising advances of one workflow instance.

Two advances of the same case must never interleave. On PostgreSQL the instance row is
locked with SELECT … FOR UPDATE for the transaction; on every database the write is also
guarded by a revision number (compare-and-set), which is the guard on SQLite.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, inspect, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app import uow
from app.domain.errors import Conflict, NotFound
from app.extensions import db
from app.models import WorkflowInstance, utcnow

# Built once (its cache key is computed once): the instance row, locked where the database
# can (only that row: `of=`), with its application joined in, since every advance updates the
# case's status; populate_existing so an instance already in the session is re-read under lock.
_LOCK = (
    db.select(WorkflowInstance)
    .where(WorkflowInstance.id == bindparam("b_id"))
    .options(joinedload(WorkflowInstance.application, innerjoin=True))
    .with_for_update(of=WorkflowInstance)
    .execution_options(populate_existing=True)
)


def lock_instance(instance_id: int) -> WorkflowInstance:
    """Load the instance (and its application) for update (row lock where there is one).

    Once per transaction: the lock is held until it ends, so a second call (a decision
    checks the case is not suspended, then advances it) returns the row already read,
    unless this session changed an instance since (then it is read again)."""
    inst = uow.per_transaction(
        WorkflowInstance,
        ("locked", instance_id),
        lambda: db.session.execute(_LOCK, {"b_id": instance_id}).scalar(),
    )
    if inst is None:
        raise NotFound("instance_not_found", "workflow instance not found")
    return inst


_table = WorkflowInstance.__table__
# Built once: a Core statement skips the ORM's bulk-update machinery and its cache key is
# computed once, which matters on the hot path of every advance.
_WRITE_STATE = (
    update(_table)
    .where(_table.c.id == bindparam("b_id"), _table.c.revision == bindparam("b_rev"))
    .values(
        state_json=bindparam("state_json"),
        revision=bindparam("revision"),
        status=bindparam("status"),
        next_timer_at=bindparam("next_timer_at"),
        updated_at=bindparam("updated_at"),
    )
)
# The same, with the async calls dispatched so far (changed in this advance): one UPDATE.
_WRITE_STATE_AND_CALLS = _WRITE_STATE.values(dispatched_calls=bindparam("dispatched_calls"))


def write_state(inst: WorkflowInstance, state_json: str, status: str, next_timer_at) -> None:
    """Store the new state if nobody advanced the instance since we read it (with the
    instance's list of dispatched calls, when this transaction changed it)."""
    calls = inspect(inst).attrs.dispatched_calls.history
    extra = {"dispatched_calls": inst.dispatched_calls} if calls.has_changes() else {}
    # no autoflush: it would write the changed calls in an UPDATE of their own first
    with db.session.no_autoflush:
        res = db.session.execute(
            _WRITE_STATE_AND_CALLS if extra else _WRITE_STATE,
            {
                **extra,
                "b_id": inst.id,
                "b_rev": inst.revision,
                "state_json": state_json,
                "revision": inst.revision + 1,
                "status": status,
                "next_timer_at": next_timer_at,
                "updated_at": utcnow(),
            },
        )
    if res.rowcount != 1:
        raise Conflict(
            "concurrent_advance",
            _l(
                "This case was changed by someone else at the "
                "same moment. Reload the page and try again."
            ),
        )
    for key, value in (
        ("revision", inst.revision + 1),
        ("state_json", state_json),
        ("status", status),
        ("next_timer_at", next_timer_at),
        *extra.items(),
    ):
        set_committed_value(inst, key, value)
