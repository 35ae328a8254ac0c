"""What `outcomebot doctor` asks the database: is there an organisation, and can it be reached?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import KeyResult, Person, Team


@dataclass(frozen=True)
class TeamChannelState:
    name: str
    slack_channel_id: str | None
    teams_channel_ref: dict[str, Any] | None


async def count_key_results(session: AsyncSession) -> int:
    return int((await session.exec(select(func.count()).select_from(KeyResult))).one())


async def people_without_chat_identity(session: AsyncSession, *, slack: bool, teams: bool) -> list[str]:
    """Emails of active people none of the enabled platforms can reach (sorted)."""
    conditions = []
    if slack:
        conditions.append(Person.slack_user_id.is_(None))  # type: ignore[union-attr]
    if teams:
        # An empty JSON column may hold SQL NULL or a JSON `null`, depending on how the row was written.
        reference = Person.teams_conversation_ref
        conditions.append(or_(reference.is_(None), cast(reference, String) == "null"))  # type: ignore[union-attr]
    if not conditions:
        return []
    statement = select(Person.email).where(Person.active == True, *conditions).order_by(Person.email)  # noqa: E712
    return list((await session.exec(statement)).all())


async def team_channels(session: AsyncSession) -> dict[str, TeamChannelState]:
    rows = (await session.exec(select(Team.name, Team.slack_channel_id, Team.teams_channel_ref))).all()
    return {name: TeamChannelState(name, slack_id, ref) for name, slack_id, ref in rows}
