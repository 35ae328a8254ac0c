"""The small protocol through which cadence logic reaches chat platforms (bot/ implements it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One outbox row, ready to hand to a platform. `context` is what the template renders."""

    delivery_id: int
    idempotency_key: str
    platform: str  # slack | teams | console
    address: str  # Slack user/channel id, Teams conversation id, console email
    template: str  # e.g. "checkin_prompt"; the platform renders it for its surface
    context: Mapping[str, Any] = field(default_factory=dict)
    person_id: int | None = None
    # When set, update this earlier message in place instead of posting a new one.
    replace_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Sent:
    message_ref: str | None = None  # e.g. "C123:1700000000.000100" or a Teams activity id


class DeliveryError(Exception):
    """Base class for the outcomes of a failed send; the sender decides what happens next."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(DeliveryError):
    """429, 5xx, 412, timeouts: try again, no sooner than `retry_after` seconds when given."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Unreachable(DeliveryError):
    """The platform says this person cannot be reached (deactivated, bot removed): stop trying."""


class PermanentFailure(DeliveryError):
    """The message itself is wrong (invalid blocks, unknown template): retrying will not help."""


class Notifier(Protocol):
    async def deliver(self, message: OutboundMessage) -> Sent:
        """Send or update one message; raise a DeliveryError subclass when it did not go out."""
        ...
