"""Service-task operators: named functions a diagram's service tasks call.

A sync operator runs inside `advance()` and its returned dict lands in the task data under
the task's result variable; an async operator leaves the task STARTED so the application
can run it in a background job and later call `complete_service_call()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

OperatorFunc = Callable[[dict, dict], "dict | None"]


@dataclass(frozen=True)
class Operator:
    """A named operator: `func(params, data) -> dict | None`; async ones are run by the app."""

    name: str
    is_async: bool = False
    func: OperatorFunc | None = None
    param_schema: dict[str, Any] = field(default_factory=dict)


class OperatorRegistry:
    """Maps operator names to `Operator`s; the application registers its own at start-up."""

    def __init__(self, operators: list[Operator] | None = None):
        self._operators: dict[str, Operator] = {}
        for op in operators or []:
            self.register(op)

    def register(self, operator: Operator) -> Operator:
        """Add (or replace) an operator; returns it so it can be used as a decorator helper."""
        if not operator.is_async and operator.func is None:
            raise ValueError(f"sync operator {operator.name!r} needs a func")
        self._operators[operator.name] = operator
        return operator

    def add(
        self,
        name: str,
        func: OperatorFunc | None = None,
        *,
        is_async: bool = False,
        param_schema: dict | None = None,
    ) -> Operator:
        """Shortcut: build an `Operator` and register it."""
        return self.register(Operator(name, is_async, func, param_schema or {}))

    def get(self, name: str) -> Operator | None:
        """The operator registered under `name`, or None."""
        return self._operators.get(name)

    def names(self) -> set[str]:
        """Every registered operator name (pass it to `deploy_bundle(operators=...)`)."""
        return set(self._operators)

    def __contains__(self, name: str) -> bool:
        return name in self._operators
