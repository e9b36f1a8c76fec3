"""Errors and issue records raised by the workflow engine layer.

`DeployError` carries every `ValidationIssue` found in a bundle at once. Every failure of a
running process comes out of `WorkflowHandle` as an `EngineError` naming the failing
element, with a `kind` the incident is filed under: `OperatorError` (operator), `ScriptError`
(script or condition), `StepBudgetExceeded` (a loop that never waits) and `EngineFailure`
(any other error of the library or the engine). The caller discards the handle (its stored
state is unchanged) and records an incident.
"""

from __future__ import annotations

import re
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


_CLARK = re.compile(r"^\{([^}]*)\}(.+)$")
_PREFIXES = {
    "http://camunda.org/schema/1.0/bpmn": "camunda",
    "http://spiffworkflow.org/bpmn/schema/1.0/core": "spiffworkflow",
}


def library_refusal(exc, process_id: str | None) -> tuple[str | None, str, str]:
    """(element, code, message) for a SpiffWorkflow ValidationException at parse time."""
    message = str(exc).split("\n")[0]
    if "is not executable" in message:
        return (
            getattr(exc, "id", None) or process_id,
            "not_executable",
            (
                f"{message} (isExecutable=\"false\", the bpmn.io default): tick 'Executable' "
                "in the process properties of the modeler"
            ),
        )
    element = getattr(exc, "id", None) or getattr(exc, "file_name", None) or process_id
    return element, "invalid_bpmn", f"the workflow library refused this element: {message}"


def library_failure(exc: BaseException, process_id: str | None) -> tuple[str | None, str, str]:
    """(element, code, message) for an unexpected exception of the library's parser: the
    element it was reading (from the traceback) and the cause in words, never a bare
    KeyError."""
    element = _parsed_element(exc) or process_id
    if isinstance(exc, KeyError) and exc.args:
        key = str(exc.args[0])
        match = _CLARK.match(key)
        if match:
            key = f"{_PREFIXES.get(match.group(1), match.group(1))}:{match.group(2)}"
        cause = f"the attribute or reference {key!r} it needs is missing"
    else:
        cause = f"{type(exc).__name__}: {exc}"
    return (
        element,
        "invalid_bpmn",
        (
            f"the workflow library could not read this element: {cause}; add it in the "
            "modeler or remove the element"
        ),
    )


def _parsed_element(exc: BaseException) -> str | None:
    """The id of the innermost XML element a parser frame was working on."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        holder = tb.tb_frame.f_locals.get("self")
        node = getattr(holder, "node", None)
        get = getattr(node, "get", None)
        if callable(get) and get("id"):
            found = get("id")
        tb = tb.tb_next
    return found
