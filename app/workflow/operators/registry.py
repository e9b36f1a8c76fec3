"""The registry of this application's service-task operators.

Each operator lives in its own module of this package and registers itself with
`@operator(name)`; adding one is that module plus its line in `__init__.py`.
"""

from __future__ import annotations

from app.workflow.engine import OperatorRegistry

REGISTRY = OperatorRegistry()


def operator(name: str, *, param_schema: dict | None = None):
    """Register `func(params, data) -> dict` as the synchronous operator `name`."""

    def register(func):
        REGISTRY.add(name, func, param_schema=param_schema)
        return func

    return register


def async_operator(name: str, *, param_schema: dict | None = None) -> None:
    """Declare `name` as an asynchronous operator (run by a background job, see
    app/jobs/handlers.py `operator_call`)."""
    REGISTRY.add(name, is_async=True, param_schema=param_schema)
