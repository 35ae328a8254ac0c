"""Mirror app.yaml's cadences and team channels into the database, where the rest reads them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.settings import CadenceRule
from storage.models import Cadence
from storage.repositories.registry import cadences_by_name, teams_named


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


async def sync_team_channels(session: AsyncSession, channels: Mapping[str, tuple[str | None, str | None]]) -> int:
    """Apply app.yaml's `channels.teams` ({team name: (slack channel id, teams conversation id)}).

    A Teams channel also needs the service URL and tenant the bot learnt when it was installed
    in that team, so a configured Teams conversation id only replaces the id in a stored
    reference. Returns how many teams changed; the caller commits.
    """
    if not channels:
        return 0
    teams = await teams_named(session, channels)
    changed = 0
    for team in teams:
        slack, teams_id = channels[team.name]
        if slack and team.slack_channel_id != slack:
            team.slack_channel_id = slack
            changed += 1
        ref = team.teams_channel_ref
        if teams_id and ref and ref.get("conversation", {}).get("id") != teams_id:
            team.teams_channel_ref = {**ref, "conversation": {**ref.get("conversation", {}), "id": teams_id}}
            changed += 1
        session.add(team)
    return changed
