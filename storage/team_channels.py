"""A team's channels: which platform, the channel's id there, and how to speak in it — one row
per team and platform, as people's chat identities are (storage.identities).

The `team_channel` table holds them (`TeamChannelRow`); the rest of the code sees a team's
channels as `{platform: TeamChannel}` values (cadences.chat_platforms asks each registered
platform for the address), read and written through storage.repositories.team_channels. A new
chat platform needs no column: its channels are rows with its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

ADDRESS_MAX = 200  # as Delivery.address


class TeamChannelRow(SQLModel, table=True):
    """A team's channel on one chat platform (at most one per platform)."""

    __tablename__ = "team_channel"
    __table_args__ = (UniqueConstraint("team_id", "platform"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    platform: str = Field(max_length=16)
    # The platform's id of the channel (a Slack channel id, a Teams conversation id); NULL while
    # only a reference is known.
    address: str | None = Field(default=None, max_length=ADDRESS_MAX)
    # How to speak in it when the platform needs more than the id (Teams: the channel's
    # ConversationReference as JSON, learnt when the app is installed in the team).
    reference: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))

    def value(self) -> "TeamChannel":
        return TeamChannel(self.platform, self.address or "", self.reference)


@dataclass(frozen=True, slots=True)
class TeamChannel:
    platform: str  # a registered chat platform's name, e.g. the one of Delivery.platform
    address: str  # the platform's id of the channel ("" when only a reference is known)
    reference: Mapping[str, Any] | None = None  # how to speak in it, when the platform needs one


NO_CHANNELS: Mapping[str, TeamChannel] = {}
