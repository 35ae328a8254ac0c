"""Teams' channels in tests, written the way the old columns named them (`slack_channel_id`,
`teams_channel_ref`); stored as team_channel rows (storage.team_channels)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storage.models import Team
from storage.repositories.team_channels import channels_by_team, set_team_channel
from storage.team_channels import TeamChannel


async def set_channels(session, team_id: int, *, slack_channel_id: str | None = None,
                       teams_channel_ref: Mapping[str, Any] | None = None) -> None:
    """Give the team these channels (inside the caller's transaction)."""
    if slack_channel_id:
        await set_team_channel(session, team_id, "slack", address=slack_channel_id)
    if teams_channel_ref:
        channel_id = ((teams_channel_ref or {}).get("conversation") or {}).get("id")
        await set_team_channel(session, team_id, "teams", address=channel_id, reference=teams_channel_ref)
    await session.flush()


async def add_team(session, name: str, **channels: Any) -> Team:
    """A team with these channels (`slack_channel_id`, `teams_channel_ref`), flushed."""
    team = Team(name=name)
    session.add(team)
    await session.flush()
    await set_channels(session, team.id, **channels)
    return team


class Channelled:
    """A Team with its channels readable as `slack_channel_id` and `teams_channel_ref`, as the
    tests ask about them."""

    def __init__(self, team: Team, channels: Mapping[str, TeamChannel]) -> None:
        self._team = team
        self._channels = channels

    def __getattr__(self, name: str) -> Any:
        return getattr(self._team, name)

    @property
    def slack_channel_id(self) -> str | None:
        found = self._channels.get("slack")
        return (found.address or None) if found else None

    @property
    def teams_channel_ref(self) -> dict[str, Any] | None:
        found = self._channels.get("teams")
        return dict(found.reference) if found and found.reference is not None else None


async def channelled(session, teams: list[Team]) -> list[Channelled]:
    channels = await channels_by_team(session, [t.id for t in teams])
    return [Channelled(t, channels.get(t.id, {})) for t in teams]


async def remove_channels(session, team_id: int) -> None:
    """The team has no channel any more (its rows keep no address or reference)."""
    for platform in (await channels_by_team(session, [team_id])).get(team_id, {}):
        await set_team_channel(session, team_id, platform, address=None, reference=None)
    await session.flush()
