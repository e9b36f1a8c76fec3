"""The API's request and response shapes (marshmallow), which the OpenAPI document shows."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload

from app.services import api_reads, webhooks


class CertificateSchema(ma.Schema):
    """A certificate's standing in the register; the holder masked."""

    number = ma.fields.String(required=True)
    type = ma.fields.String(metadata={"description": "Certificate type code"})
    type_name = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(), metadata={"description": "zh / en"}
    )
    status = ma.fields.String(metadata={"enum": ["valid", "revoked", "expired"]})
    issued_on = ma.fields.Date()
    valid_until = ma.fields.Date(allow_none=True, metadata={"description": "null: no limit"})
    issuing_department = ma.fields.String(allow_none=True)
    holder_kind = ma.fields.String(metadata={"enum": ["person", "company"]})
    holder = ma.fields.String(metadata={"description": "Masked name, e.g. 张*"})
    holder_code = ma.fields.String(metadata={"description": "Masked ID or credit code"})
    revoked_on = ma.fields.Date(allow_none=True)
    signed_pdf = ma.fields.Boolean(metadata={"description": "Its signed PDF exists"})


class PdfUploadSchema(ma.Schema):
    """A certificate PDF to check."""

    file = Upload(required=True, metadata={"description": "The certificate's PDF"})


class PdfCheckSchema(ma.Schema):
    """What checking a PDF found."""

    genuine = ma.fields.Boolean(
        metadata={"description": "Signed by the agency, unchanged, the register's file, valid"}
    )
    signed = ma.fields.Boolean()
    signature_intact = ma.fields.Boolean()
    signed_by_agency = ma.fields.Boolean()
    nothing_added_after_signing = ma.fields.Boolean()
    same_file_as_register = ma.fields.Boolean()
    problem = ma.fields.String(allow_none=True)
    certificate = ma.fields.Nested(CertificateSchema, allow_none=True)


class StepSchema(ma.Schema):
    """A public step of a case."""

    kind = ma.fields.String()
    at = ma.fields.DateTime()
    department = ma.fields.String(allow_none=True)
    outcome = ma.fields.String(allow_none=True)


class CaseSchema(ma.Schema):
    """A case's status: no applicant data."""

    case_number = ma.fields.String()
    service = ma.fields.String()
    service_name = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    status = ma.fields.String()
    submitted_at = ma.fields.DateTime(allow_none=True)
    due_at = ma.fields.DateTime(allow_none=True)
    steps = ma.fields.List(ma.fields.Nested(StepSchema))


class TaskPageArgs(ma.Schema):
    """Keyset paging: the tasks after id `after`, `limit` at a time."""

    after = ma.fields.Integer(
        load_default=0, validate=ma.validate.Range(min=0), metadata={"description": "Last id seen"}
    )
    limit = ma.fields.Integer(
        load_default=api_reads.DEFAULT_TASKS_PAGE,
        validate=ma.validate.Range(min=1, max=api_reads.MAX_TASKS_PAGE),
    )


class TaskSchema(ma.Schema):
    """An open (or claimed) task of a department."""

    id = ma.fields.Integer()
    case_number = ma.fields.String()
    name = ma.fields.String()
    status = ma.fields.String(metadata={"enum": ["open", "claimed"]})
    claimed = ma.fields.Boolean()
    created_at = ma.fields.DateTime()
    due_at = ma.fields.DateTime(allow_none=True)


class TaskPageSchema(ma.Schema):
    """One page of tasks, and the `after` value of the next page (null: the last page)."""

    department = ma.fields.String()
    tasks = ma.fields.List(ma.fields.Nested(TaskSchema))
    next_after = ma.fields.Integer(allow_none=True)


class WebhookInSchema(ma.Schema):
    """A new subscription."""

    url = ma.fields.String(required=True, metadata={"description": "http:// or https://"})
    events = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(webhooks.EVENTS)),
        required=True,
        validate=ma.validate.Length(min=1),
    )
    secret = ma.fields.String(
        load_default=None,
        metadata={"description": "16-128 characters; generated when left out"},
    )


class WebhookSchema(ma.Schema):
    """A subscription."""

    id = ma.fields.Integer()
    url = ma.fields.String()
    events = ma.fields.List(ma.fields.String())
    created_at = ma.fields.DateTime()


class NewWebhookSchema(WebhookSchema):
    """A subscription just made, with the secret that signs its deliveries (shown once)."""

    secret = ma.fields.String(metadata={"description": "HMAC-SHA256 key: keep it"})
