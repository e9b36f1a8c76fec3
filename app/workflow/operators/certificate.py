"""`issue_certificate`: the service's result document, a certificate number on the case."""

from __future__ import annotations

import secrets

from app.domain import events
from app.models import utcnow
from app.workflow.operators.cases import application_of
from app.workflow.operators.registry import operator


@operator("issue_certificate")
def issue_certificate(params: dict, data: dict) -> dict:
    """Issue the service's result document: a certificate number recorded on the case."""
    prefix = (params.get("prefix") or "CERT").upper()[:8]
    number = f"{prefix}{utcnow():%Y%m%d}{secrets.randbelow(10**8):08d}"
    app_ = application_of(data)
    if app_ is not None:
        app_.certificate_number = number
        events.case_step(app_, "certificate_issued", message=number)
    return {"certificate_number": number, "decision": "approved"}
