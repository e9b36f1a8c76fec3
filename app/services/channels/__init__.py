"""Outside notification channels (SMS, e-mail…): one module per channel, registered here.

A channel is one module that defines a `Channel` (see `registry.py`: its address, content,
backends chosen by a setting, length limit, address masking) plus one `register` line below.
Registration order is the order of a notification's deliveries.
"""

from __future__ import annotations

from app.services.channels import email, sms
from app.services.channels.registry import (
    OFF,
    Channel,
    ChannelConfigError,
    DeliveryError,
    Message,
    check_registry,
    find_backend,
    get,
    label,
    register,
    registered,
    unregister,
)

__all__ = [
    "OFF",
    "Channel",
    "ChannelConfigError",
    "DeliveryError",
    "Message",
    "check_registry",
    "find_backend",
    "get",
    "label",
    "register",
    "registered",
    "unregister",
]

register(sms.CHANNEL)
register(email.CHANNEL)
