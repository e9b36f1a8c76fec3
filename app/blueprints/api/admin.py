"""The administrators' page for the API: systems, their tokens (created — shown once —
and revoked), their webhook subscriptions, and the latest webhook deliveries with every
attempt."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.access import admin_required
from app.domain.errors import DomainError, ValidationFailed
from app.services import api_tokens, webhooks

bp = Blueprint("api_admin", __name__)


def _page(status: int = 200, **shown):
    return (
        render_template(
            "api/admin.html",
            clients=api_tokens.clients(),
            scopes=api_tokens.scope_choices(),
            events=webhooks.EVENTS,
            deliveries=webhooks.recent_deliveries(),
            **shown,
        ),
        status,
    )


def _refused(exc: DomainError):
    if exc.status == 404:
        raise exc
    message = exc.summary() if isinstance(exc, ValidationFailed) else str(exc.message)
    flash(message, "danger")
    return _page(422)


@bp.route("/")
@admin_required
def index():
    """Systems, tokens, webhooks and deliveries."""
    return _page()


@bp.route("/systems", methods=["POST"])
@admin_required
def create_system():
    """Register a system."""
    form = request.form
    try:
        client = api_tokens.create_client(form.get("name", ""), form.get("description", ""),
                                          current_user)  # fmt: skip
    except DomainError as exc:
        return _refused(exc)
    flash(_("System %(name)s registered.", name=client.name), "success")
    return redirect(url_for(".index"))


@bp.route("/systems/<int:client_id>/tokens", methods=["POST"])
@admin_required
def create_token(client_id: int):
    """Give a system a token; the page shows it this once (it is not kept)."""
    try:
        token, raw = api_tokens.create_token(
            client_id, request.form.getlist("scopes"), request.form.get("days", ""), current_user
        )
    except DomainError as exc:
        return _refused(exc)
    return _page(new_token=raw, new_token_prefix=token.prefix)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@admin_required
def revoke_token(token_id: int):
    """Revoke a token."""
    token = api_tokens.revoke_token(token_id, current_user)
    flash(_("Token %(prefix)s revoked.", prefix=token.prefix), "success")
    return redirect(url_for(".index"))


@bp.route("/systems/<int:client_id>/webhooks", methods=["POST"])
@admin_required
def add_webhook(client_id: int):
    """Subscribe a URL of the system to case events; the page shows the secret once."""
    form = request.form
    try:
        subscription, secret = webhooks.subscribe(
            client_id, form.get("url", ""), form.get("secret"), form.getlist("events"),
            current_user,
        )  # fmt: skip
    except DomainError as exc:
        return _refused(exc)
    return _page(new_secret=secret, new_secret_url=subscription.url)


@bp.route("/webhooks/<int:subscription_id>/end", methods=["POST"])
@admin_required
def end_webhook(subscription_id: int):
    """End a subscription."""
    webhooks.unsubscribe(subscription_id, admin=current_user)
    flash(_("Webhook ended."), "success")
    return redirect(url_for(".index"))
