"""The application's service-task operators, and the hand-off of asynchronous calls.

One module per operator, each registering itself (`registry.operator`); importing this
package registers them all. `auto_review` is asynchronous: `dispatch_async_calls` records a
ServiceCallRequested event for each new call, and its reaction queues the job.
"""

from __future__ import annotations

from app.domain import events
from app.models import WorkflowInstance
from app.workflow.engine import OperatorRegistry
from app.workflow.operators import auto_review, certificate, notices  # noqa: F401 (register)
from app.workflow.operators.registry import REGISTRY


def registry() -> OperatorRegistry:
    """The operators every process of this application may call."""
    return REGISTRY


def dispatch_async_calls(inst: WorkflowInstance, calls: list) -> None:
    """Record one service-call request per async call not yet dispatched (idempotent)."""
    done = set(inst.dispatched_calls or [])
    new = [c for c in calls if c.task_id not in done]
    for call in new:
        events.service_call_requested(inst.id, call.task_id, call.operator, call.params)
    if new:
        inst.dispatched_calls = sorted(done | {c.task_id for c in new})
