"""The API's webhook endpoints: a system lists, adds and ends its own subscriptions to case
events (scope `webhooks:manage`)."""

from __future__ import annotations

from flask import g

from app.blueprints.api import schemas
from app.blueprints.api.core import make_blueprint, protected
from app.services import api_tokens, webhooks

blp = make_blueprint("api_webhooks", "Subscribe to case events (signed webhooks)")


@blp.route("/webhooks")
@protected(blp, api_tokens.SCOPE_WEBHOOKS)
@blp.response(200, schemas.WebhookSchema(many=True))
def list_webhooks():
    """This system's active subscriptions."""
    return webhooks.subscriptions_of(g.api_token.client_id)


@blp.route("/webhooks", methods=["POST"])
@protected(blp, api_tokens.SCOPE_WEBHOOKS)
@blp.arguments(schemas.WebhookInSchema)
@blp.response(201, schemas.NewWebhookSchema)
def add_webhook(body):
    """Subscribe a URL to events; the answer carries the signing secret (keep it)."""
    subscription, secret = webhooks.subscribe(
        g.api_token.client_id, body["url"], body.get("secret"), body["events"]
    )
    return {
        "id": subscription.id,
        "url": subscription.url,
        "events": subscription.events,
        "created_at": subscription.created_at,
        "secret": secret,
    }


@blp.route("/webhooks/<int:subscription_id>", methods=["DELETE"])
@protected(blp, api_tokens.SCOPE_WEBHOOKS)
@blp.response(204)
@blp.alt_response(404, description="No such subscription of this system")
def delete_webhook(subscription_id: int):
    """End one of this system's subscriptions."""
    webhooks.unsubscribe(subscription_id, client_id=g.api_token.client_id)
