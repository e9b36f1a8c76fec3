"""Which job lane reads an uploaded file: "default", or "heavy" for files kept apart.

Reading files is the expensive work of the platform, and a few citizens can send files that
ask for minutes of it each (PDFs drawing tens of thousands of objects, or a flood of
uploads). A file goes to the heavy lane, with its own job threads or Celery queue and its own
document processes at the lowest CPU priority (`HEAVY_JOB_WORKERS`), when

* its pages draw more than `HEAVY_PDF_OBJECTS` objects (measured at upload, in a bounded
  worker: `uploads.inspect_content`), or
* its uploader already has `HEAVY_AFTER_PENDING_FILES` or more files waiting for review.

Heavy files are still reviewed, under the same limits; they only wait behind each other,
never in front of another citizen's file. The lane is kept on the attachment, so a later
preview or retry of it runs in the same lane.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import Application, Attachment
from app.services.uploads import CheckedContent

DEFAULT = "default"
HEAVY = "heavy"


def lane_for_upload(application: Application, checked: CheckedContent) -> str:
    """The lane of a new upload of `application`'s applicant (see the module docstring)."""
    cfg = current_app.config
    if checked.drawn_objects > int(cfg["HEAVY_PDF_OBJECTS"]):
        return HEAVY
    waiting = db.session.execute(
        select(func.count())
        .select_from(Attachment)
        .join(Application, Attachment.application_id == Application.id)
        .where(
            Application.citizen_id == application.citizen_id,
            Attachment.review_status == "pending",
        )
    ).scalar_one()
    return HEAVY if waiting >= int(cfg["HEAVY_AFTER_PENDING_FILES"]) else DEFAULT
