"""Errors and issue records raised by the workflow engine layer.

`DeployError` carries every `ValidationIssue` found in a bundle at once. Every failure of a
running process comes out of `WorkflowHandle` as an `EngineError` naming the failing
element, with a `kind` the incident is filed under: `OperatorError` (operator), `ScriptError`
(script or condition), `StepBudgetExceeded` (a loop that never waits) and `EngineFailure`
(any other error of the library or the engine). The caller discards the handle (its stored
state is unchanged) and records an incident.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ValidationIssue:
    """One problem found while validating a deployment, tied to a BPMN/DMN element id."""

    element_id: str | None
    code: str
    message: str
    severity: str = "error"  # "error" refuses the deployment, "warning" is informational

    def as_dict(self) -> dict:
        """JSON-friendly form for the admin UI."""
        return {
            "element_id": self.element_id,
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
        }


class DeployError(Exception):
    """A bundle was refused; `.issues` holds every error (and warning) found."""

    def __init__(self, issues: list[ValidationIssue]):
        self.issues = list(issues)
        errors = [i for i in self.issues if i.severity == "error"]
        summary = "; ".join(f"{i.element_id or '-'}: {i.code}: {i.message}" for i in errors[:5])
        super().__init__(f"{len(errors)} deployment error(s): {summary}")


class EngineError(Exception):
    """Base of run-time failures tied to one element of the diagram."""

    kind = "engine"

    def __init__(self, element_id: str | None, message: str):
        self.element_id = element_id
        self.message = message
        super().__init__(f"{element_id}: {message}")


class OperatorError(EngineError):
    """A synchronous service-task operator raised, or the operator is unknown."""

    kind = "operator"


class ScriptError(EngineError):
    """A script or condition failed or was refused by the sandbox at run time."""

    kind = "script"


class StepBudgetExceeded(EngineError):
    """One advance ran more engine steps than allowed: a loop that never reaches a wait."""

    kind = "step_budget"


class EngineFailure(EngineError):
    """The workflow library or the engine failed in an unexpected way at this element."""

    kind = "engine"


@dataclass
class IssueCollector:
    """Accumulates issues during validation so that all of them are reported together."""

    issues: list[ValidationIssue] = field(default_factory=list)

    def error(self, element_id: str | None, code: str, message: str) -> None:
        """Record an issue that refuses the deployment."""
        self.issues.append(ValidationIssue(element_id, code, message, "error"))

    def warning(self, element_id: str | None, code: str, message: str) -> None:
        """Record an issue that is reported but does not refuse the deployment."""
        self.issues.append(ValidationIssue(element_id, code, message, "warning"))

    @property
    def has_errors(self) -> bool:
        """True when at least one issue has severity "error"."""
        return any(i.severity == "error" for i in self.issues)
