"""Teams' channels (storage.team_channels): read them by team, set one, find a reference by address."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Team
from storage.team_channels import TeamChannel, TeamChannelRow

_CH = TeamChannelRow.__table__.c
_COLUMNS = (_CH.team_id, _CH.platform, _CH.address, _CH.reference)
# Built once: every announcement (and the reply to a shared win) reads one team's channels.
_OF_TEAM = select(*_COLUMNS).where(_CH.team_id == bindparam("team_id"))
KEEP: Any = object()  # set_team_channel: leave this field as stored


def _by_team(rows) -> dict[int, dict[str, TeamChannel]]:
    found: dict[int, dict[str, TeamChannel]] = {}
    for team_id, platform, address, reference in rows:
        found.setdefault(team_id, {})[platform] = TeamChannel(platform, address or "", reference)
    return found


async def channels_by_team(
    session: AsyncSession, team_ids: Iterable[int] | None = None
) -> dict[int, dict[str, TeamChannel]]:
    """{team id: {platform: channel}} for these teams (every team when None); one query."""
    statement = select(*_COLUMNS)
    if team_ids is not None:
        wanted = sorted(set(team_ids))
        if not wanted:
            return {}
        statement = statement.where(_CH.team_id.in_(wanted))
    return _by_team((await session.exec(statement)).all())


async def channels_of_team(session: AsyncSession, team_id: int) -> dict[str, TeamChannel]:
    """{platform: channel} of one team."""
    return _by_team((await session.exec(_OF_TEAM, params={"team_id": team_id})).all()).get(team_id, {})


async def channels_by_team_name(session: AsyncSession) -> dict[str, dict[str, TeamChannel]]:
    """{team name: {platform: channel}} of every team that has a channel."""
    statement = select(Team.name, *_COLUMNS[1:]).join(TeamChannelRow, TeamChannelRow.team_id == Team.id)
    found: dict[str, dict[str, TeamChannel]] = {}
    for name, platform, address, reference in (await session.exec(statement)).all():
        found.setdefault(name, {})[platform] = TeamChannel(platform, address or "", reference)
    return found


async def team_channel_row(session: AsyncSession, team_id: int, platform: str) -> TeamChannelRow | None:
    statement = select(TeamChannelRow).where(TeamChannelRow.team_id == team_id, TeamChannelRow.platform == platform)
    return (await session.exec(statement)).first()


async def set_team_channel(
    session: AsyncSession, team_id: int, platform: str, *, address: str | None = KEEP,
    reference: Mapping[str, Any] | None = KEEP,
) -> TeamChannelRow:
    """Create or update the team's channel on `platform` (fields not given are kept). The caller
    decides whether the change is allowed (e.g. a Teams channel only from our own tenant)."""
    row = await team_channel_row(session, team_id, platform)
    if row is None:
        row = TeamChannelRow(team_id=team_id, platform=platform)
    if address is not KEEP:
        row.address = address or None
    if reference is not KEEP and row.reference != reference:
        row.reference = dict(reference) if reference is not None else None
    session.add(row)
    return row


async def channel_reference(session: AsyncSession, platform: str, address: str) -> dict[str, Any] | None:
    """The stored reference of the channel with this address on `platform`, or None."""
    if not address:
        return None
    statement = (select(_CH.reference).where(_CH.platform == platform, _CH.address == address, _CH.reference.is_not(None))
                 .order_by(_CH.id))
    return (await session.exec(statement)).first()


async def all_teams(session: AsyncSession) -> list[Team]:
    return list((await session.exec(select(Team).order_by(Team.id))).all())
