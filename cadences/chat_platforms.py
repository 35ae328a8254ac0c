"""The chat platforms the outbox can address, as cadences needs to know them.

cadences never imports bot/; bot.platforms registers one `ChatAddressing` per chat platform
when it is imported (every process imports it before its first tick). The order of
registration is the order of preference: a person with identities on two platforms gets
their direct messages on the first. Someone with none is reached in the console inbox.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # storage.identities imports SQLModel, which `--help` does not need
    from storage.identities import ChatIdentity

CONSOLE = "console"


@dataclass(frozen=True, slots=True)
class ChatAddressing:
    name: str  # Delivery.platform and ChatIdentity.platform
    dm_address: Callable[[ChatIdentity], str | None]  # where a direct message to this identity goes
    channel_address: Callable[[Any], str | None] = lambda team: None  # a Team's channel here, if any
    how_to_enable: str = ""  # e.g. "set SLACK_BOT_TOKEN": said when a message waits for it
    how_to_link: str = ""  # e.g. "run `outcomebot slack sync`": said when someone has no identity
    label: str = ""  # how people write its name ("Slack"); the name capitalised when empty

    @property
    def title(self) -> str:
        return self.label or self.name.title()


_REGISTERED: dict[str, ChatAddressing] = {}


def register(addressing: ChatAddressing) -> None:
    """Add a chat platform (registering the same name again replaces it in place)."""
    _REGISTERED[addressing.name] = addressing


def registered() -> tuple[ChatAddressing, ...]:
    return tuple(_REGISTERED.values())


def chat_platform_names() -> tuple[str, ...]:
    return tuple(_REGISTERED)


def chat_target(identities: Mapping[str, ChatIdentity], enabled: Collection[str] | None = None) -> tuple[str, str] | None:
    """(platform, address) of the first registered (and, when given, enabled) platform the
    person can be reached on, or None."""
    if not identities:
        return None
    for addressing in _REGISTERED.values():
        identity = identities.get(addressing.name)
        if identity is not None and (enabled is None or addressing.name in enabled):
            address = addressing.dm_address(identity)
            if address:
                return addressing.name, address
    return None


def person_target(email: str, identities: Mapping[str, ChatIdentity]) -> tuple[str, str]:
    """Where a person's direct messages go when queued: their preferred chat identity, else the console."""
    return chat_target(identities) or (CONSOLE, email)


def team_targets(team: Any) -> list[tuple[str, str]]:
    """Every channel a team's announcements go to, one per platform it has a channel on."""
    targets = []
    for addressing in _REGISTERED.values():
        address = addressing.channel_address(team)
        if address:
            targets.append((addressing.name, address))
    return targets


def no_identity_reason(identities: Mapping[str, ChatIdentity], enabled: Collection[str]) -> str:
    """Why a direct message waits: what the person has, and what would let it go out."""
    for addressing in _REGISTERED.values():
        if addressing.name in identities and addressing.name not in enabled:
            others = [other.how_to_link for other in _REGISTERED.values() if other.name != addressing.name and other.how_to_link]
            hint = f", or {' or '.join(others)}" if others else ""
            return f"only a {addressing.title} identity, and {addressing.title} is not enabled here ({addressing.how_to_enable}){hint}"
    names = " or ".join(a.title for a in _REGISTERED.values()) or "chat"
    links = " or ".join(a.how_to_link for a in _REGISTERED.values() if a.how_to_link)
    return f"no {names} identity" + (f": {links}" if links else "")


def unregister(name: str) -> None:
    _REGISTERED.pop(name, None)
