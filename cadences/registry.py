"""Mirror app.yaml's cadences and team channels into the database, where the rest reads them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.chat_platforms import configured_channel
from cadences.settings import CadenceRule
from storage.models import Cadence
from storage.repositories.registry import cadences_by_name, teams_named
from storage.repositories.team_channels import channels_by_team, set_team_channel


async def sync_cadences(session: AsyncSession, rules: Iterable[CadenceRule]) -> dict[str, Cadence]:
    """Insert or update a Cadence row per rule (by name); returns them by name. Caller commits."""
    existing = await cadences_by_name(session)
    result: dict[str, Cadence] = {}
    for rule in rules:
        row = existing.get(rule.name) or Cadence(name=rule.name, every=rule.every, on=rule.on, at=rule.at)
        row.every, row.on, row.at, row.questions = rule.every, rule.on, rule.at, list(rule.questions)
        session.add(row)
        result[rule.name] = row
    await session.flush()
    return result


async def sync_team_channels(session: AsyncSession, channels: Mapping[str, Mapping[str, str | None]]) -> int:
    """Apply app.yaml's `channels.teams` ({team name: {platform: configured channel id}}).

    Each platform says what a configured id means for the channel stored for it
    (`ChatAddressing.configured_channel`; e.g. a Teams channel also needs the service URL and
    tenant the bot learnt when it was installed in that team, so there the id only replaces the
    one in a stored reference). Returns how many channels changed; the caller commits.
    """
    if not channels:
        return 0
    teams = await teams_named(session, channels)
    stored = await channels_by_team(session, [team.id for team in teams])  # type: ignore[misc]
    changed = 0
    for team in teams:
        have = stored.get(team.id, {})  # type: ignore[arg-type]
        for platform, address in channels[team.name].items():
            if not address:
                continue
            wanted = configured_channel(platform, have.get(platform), address)
            if wanted is None or wanted == have.get(platform):
                continue
            await set_team_channel(session, team.id, platform, address=wanted.address,  # type: ignore[arg-type]
                                   reference=wanted.reference)
            changed += 1
    return changed
