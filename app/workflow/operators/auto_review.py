"""`auto_review`: the asynchronous operator that reviews a case's materials.

The engine leaves its task STARTED; `dispatch_async_calls` records a ServiceCallRequested
event, whose reaction queues an `operator_call` job (app/jobs/handlers.py) that reports back
through `runtime.complete_service_call`.
"""

from __future__ import annotations

from app.workflow.operators.registry import async_operator

async_operator("auto_review")
