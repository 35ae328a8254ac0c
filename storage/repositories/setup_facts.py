"""What `outcomebot doctor` asks the database: is there an organisation, and can it be reached?"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import and_, func, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.identities import PersonIdentity
from storage.models import KeyResult, Person
from storage.repositories.team_channels import channels_by_team_name
from storage.team_channels import TeamChannel


async def count_key_results(session: AsyncSession) -> int:
    return int((await session.exec(select(func.count()).select_from(KeyResult))).one())


async def people_without_chat_identity(
    session: AsyncSession, *, by_id: Collection[str] = (), by_conversation: Collection[str] = ()
) -> list[str]:
    """Emails of active people none of the enabled platforms can reach (sorted): on a platform in
    `by_id` an account id reaches them, on one in `by_conversation` only a known conversation does."""
    if not by_id and not by_conversation:
        return []
    identity = PersonIdentity.__table__.c
    reachable = select(identity.person_id).where(or_(
        and_(identity.platform.in_(list(by_id)), identity.external_id.is_not(None)),
        and_(identity.platform.in_(list(by_conversation)), identity.conversation_ref.is_not(None)),
    ))
    statement = (select(Person.email).where(Person.active == True, Person.id.not_in(reachable))  # noqa: E712
                 .order_by(Person.email))
    return list((await session.exec(statement)).all())


async def team_channels(session: AsyncSession) -> dict[str, dict[str, TeamChannel]]:
    """{team name: {platform: its channel there}} of the teams that have a channel."""
    return await channels_by_team_name(session)
