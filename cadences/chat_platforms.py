"""The chat platforms the outbox can address, as cadences needs to know them.

cadences never imports bot/; bot.platforms registers one `ChatAddressing` per chat platform
when it is imported (every process imports it before its first tick). The order of
registration is the order of preference: a person with identities on two platforms gets
their direct messages on the first. Someone with none is reached in the console inbox.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # storage.identities and storage.team_channels import SQLModel, which `--help` does not need
    from storage.identities import ChatIdentity
    from storage.team_channels import TeamChannel

CONSOLE = "console"


def stored_address(channel: TeamChannel) -> str | None:
    """A team channel's address as stored (the default: the channel's id is where posts go)."""
    return channel.address or None


def configured_address(stored: TeamChannel, address: str) -> TeamChannel | None:
    """The channel after app.yaml names `address` for it (the default: that id, any stored
    reference kept); None when nothing is to be stored."""
    return replace(stored, address=address)


@dataclass(frozen=True, slots=True)
class ChatAddressing:
    name: str  # Delivery.platform and ChatIdentity.platform
    dm_address: Callable[[ChatIdentity], str | None]  # where a direct message to this identity goes
    channel_address: Callable[[TeamChannel], str | None] = stored_address  # where a team's posts go here, if anywhere
    # app.yaml `channels.teams.<Team>.<platform>` applied to the stored channel (storage.team_channels)
    configured_channel: Callable[[TeamChannel, str], TeamChannel | None] = configured_address
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


def team_targets(channels: Mapping[str, TeamChannel]) -> list[tuple[str, str]]:
    """Every channel a team's announcements go to, one per registered platform it has a
    channel on (`channels`: the team's {platform: TeamChannel})."""
    targets = []
    for addressing in _REGISTERED.values():
        channel = channels.get(addressing.name)
        address = addressing.channel_address(channel) if channel is not None else None
        if address:
            targets.append((addressing.name, address))
    return targets


def configured_channel(platform: str, stored: TeamChannel | None, address: str) -> TeamChannel | None:
    """The team's channel on `platform` once app.yaml names `address` for it (as that platform
    takes a configured id), or None when nothing is to be stored."""
    from storage.team_channels import TeamChannel  # imports SQLModel: not at `--help`

    addressing = _REGISTERED.get(platform)
    take = addressing.configured_channel if addressing is not None else configured_address
    return take(stored or TeamChannel(platform, ""), address)


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
