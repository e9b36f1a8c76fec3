"""Browser-viewable previews of uploaded files, made by background jobs, never in a request.

Browsers show JPEG, PNG and WebP in an <img>, but not TIFF scans, iPhone HEIC photos or PDFs.
For those, the first page (and a PDF's next few: the review's evidence may be on any) is
rendered once to a JPEG (`ml.preview`: at most 1600 pixels on its long side, EXIF orientation
applied as the OCR saw it) and kept next to the uploads, so clerks see every document with its
evidence boxes and citizens see a thumbnail.

Rendering an untrusted file is work with no bound of its own, so it happens only in a bounded
worker process (`file_workers.read_document`), in a job: the review job of a new upload makes
the preview before it reads the file; a file without one (uploaded before previews were made
this way, or whose preview was lost) gets a `render_preview` job when it is first asked for.
Until then the file view answers with a "preview being prepared" placeholder.

What a file's preview is (`state`):
  "ready"        the JPEG is on disk
  "pending"      a job will make it (the file's review, or a `render_preview` job)
  "unavailable"  it was tried and the file cannot be drawn (damaged, too complex)
  "missing"      nothing is on its way: ask for it with `request_preview`
"""

from __future__ import annotations

from pathlib import Path

from app import uow
from app.extensions import db
from app.jobs import queue
from app.models import Attachment, Job, JobStatus
from app.services import file_workers, uploads
from ml.bounded import BoundedTaskFailed
from ml.ocr import UnreadableDocument


def needs_preview(mime_type: str) -> bool:
    """True when a browser cannot show this type itself."""
    return mime_type in uploads.NEEDS_PREVIEW


def ready_path(att: Attachment, page: int = 0) -> Path | None:
    """The JPEG preview of a file's page (0: the first) if it has been made, else None."""
    path = uploads.preview_path_for(att.stored_name, page)
    return path if path.exists() else None


def state(att: Attachment) -> str:
    """ "ready", "pending", "unavailable" or "missing" (see the module's docstring)."""
    if ready_path(att) is not None:
        return "ready"
    if (att.review or {}).get("preview") == "unavailable":
        return "unavailable"
    if att.review_status == "pending" or _render_queued(att.id):
        return "pending"
    return "missing"


def _render_queued(attachment_id: int) -> bool:
    payloads = db.session.execute(
        db.select(Job.payload).where(
            Job.kind == "render_preview",
            Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
        )
    ).scalars()
    return any((p or {}).get("attachment_id") == attachment_id for p in payloads)


@uow.use_case
def request_preview(att: Attachment) -> None:
    """Queue a `render_preview` job for a file whose preview is missing (once)."""
    if needs_preview(att.mime_type) and state(att) == "missing":
        queue.enqueue("render_preview", lane=att.lane, attachment_id=att.id)


def render(att: Attachment) -> dict:
    """Make the preview of one file in a bounded worker (inside the caller's job); a file
    that cannot be drawn within the limits is marked "unavailable", not retried."""
    from ml.preview import write_later_pages, write_preview

    if not needs_preview(att.mime_type) or ready_path(att) is not None:
        return {"preview": "ready"}
    try:
        source = str(uploads.path_for(att.stored_name))
        file_workers.read_document(
            write_preview, source, str(uploads.preview_path_for(att.stored_name)), lane=att.lane
        )
        file_workers.read_document(
            write_later_pages, source, uploads.later_preview_paths(att.stored_name), lane=att.lane
        )
        outcome = "ready"
    except (UnreadableDocument, BoundedTaskFailed) as exc:
        outcome, reason = "unavailable", str(exc)
        att.review = {**(att.review or {}), "preview": outcome, "preview_problem": reason[:500]}
    return {"preview": outcome}
