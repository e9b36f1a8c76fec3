"""Job lanes (issue 10): files that ask for far more work than a real document, or that come
from an uploader with many files already waiting, are read in the "heavy" lane, which has its
own job threads and document processes; a normal citizen's file never waits behind them."""

from __future__ import annotations

import threading

import pytest
from PIL import Image

from app.extensions import db
from app.models import Attachment, Job
from tests import journeys
from tests.fixtures.ml.documents import png_bytes, render_bomb_pdf


def _attachment(app, name: str) -> Attachment:
    return journeys.attachment_named(app, name)


def _review_job(app, att_id: int) -> Job:
    with app.app_context():
        jobs = db.session.execute(db.select(Job).where(Job.kind == "review_attachment")).scalars()
        return next(j for j in jobs if (j.payload or {}).get("attachment_id") == att_id)


def test_a_pdf_drawing_many_objects_is_read_in_the_heavy_lane(app, client, draft, local_jobs):
    bomb = render_bomb_pdf(pages=3, fills=2500)  # 7,500 objects > HEAVY_PDF_OBJECTS
    page = png_bytes(Image.new("L", (600, 400), 255), "PNG")
    journeys.upload(client, draft, "lease", bomb, "bomb.pdf")
    journeys.upload(client, draft, "id_card_front", page, "page.png")
    local_jobs.wait_idle(120)
    heavy, normal = _attachment(app, "bomb.pdf"), _attachment(app, "page.png")
    assert (heavy.lane, normal.lane) == ("heavy", "default")
    assert _review_job(app, heavy.id).lane == "heavy"
    assert _review_job(app, normal.id).lane == "default"
    assert heavy.review_status != "pending"  # still reviewed, under the same limits


def test_an_uploader_with_many_files_waiting_goes_to_the_heavy_lane(
    app, client, draft, monkeypatch
):
    from app.jobs.queue import runner_for

    monkeypatch.setattr(  # nothing is reviewed: the files stay "pending"
        runner_for(app), "dispatch", lambda job_id, lane="default": None
    )
    monkeypatch.setitem(app.config, "HEAVY_AFTER_PENDING_FILES", 2)
    page = png_bytes(Image.new("L", (600, 400), 255), "PNG")
    for n in range(3):
        journeys.upload(client, draft, "lease", page, f"p{n}.png")
    lanes = [_attachment(app, f"p{n}.png").lane for n in range(3)]
    assert lanes == ["default", "default", "heavy"]
    with app.app_context():  # leave no queued job for the next test's runner
        db.session.execute(db.delete(Job))
        db.session.commit()


def test_a_busy_heavy_lane_holds_up_no_normal_review(app, client, draft, local_jobs):
    """The heavy lane's only thread is held; a normal file is reviewed meanwhile, a heavy
    one waits for the lane and is reviewed once it is free."""
    release = threading.Event()
    local_jobs.pools["heavy"].submit(release.wait, 120)
    try:
        bomb = render_bomb_pdf(pages=3, fills=2500)
        page = png_bytes(Image.new("L", (600, 400), 255), "PNG")
        journeys.upload(client, draft, "lease", bomb, "bomb.pdf")
        journeys.upload(client, draft, "id_card_front", page, "page.png")
        deadline = threading.Event()
        for _ in range(600):  # up to 60 s for the normal review
            with app.app_context():
                normal = _attachment(app, "page.png")
            if normal.review_status != "pending":
                break
            deadline.wait(0.1)
        assert normal.review_status != "pending"
        assert _attachment(app, "bomb.pdf").review_status == "pending"  # waiting its lane
    finally:
        release.set()
    assert local_jobs.wait_idle(120)
    assert _attachment(app, "bomb.pdf").review_status != "pending"


@pytest.mark.parametrize("lane", ["bogus", ""])
def test_an_unknown_lane_is_refused_where_the_job_is_queued(app, lane):
    from app.jobs import queue

    with app.app_context(), pytest.raises(ValueError):
        queue.enqueue("ping", lane=lane)
