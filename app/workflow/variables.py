"""The process variables the runtime owns, and the application form's fields as variables.

A case's process starts with the form's fields by name (`amount`, as DMN inputs and Camunda
conditions expect) plus the runtime's own variables below, which win over a field; a form
field may not take one of these names (refused when its service's process is deployed, see
services/deployment.py).
"""

from __future__ import annotations

RESERVED_VARIABLES = frozenset(
    {
        "case_number",
        "service_code",
        "applicant",
        "form",
        "attachments",
        "intake_due",
        "intake",
        "decision",
        "decision_comment",
        "outcome",
        "outcome_detail",
        "certificate_number",
    }
)


def form_variables(form_data: dict) -> dict:
    """The form's fields as process variables by name (as Camunda diagrams and DMN inputs
    expect: `amount`, not `form['amount']`); reserved names and non-identifiers stay only
    under `form`."""
    return {
        name: value
        for name, value in (form_data or {}).items()
        if isinstance(name, str) and name.isidentifier() and name not in RESERVED_VARIABLES
    }
