"""The clerk sees where the auto-review read every field: a box per extracted field (and per
finding) over the document, and the box of the field under the pointer or the keyboard focus
stands out."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Attachment
from tests import decisions, journeys
from tests.e2e.steps import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _id_card(app_id: int) -> Attachment:
    """The application's ID card (front) upload, in the current app context's session."""
    return db.session.execute(
        db.select(Attachment).where(
            Attachment.application_id == app_id, Attachment.slot == "id_card_front"
        )
    ).scalar_one()


def _open_case(browser, live_server: str, number: str):
    """(context, page): market regulation's clerk, on the case `number` from the work list."""
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    login(page, live_server, "clerk_market_regulation")
    page.goto(f"{live_server}/clerk/")
    page.locator(f"[data-case='{number}'] a").first.click()
    return ctx, page


def test_every_field_has_its_box_and_hovering_highlights_it(
    app, live_server, browser, client, wait_jobs
):
    app_id = journeys.submitted_case(client, wait_jobs, seed=31, mobile="13911113131")
    number = decisions.case_number(app, app_id)
    with app.app_context():
        att = _id_card(app_id)
        boxed = sorted(
            k
            for k, f in (att.review.get("fields") or {}).items()
            if isinstance(f, dict) and f.get("box") and not f.get("page")
        )
        att_id = att.id
    assert len(boxed) >= 3, att.review.get("fields")  # a clean ID card: name, number, dates…

    ctx, page = _open_case(browser, live_server, number)
    doc = page.locator(f".attachment[data-attachment='{att_id}']")
    doc.locator(".ow-evidence img").wait_for()
    page.wait_for_function(
        "n => document.querySelectorAll(`.attachment[data-attachment='${n}'] .ow-box`).length > 0",
        arg=att_id,
    )
    drawn = sorted(
        k.removeprefix("field:")
        for k in doc.locator(".ow-box").evaluate_all(
            "els => els.map(e => e.getAttribute('data-evidence'))"
        )
        if k.startswith("field:")
    )
    assert set(boxed) <= set(drawn)
    key = boxed[0]
    box = doc.locator(f".ow-box[data-evidence='field:{key}']").first
    assert "active" not in (box.get_attribute("class") or "")
    doc.locator(f"tr[data-evidence='field:{key}']").hover()
    assert "active" in box.get_attribute("class")
    # the field's value: an input, or the masked value until revealed (focusable too)
    doc.locator(f"tr[data-evidence='field:{key}'] :is(input, .ow-masked)").focus()
    assert "active" in box.get_attribute("class")
    ctx.close()


def test_a_field_read_on_a_later_pdf_page_is_boxed_on_that_page(
    app, live_server, browser, client, wait_jobs
):
    """A PDF's later pages get previews too: a field the review read on page 2 is boxed on
    page 2's image, which appears because something was read there."""
    import io

    from PIL import Image

    from app.services import uploads
    from ml.preview import write_later_pages, write_preview

    app_id = journeys.submitted_case(client, wait_jobs, seed=32, mobile="13911113232")
    number = decisions.case_number(app, app_id)
    with app.app_context():
        att = _id_card(app_id)
        path = uploads.path_for(att.stored_name)
        page_one = Image.open(path).convert("RGB")
        pdf = io.BytesIO()
        page_one.save(pdf, "PDF", save_all=True, append_images=[page_one.copy()])
        path.write_bytes(pdf.getvalue())  # the same card, as a two-page PDF
        write_preview(str(path), str(uploads.preview_path_for(att.stored_name)))
        assert write_later_pages(str(path), uploads.later_preview_paths(att.stored_name)) == 1
        review = dict(att.review)
        fields = {k: dict(v) if isinstance(v, dict) else v for k, v in review["fields"].items()}
        named = {r.get("field") for r in review.get("reasons") or []}  # findings keep page 1
        key = next(
            k for k, f in fields.items() if isinstance(f, dict) and f.get("box") and k not in named
        )
        fields[key]["page"] = 1
        review["fields"], review["pages"] = fields, [review["pages"][0], review["pages"][0]]
        att.review, att.mime_type = review, "application/pdf"
        db.session.commit()
        att_id = att.id

    assert client.get(f"/files/{att_id}/preview?page=9").status_code in (302, 404)
    ctx, page = _open_case(browser, live_server, number)
    later = page.locator(f".attachment[data-attachment='{att_id}'] .ow-evidence[data-page='1']")
    later.wait_for(state="visible")
    later.locator(f".ow-box[data-evidence='field:{key}']").wait_for(state="attached")
    first = page.locator(f".attachment[data-attachment='{att_id}'] .ow-evidence[data-page='0']")
    assert first.locator(f".ow-box[data-evidence='field:{key}']").count() == 0
    note = page.locator(f".attachment[data-attachment='{att_id}'] .ow-evidence-elsewhere")
    assert note.is_hidden()  # nothing read on a page without its image
    ctx.close()
