"""The API's read endpoints: verify a certificate (by number or by its PDF), a case's
status, a department's open tasks. Each parses, calls a service, answers."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import abort

from app.blueprints.api import schemas
from app.blueprints.api.core import make_blueprint, protected
from app.services import api_reads, api_tokens

MAX_PDF_BYTES = 10 * 1024 * 1024

certificates = make_blueprint("api_certificates", "Verify e-certificates")
cases = make_blueprint("api_cases", "Read a case's status")
tasks = make_blueprint("api_tasks", "Read a department's open tasks")


@certificates.route("/certificates/<string:number>")
@protected(certificates, api_tokens.SCOPE_VERIFY)
@certificates.response(200, schemas.CertificateSchema)
@certificates.alt_response(404, description="No certificate with this number")
def certificate_by_number(number: str):
    """A certificate's standing by its number (status, validity, masked holder)."""
    found = api_reads.certificate_by_number(number)
    if found is None:
        abort(404, message=_("No certificate with this number."))
    return found


@certificates.route("/certificates/verify", methods=["POST"])
@protected(certificates, api_tokens.SCOPE_VERIFY)
@certificates.arguments(schemas.PdfUploadSchema, location="files")
@certificates.response(200, schemas.PdfCheckSchema)
@certificates.alt_response(422, description="No PDF, or one too large")
def verify_pdf(files):
    """Check a certificate PDF: its signature (made by the agency, unchanged) and that it
    is the very file the register issued."""
    data = files["file"].read(MAX_PDF_BYTES + 1)
    if not data or len(data) > MAX_PDF_BYTES:
        abort(422, errors={"file": [_("Send a PDF of at most 10 MB.")]})
    return api_reads.verify_pdf(data)


@cases.route("/cases/<string:case_number>")
@protected(cases, api_tokens.SCOPE_CASES)
@cases.response(200, schemas.CaseSchema)
@cases.alt_response(404, description="No case with this number")
def case_status(case_number: str):
    """A case's service, status, dates and public steps (no applicant data)."""
    found = api_reads.case_status(case_number)
    if found is None:
        abort(404, message=_("No case with this number."))
    return found


@tasks.route("/departments/<string:code>/tasks")
@protected(tasks, lambda kwargs: api_tokens.tasks_scope(kwargs["code"]))
@tasks.arguments(schemas.TaskPageArgs, location="query")
@tasks.response(200, schemas.TaskPageSchema)
@tasks.alt_response(404, description="No department with this code")
def department_tasks(args, code: str):
    """The department's open and claimed tasks, by id; page on with `after=next_after`.
    Needs the scope `tasks:read:<code>` (or `tasks:read:*`)."""
    page = api_reads.department_tasks(code, args["after"], args["limit"])
    if page is None:
        abort(404, message=_("No department with this code."))
    found, next_after = page
    return {"department": code, "tasks": found, "next_after": next_after}
