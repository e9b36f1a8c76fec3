"""Serialising advances of one workflow instance.

Two advances of the same case must never interleave. On PostgreSQL the instance row is
locked with SELECT … FOR UPDATE for the transaction; on every database the write is also
guarded by a revision number (compare-and-set), which is the guard on SQLite.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import WorkflowInstance, utcnow
from app.services.errors import Conflict, NotFound


def lock_instance(instance_id: int) -> WorkflowInstance:
    """Load the instance for update (row lock where the database has one)."""
    inst = db.session.execute(
        db.select(WorkflowInstance).where(WorkflowInstance.id == instance_id)
        .with_for_update().execution_options(populate_existing=True)).scalar()
    if inst is None:
        raise NotFound("instance_not_found", "workflow instance not found")
    return inst


def write_state(inst: WorkflowInstance, state_json: str, status: str, next_timer_at) -> None:
    """Store the new state if nobody advanced the instance since we read it."""
    res = db.session.execute(
        update(WorkflowInstance)
        .where(WorkflowInstance.id == inst.id, WorkflowInstance.revision == inst.revision)
        .values(state_json=state_json, revision=inst.revision + 1, status=status,
                next_timer_at=next_timer_at, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if res.rowcount != 1:
        raise Conflict("concurrent_advance", _l("This case was changed by someone else at the "
                                                "same moment. Reload the page and try again."))
    for key, value in (("revision", inst.revision + 1), ("state_json", state_json),
                       ("status", status), ("next_timer_at", next_timer_at)):
        set_committed_value(inst, key, value)
