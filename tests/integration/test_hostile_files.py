"""Hostile uploads (issue 10, item 2): a PDF render bomb or a file that needs more than its
CPU budget ends as a `too_complex` refusal that the citizen and the clerk both read, a PDF of
ten thousand pages is refused at upload, and no web thread or job thread ever renders a file:
previews come from bounded worker processes, and the page shows a placeholder meanwhile."""

from __future__ import annotations

import pypdfium2
import pytest
from PIL import Image

from app.extensions import db
from app.models import Application, Attachment, Job
from tests import journeys
from tests.fixtures.ml.documents import many_pages_pdf, png_bytes, render_bomb_pdf

TOO_COMPLEX_ZH = "文件过于复杂，无法检查"


def spin_until_stopped(path, **options) -> dict:
    """Stands in for `ml.review.review_upload`: a file whose reading never ends (in the child)."""
    while True:
        pass


@pytest.fixture()
def no_rendering_here(monkeypatch):
    """Opening or drawing a PDF or decoding an image in this process (web or job threads)
    fails the test; the bounded worker processes are other processes, not affected."""
    import ml.ocr.loading
    import ml.preview

    def refuse(*args, **kwargs):
        raise AssertionError("a file was opened in the web process, not in a bounded worker")

    monkeypatch.setattr(pypdfium2.PdfDocument, "__init__", refuse)
    monkeypatch.setattr(pypdfium2.PdfPage, "render", refuse)
    for module, name in (
        (ml.ocr.loading, "open_image"),
        (ml.ocr.loading, "load_document"),
        (ml.preview, "open_image"),
        (ml.preview, "first_page"),
    ):
        monkeypatch.setattr(module, name, refuse)


def test_a_render_bomb_ends_as_too_complex_for_citizen_and_clerk(
    app, client, make_client, wait_jobs, no_rendering_here
):
    bomb = render_bomb_pdf(pages=10, fills=2000)
    assert len(bomb) < 8 * 1024  # a few KB asking for seconds of drawing per page
    person = journeys.make_materials(seed=5)["person"]
    app_id = journeys.submitted_residence_permit(
        client, wait_jobs, person, "13911116666", files={"lease": bomb}
    )  # waits, with a bound, for the review jobs: a hang fails here
    att = journeys.attachment_named(app, "lease.png")
    assert att.mime_type == "application/pdf" and att.review_status == "attention"
    assert [r["code"] for r in att.review["reasons"]] == ["too_complex"]
    assert client.get(f"/files/{att.id}/preview").status_code == 404  # no preview, no hang
    assert client.get(f"/files/{att.id}").data == bomb  # the original is still there
    case_page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert TOO_COMPLEX_ZH in case_page
    with app.app_context():
        case_number = db.session.get(Application, app_id).case_number
    police = make_client()
    police.login("clerk_public_security")
    task_page = police.get(f"/clerk/tasks/{journeys.open_task_id(police, case_number)}")
    assert 'data-reason="too_complex"' in task_page.get_data(as_text=True)
    assert TOO_COMPLEX_ZH in task_page.get_data(as_text=True)


def test_the_preview_view_answers_with_a_placeholder_and_never_renders(
    app, client, draft, wait_jobs, no_rendering_here
):
    from app.services import uploads

    tiff = png_bytes(Image.new("L", (900, 600), 255), "TIFF")
    journeys.upload(client, draft, "lease", tiff, "scan.tif")
    att = journeys.attachment_named(app, "scan.tif")
    first = client.get(f"/files/{att.id}/preview")  # pending or ready, never drawn here
    assert first.status_code == 200 and first.mimetype in ("image/svg+xml", "image/jpeg")
    wait_jobs()
    assert client.get(f"/files/{att.id}/preview").mimetype == "image/jpeg"

    # While the review job (which makes the preview) has not run: the placeholder.
    with app.test_request_context():
        uploads.preview_path_for(att.stored_name).unlink()
    _set_review_status(app, att.id, "pending")
    placeholder = client.get(f"/files/{att.id}/preview")
    assert placeholder.status_code == 200 and placeholder.mimetype == "image/svg+xml"
    assert "正在生成预览" in placeholder.get_data(as_text=True)
    assert placeholder.headers["X-Content-Type-Options"] == "nosniff"

    # Reviewed, but no preview on disk (made before previews came from jobs): the view
    # queues a render_preview job and answers with the placeholder; the job makes it.
    _set_review_status(app, att.id, "pass")
    assert client.get(f"/files/{att.id}/preview").mimetype == "image/svg+xml"
    wait_jobs()
    with app.app_context():
        kinds = db.session.execute(db.select(Job.kind)).scalars().all()
    assert kinds.count("render_preview") == 1
    assert client.get(f"/files/{att.id}/preview").mimetype == "image/jpeg"


def _set_review_status(app, attachment_id: int, status: str) -> None:
    with app.app_context():
        db.session.execute(
            db.update(Attachment).where(Attachment.id == attachment_id).values(review_status=status)
        )
        db.session.commit()
        db.session.remove()


def test_ten_thousand_pages_are_refused_at_upload(app, client, draft, no_rendering_here):
    resp = journeys.upload(client, draft, "lease", many_pages_pdf(), "scan.pdf")
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "scan.pdf 共 10000 页，最多接受 50 页" in page
    with app.app_context():
        assert db.session.execute(db.select(Attachment)).first() is None


def test_a_review_over_its_cpu_limit_is_stopped_and_marked_too_complex(
    app, client, draft, wait_jobs, monkeypatch
):
    import ml.review
    from app.services import reviews

    journeys.upload(client, draft, "lease", journeys.blank_png(), "lease.png")
    wait_jobs()
    monkeypatch.setitem(app.config, "DOCUMENT_CPU_SECONDS", 1)
    monkeypatch.setattr(ml.review, "review_upload", spin_until_stopped)
    with app.app_context():
        att = db.session.execute(db.select(Attachment)).scalar_one()
        assert reviews.review_attachment(att) == {"verdict": "attention"}
        assert [r["code"] for r in att.review["reasons"]] == ["too_complex"]
        assert "cpu" in att.review["reasons"][0]["message"]
        db.session.rollback()
