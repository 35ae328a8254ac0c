"""Finding a person by one of their chat identities (storage.identities)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person
from storage.repositories.people import person_by_slack_id, person_by_teams_id

_BY_PLATFORM = {"slack": person_by_slack_id, "teams": person_by_teams_id}


async def person_by_chat_identity(session: AsyncSession, platform: str, external_id: str) -> Person | None:
    """The person whose identity on `platform` is `external_id`, or None."""
    lookup = _BY_PLATFORM.get(platform)
    if lookup is None or not external_id:
        return None
    return await lookup(session, external_id)
