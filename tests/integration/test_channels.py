"""The notification channel registry: a channel defined and registered in one place (here, in
the test) gets its deliveries, is sent through by the delivery job and is labelled in the
inbox; the start-up check and registration refuse what would only fail later."""

from __future__ import annotations

import pytest
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import DeliveryStatus, Notification, NotificationDelivery, User
from app.services import channels, delivery, notifications

CITIZEN = "13800138000"


def _user(username: str) -> User:
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


@pytest.fixture()
def govapp(app, monkeypatch):
    """A government-app push channel that exists only in this test: one `Channel` and one
    `register` call, nothing else. Its `memory` backend keeps what it was asked to send."""
    outbox = []

    def push(row: NotificationDelivery) -> str:
        outbox.append((row.id, row.address, row.content))
        return f"push-{row.id}"

    channel = channels.Channel(
        name="govapp",
        label=_l("Government app"),
        address_attribute="mobile",  # app accounts are bound to the mobile number
        compose=lambda m: f"{m.locale}|{m.title}|{m.url}|{m.body}",
        backend_setting="GOVAPP_BACKEND",
        backends={"memory": push},
        max_chars=60,
        mask_address=lambda address: address[-4:],
    )
    channels.register(channel)
    monkeypatch.setitem(app.config, "GOVAPP_BACKEND", "memory")
    yield outbox
    channels.unregister("govapp")


def _deliveries(note_id: int) -> list[tuple]:
    db.session.expire_all()
    return [
        (d.channel, d.address, d.backend, d.status)
        for d in db.session.get(Notification, note_id).deliveries
    ]


def test_a_channel_registered_in_one_place_is_delivered_through_and_shown(
    app, client, monkeypatch, govapp, local_jobs, wait_jobs
):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://onewindow.test/")
    with app.app_context():
        note = notifications.send(
            _user(CITIZEN), "notice", lambda: ("标题", "正文" * 50), link="/cases"
        )
        db.session.commit()
        note_id = note.id
    wait_jobs()
    with app.app_context():
        assert _deliveries(note_id) == [
            ("sms", CITIZEN, "log", DeliveryStatus.SENT),
            ("govapp", CITIZEN, "memory", DeliveryStatus.SENT),
        ]
        push = next(
            d for d in db.session.get(Notification, note_id).deliveries if d.channel == "govapp"
        )
        # Written by the channel's compose, in the recipient's language, cut to its limit.
        expected = ("zh|标题|https://onewindow.test/cases|" + "正文" * 50)[:60]
        assert push.content == expected and push.provider_id == f"push-{push.id}"
        assert govapp == [(push.id, CITIZEN, expected)]  # the delivery job sent it
        db.session.remove()
    client.login(CITIZEN)
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'data-channel="govapp"' in page and "Government app" in page


def test_a_channel_turned_off_or_without_an_address_gets_no_delivery(ctx, app, monkeypatch, govapp):
    monkeypatch.setitem(app.config, "GOVAPP_BACKEND", "off")
    note = notifications.send(_user(CITIZEN), "notice", lambda: ("关闭", "正文"))
    assert [d.channel for d in note.deliveries] == ["sms"]
    monkeypatch.setitem(app.config, "GOVAPP_BACKEND", "memory")
    clerk = _user("clerk_tax")
    clerk.mobile, clerk.email = None, "tax@gov.example.cn"
    note = notifications.send(clerk, "notice", lambda: ("没有手机", "正文"))
    assert [d.channel for d in note.deliveries] == ["email"]
    db.session.rollback()
    assert govapp == []


def test_the_start_up_check_refuses_a_backend_the_channel_does_not_have(app, monkeypatch, govapp):
    channels.check_registry(app)  # the test configuration, the fake channel on `memory`
    for value in ("HTTP", "off", "", None):  # case-insensitive, and off/unset send nothing
        monkeypatch.setitem(app.config, "SMS_BACKEND", value)
        channels.check_registry(app)
    monkeypatch.setitem(app.config, "SMS_BACKEND", "carrier-pigeon")
    monkeypatch.setitem(app.config, "GOVAPP_BACKEND", "smtp")
    with pytest.raises(channels.ChannelConfigError) as info:
        channels.check_registry(app)
    assert "SMS_BACKEND='carrier-pigeon'" in str(info.value)
    assert "GOVAPP_BACKEND='smtp'" in str(info.value) and "memory" in str(info.value)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"name": "sms"}, "already registered"),
        ({"name": "a-channel-name-too-long"}, "1 to 16 characters"),
        ({"address_attribute": "wechat_openid"}, "no attribute 'wechat_openid'"),
        ({"backends": {"off": print}}, "turns the channel off"),
        ({"backends": {"Log": print}}, "lower case"),
    ],
)
def test_registration_refuses_a_malformed_or_duplicate_channel(change, complaint):
    fields = dict(
        name="pager",
        label=_l("Pager"),
        address_attribute="mobile",
        compose=lambda m: m.title,
        backend_setting="PAGER_BACKEND",
        backends={"log": print},
    )
    with pytest.raises(channels.ChannelConfigError, match=complaint):
        channels.register(channels.Channel(**{**fields, **change}))
    assert [c.name for c in channels.registered()] == ["sms", "email"]


def test_a_delivery_whose_backend_is_gone_raises_for_the_job_to_retry(ctx):
    note = notifications.send(_user(CITIZEN), "notice", lambda: ("旧后端", "正文"))
    [row] = note.deliveries
    row.backend = "pigeon"  # e.g. a row queued before the backend was removed
    db.session.flush()
    with pytest.raises(delivery.DeliveryError, match="no sms backend named 'pigeon'"):
        delivery.deliver(row.id)
    assert row.status == DeliveryStatus.PENDING
    db.session.rollback()
