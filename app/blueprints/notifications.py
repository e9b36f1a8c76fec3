"""The notification inbox of every logged-in user, and the unread count for the header bell."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.blueprints.context import safe_next
from app.blueprints.edge import int_arg
from app.services import channels, notifications

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def inject_unread():
    """`unread_notifications()` for base.html: counted only when the header asks for it."""

    def unread() -> int:
        if not current_user.is_authenticated:
            return 0
        return notifications.unread_count(current_user)

    return {"unread_notifications": unread}


@bp.route("/")
@login_required
def inbox():
    page = int_arg("page", 1)
    rows, more = notifications.inbox(current_user, page=page)
    return render_template(
        "notifications/inbox.html",
        notifications=rows,
        page=page,
        more=more,
        channel_label=channels.label,
    )


@bp.route("/<int:notification_id>")
@login_required
def open(notification_id: int):  # noqa: A001 — the view's name is its URL's verb
    note = notifications.open_notification(current_user, notification_id)
    return redirect(safe_next(note.link, url_for(".inbox")))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    count = notifications.mark_all_read(current_user)
    if count:
        flash(_("All notifications are marked as read."), "info")
    return redirect(url_for(".inbox"))
