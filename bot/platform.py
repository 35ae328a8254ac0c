"""Platform-neutral types: inbound events, outbound intents and the ChatPlatform protocol.

Adapters (console, Slack, Teams, the test fake) turn their platform's payloads into these
events, pass them to the router, and render the intents the handlers return.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cadences.notifier import OutboundMessage, Sent


@dataclass(frozen=True, slots=True)
class Sender:
    """Who an inbound event came from, as the platform names them."""

    platform: str  # console | slack | teams | fake
    user_ref: str  # email on the console, Slack user id, Teams AAD object id
    conversation: str | None = None  # channel / conversation id it was said in
    is_direct: bool = True


@dataclass(frozen=True, slots=True)
class MessageReceived:
    sender: Sender
    text: str


@dataclass(frozen=True, slots=True)
class ButtonClicked:
    sender: Sender
    action: str  # e.g. "checkin.start", "blocker.ack"
    value: str = ""


@dataclass(frozen=True, slots=True)
class FormSubmitted:
    sender: Sender
    form: str  # e.g. "checkin"
    values: Mapping[str, str] = field(default_factory=dict)
    # Opaque state the form carried (e.g. the check-in id it is for).
    state: Mapping[str, str] = field(default_factory=dict)
    # The platform's name for this delivery (same form, same values → same key). A form
    # handler records it in the transaction that stores the answers and answers a second
    # delivery with the same key (a platform retry) with no intents, storing nothing again.
    once_key: str | None = None


@dataclass(frozen=True, slots=True)
class MemberJoined:
    sender: Sender
    email: str | None = None
    name: str | None = None


InboundEvent = MessageReceived | ButtonClicked | FormSubmitted | MemberJoined


@dataclass(frozen=True, slots=True)
class Reply:
    """Answer the person with a rendered template; `public` only for what is meant for a channel."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    public: bool = False


@dataclass(frozen=True, slots=True)
class ShowForm:
    """Open a form (Slack modal, Teams card, console questions). `form` is e.g. a CheckInForm."""

    form: Any


@dataclass(frozen=True, slots=True)
class FormRejected:
    """Input was invalid: show these messages by field, keep what was typed."""

    form: Any
    errors: Mapping[str, str]
    values: Mapping[str, str]


Intent = Reply | ShowForm | FormRejected


class ChatPlatform(Protocol):
    """What every adapter offers the core: speak first (outbox) and answer events."""

    name: str

    async def deliver(self, message: OutboundMessage) -> Sent:
        """Send a scheduled message (prompt, reminder, digest…); see cadences.notifier."""
        ...
