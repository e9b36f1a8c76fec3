"""The registry of outside notification channels: what a channel is and where it is kept.

A `Channel` says everything the rest of the application needs to know about one way of
reaching people outside the portal: its name (stored on each delivery row), the label shown
in the inbox, which user attribute holds its address, how its content is written from a
notification, which setting chooses its backend and what each backend's send function is,
its length limit and how its addresses are masked in logs. `notifications.send` creates one
delivery per registered channel the recipient can be reached on; `delivery.deliver` looks
the row's backend up here. `check_registry(app)` runs at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from app.models import NotificationDelivery, User

OFF = "off"  # the backend value that turns a channel off; never a backend's own name


class DeliveryError(Exception):
    """A backend could not send; the message says why (kept on the delivery row)."""


class ChannelConfigError(RuntimeError):
    """A channel is malformed, or the configuration chooses a backend it does not have."""


@dataclass(frozen=True)
class Message:
    """What a channel writes its content from: one notification to one recipient.

    `compose` is called under the recipient's locale (`locale`), so gettext writes in their
    language. `link` is the local path; `url` is the absolute link when PUBLIC_URL is set.
    """

    recipient: User
    title: str
    body: str
    link: str | None
    url: str | None
    locale: str


Backend = Callable[[NotificationDelivery], str | None]  # sends a row; returns the provider id


def show_address(address: str) -> str:
    """No masking: for channels whose log lines may carry the whole address."""
    return address


def hide_address(address: str) -> str:
    """Full masking: the default, for channels that did not say how to shorten an address."""
    return "****"


@dataclass(frozen=True)
class Channel:
    """One outside channel (SMS, e-mail…): registered once with `register`."""

    name: str  # stored in NotificationDelivery.channel
    label: str  # lazy_gettext: shown next to each delivery in the inbox
    address_attribute: str  # the User attribute holding the address ("mobile", "email")
    compose: Callable[[Message], str]  # the content sent, in the recipient's language
    backend_setting: str  # the config key whose value names the backend, e.g. "SMS_BACKEND"
    backends: Mapping[str, Backend] = field(default_factory=dict)  # backend name -> send
    default_backend: str = OFF  # when the setting is missing or empty
    max_chars: int | None = None  # longer content is cut to this many characters
    mask_address: Callable[[str], str] = hide_address  # what a log line shows of an address

    def backend_name(self, config: Mapping) -> str:
        """The backend the configuration chooses (lower case), or OFF."""
        return str(config.get(self.backend_setting) or self.default_backend).lower()

    def address_of(self, user: User) -> str | None:
        """Where `user` is reached on this channel; None when they gave no such address."""
        return getattr(user, self.address_attribute, None) or None

    def content_for(self, message: Message) -> str:
        """The text sent for `message`, cut to the channel's limit."""
        text = self.compose(message)
        return text[: self.max_chars] if self.max_chars else text


_CHANNELS: dict[str, Channel] = {}  # by name, in registration order (the deliveries' order)


def register(channel: Channel) -> Channel:
    """Add `channel` to the registry; a malformed or duplicate channel raises at once."""
    problems = _malformed(channel)
    if channel.name in _CHANNELS:
        problems.append(f"a channel named {channel.name!r} is already registered")
    if problems:
        raise ChannelConfigError(f"channel {channel.name!r}: " + "; ".join(problems))
    _CHANNELS[channel.name] = channel
    return channel


def unregister(name: str) -> None:
    """Remove a channel (tests that register a channel of their own take it out again)."""
    _CHANNELS.pop(name, None)


def registered() -> list[Channel]:
    """Every registered channel, in registration order."""
    return list(_CHANNELS.values())


def get(name: str) -> Channel | None:
    """The channel called `name`, or None (a delivery row of a channel since removed)."""
    return _CHANNELS.get(name)


def find_backend(channel_name: str, backend_name: str | None) -> Backend | None:
    """The send function of one channel's backend, or None when there is no such backend."""
    channel = _CHANNELS.get(channel_name)
    return channel.backends.get(backend_name or "") if channel else None


def label(name: str) -> str:
    """The inbox label of the channel called `name` (the name itself if it is unknown)."""
    channel = _CHANNELS.get(name)
    return str(channel.label) if channel else name


def check_registry(app) -> None:
    """Start-up check: each registered channel's configured backend exists (or is OFF).

    Raises ChannelConfigError naming every setting with an unknown value, so a typo in
    SMS_BACKEND stops the start instead of failing each delivery later.
    """
    problems = []
    for channel in registered():
        chosen = channel.backend_name(app.config)
        if chosen != OFF and chosen not in channel.backends:
            choices = ", ".join([*channel.backends, OFF])
            problems.append(
                f"{channel.backend_setting}={chosen!r}: the {channel.name} channel has no "
                f"such backend (choose one of {choices})"
            )
    if problems:
        raise ChannelConfigError("; ".join(problems))


def _malformed(channel: Channel) -> list[str]:
    """What is wrong with `channel` itself, whatever the configuration."""
    problems = []
    name_length = NotificationDelivery.__table__.c.channel.type.length
    backend_length = NotificationDelivery.__table__.c.backend.type.length
    if not channel.name or len(channel.name) > name_length:
        problems.append(f"the name must have 1 to {name_length} characters")
    if not hasattr(User, channel.address_attribute):
        problems.append(f"users have no attribute {channel.address_attribute!r}")
    for backend in channel.backends:
        if backend != backend.lower() or not 0 < len(backend) <= backend_length:
            problems.append(f"backend {backend!r} must be lower case, 1 to {backend_length} long")
        if backend == OFF:
            problems.append(f"no backend may be called {OFF!r}: it turns the channel off")
    if not channel.backend_setting:
        problems.append("it needs a backend setting")
    return problems
