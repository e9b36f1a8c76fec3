"""Satisfaction ratings (好差评): the owner rates a decided case once; a bad rating is followed
up by an administrator and the citizen sees the reply; everything else is refused clearly."""

from __future__ import annotations

import pytest

from app.domain.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.models import Application, AuditRecord, CaseEvent, Rating, User
from app.services import ratings
from tests import decisions, journeys


def _ratings(app):
    with app.app_context():
        return db.session.execute(db.select(Rating).order_by(Rating.id)).scalars().all()


def _events(app, app_id, kind):
    with app.app_context():
        return (
            db.session.execute(
                db.select(CaseEvent).where(
                    CaseEvent.application_id == app_id, CaseEvent.kind == kind
                )
            )
            .scalars()
            .all()
        )


@pytest.mark.slow
def test_bad_rating_is_followed_up_and_the_citizen_sees_the_reply(
    app, client, make_client, wait_jobs
):
    app_id = decisions.decided_case(
        app, client, make_client, wait_jobs, seed=51, mobile="13911112001", rejecting=("tax",)
    )
    page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert 'id="rating-form"' in page and "非常不满意" in page

    resp = client.post(f"/cases/{app_id}/rating", {"level": "2", "comment": "  驳回理由不清楚  "})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/cases/{app_id}#rating")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "感谢您的评价" in page and 'data-level="2"' in page and "驳回理由不清楚" in page
    assert 'id="rating-form"' not in page and "政务服务中心将核实" in page
    [rating] = _ratings(app)
    assert (rating.level, rating.comment, rating.followed_up_at) == (2, "驳回理由不清楚", None)
    assert [e.data["level"] for e in _events(app, app_id, "rated")] == [2]

    # A second rating (or the same form sent twice) is refused and changes nothing.
    resp = client.post(f"/cases/{app_id}/rating", {"level": "5"})
    assert "您已评价过该办件" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert [r.level for r in _ratings(app)] == [2]

    admin = make_client()
    admin.login("admin")
    dash = admin.get("/admin/").get_data(as_text=True)
    assert 'id="ratings-alert"' in dash and "有 1 条差评待整改回复" in dash
    perf = admin.get("/admin/performance").get_data(as_text=True)
    assert f'data-rating="{rating.id}"' in perf and "驳回理由不清楚" in perf
    resp = admin.post(f"/admin/ratings/{rating.id}/follow-up?days=30", {"reply": "   "})
    assert "请填写针对该差评的核实整改情况" in admin.get(resp.headers["Location"]).get_data(
        as_text=True
    )
    reply = "已核实：税务登记信息缺少经营地址证明，已电话告知申请人补充后重新申请。"
    resp = admin.post(f"/admin/ratings/{rating.id}/follow-up?days=30", {"reply": reply})
    assert resp.status_code == 302 and "#follow-up" in resp.headers["Location"]
    perf = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "回复已发送" in perf and f'data-rating="{rating.id}"' not in perf
    assert 'id="ratings-alert"' not in admin.get("/admin/").get_data(as_text=True)
    resp = admin.post(f"/admin/ratings/{rating.id}/follow-up", {"reply": "第二次回复"})
    assert "该差评已回复" in admin.get(resp.headers["Location"]).get_data(as_text=True)

    page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert 'id="rating-reply"' in page and reply in page and "第二次回复" not in page
    [event] = _events(app, app_id, "rating_followed_up")
    assert event.message == reply
    assert "对您评价的回复" in page  # the timeline entry, labelled
    with app.app_context():
        assert ratings.count_awaiting_follow_up() == 0
        assert db.session.get(Rating, rating.id).followed_up_by.username == "admin"
        audited = db.session.execute(  # the refused second reply left no record
            db.select(AuditRecord).where(AuditRecord.object_type == "rating")
        ).scalars()
        assert [(r.object_id, r.actor_username, r.details["change"]) for r in audited] == [
            (str(rating.id), "admin", "rating_follow_up")
        ]


@pytest.mark.slow
def test_bad_input_and_access(app, client, make_client, wait_jobs):
    app_id = decisions.decided_case(
        app, client, make_client, wait_jobs, seed=52, mobile="13911112002"
    )
    for level in ("0", "6", "abc", "", "4.5", "-1"):
        resp = client.post(f"/cases/{app_id}/rating", {"level": level})
        page = client.get(resp.headers["Location"]).get_data(as_text=True)
        assert "请选择五个评价等级之一" in page, level
    resp = client.post(f"/cases/{app_id}/rating", {"level": "4", "comment": "好" * 501})
    assert "最多" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert _ratings(app) == []

    intruder = make_client()
    intruder.login("13800138000")  # the demo citizen: not the owner
    assert intruder.post(f"/cases/{app_id}/rating", {"level": "1"}).status_code == 404
    clerk = make_client()
    clerk.login("clerk_tax")
    assert clerk.post(f"/cases/{app_id}/rating", {"level": "1"}).status_code == 403
    assert _ratings(app) == []

    resp = client.post(f"/cases/{app_id}/rating", {"level": "4", "comment": "好" * 500})
    assert resp.status_code == 302
    [rating] = _ratings(app)
    assert rating.level == 4 and len(rating.comment) == 500
    assert 'data-level="4"' in client.get(f"/cases/{app_id}").get_data(as_text=True)

    admin = make_client()
    admin.login("admin")
    resp = admin.post(f"/admin/ratings/{rating.id}/follow-up", {"reply": "谢谢"})
    assert "只有差评需要整改回复" in admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert admin.post("/admin/ratings/999999/follow-up", {"reply": "x"}).status_code == 404
    assert client.post(f"/admin/ratings/{rating.id}/follow-up", {"reply": "x"}).status_code == 403
    with app.app_context():
        assert db.session.get(Rating, rating.id).follow_up_reply is None


def test_an_undecided_case_cannot_be_rated(app, client, wait_jobs):
    app_id = journeys.submitted_case(
        client, wait_jobs, seed=53, mobile="13911112003", rendered=False
    )
    page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert 'id="rating-form"' not in page and 'id="rating"' not in page
    resp = client.post(f"/cases/{app_id}/rating", {"level": "5"})
    assert "办件办结后才能评价" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert _ratings(app) == []


@pytest.mark.slow
def test_service_refuses_a_racing_second_rating(app, client, make_client, wait_jobs, monkeypatch):
    app_id = decisions.decided_case(
        app, client, make_client, wait_jobs, seed=54, mobile="13911112004"
    )
    with app.app_context():
        application = db.session.get(Application, app_id)
        owner = application.citizen
        other = db.session.execute(
            db.select(User).where(User.username == "13800138000")
        ).scalar_one()
        with pytest.raises(NotFound):
            ratings.rate(other, application, 3)
        with pytest.raises(ValidationFailed) as bad:
            ratings.rate(owner, application, None)
        assert set(bad.value.errors) == {"level"}
        # Two submits that both passed the "not rated yet" check: the unique key decides.
        monkeypatch.setattr(ratings, "for_application", lambda application: None)
        ratings.rate(owner, application, 3, "一般")
        with pytest.raises(Conflict) as second:
            ratings.rate(owner, application, 1)
        assert second.value.code == "already_rated"
        db.session.rollback()
        rows = db.session.execute(db.select(Rating)).scalars().all()
        assert [(r.level, r.comment) for r in rows] == [(3, "一般")]
        assert len(_events(app, app_id, "rated")) == 1
