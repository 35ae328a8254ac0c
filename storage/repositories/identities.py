"""People's chat identities (storage.identities): find a person by one, read them, set them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.identities import ChatIdentity, PersonIdentity, identities_from_rows
from storage.models import Person

_ID = PersonIdentity.__table__.c
# Built once: every inbound Slack or Teams event starts with this lookup, and building the
# statement cost more than running it.
_BY_IDENTITY = (
    select(Person).join(PersonIdentity, PersonIdentity.person_id == Person.id)
    .where(PersonIdentity.platform == bindparam("platform"), PersonIdentity.external_id == bindparam("external_id"))
)
_COLUMNS = (_ID.person_id, _ID.platform, _ID.external_id, _ID.tenant, _ID.conversation_ref)
KEEP: Any = object()  # set_identity: leave this field as stored


async def person_by_chat_identity(session: AsyncSession, platform: str, external_id: str) -> Person | None:
    """The person whose identity on `platform` is `external_id`, or None."""
    if not external_id:
        return None
    result = await session.exec(_BY_IDENTITY, params={"platform": platform, "external_id": external_id})
    return result.first()


async def person_by_any_chat_identity(session: AsyncSession, external_id: str) -> Person | None:
    """The person with this id on any platform (a raw id typed in a command), or None."""
    if not external_id:
        return None
    statement = (select(Person).join(PersonIdentity, PersonIdentity.person_id == Person.id)
                 .where(PersonIdentity.external_id == external_id).order_by(PersonIdentity.id))
    return (await session.exec(statement)).first()


async def identities_of(session: AsyncSession, person_id: int) -> dict[str, ChatIdentity]:
    return (await identities_by_person(session, [person_id])).get(person_id, {})


async def identities_by_person(
    session: AsyncSession, person_ids: Iterable[int] | None = None
) -> dict[int, dict[str, ChatIdentity]]:
    """{person id: {platform: identity}} for these people (everyone when None); one query."""
    statement = select(*_COLUMNS)
    if person_ids is not None:
        wanted = sorted(set(person_ids))
        if not wanted:
            return {}
        statement = statement.where(_ID.person_id.in_(wanted))
    return identities_from_rows((await session.exec(statement)).all())


async def identity_row(session: AsyncSession, person_id: int, platform: str) -> PersonIdentity | None:
    statement = select(PersonIdentity).where(PersonIdentity.person_id == person_id, PersonIdentity.platform == platform)
    return (await session.exec(statement)).first()


async def owners_of(session: AsyncSession, platform: str, external_ids: Iterable[str]) -> dict[str, int]:
    """{external id: person id} for the ids already bound on `platform`."""
    wanted = sorted({external_id for external_id in external_ids if external_id})
    if not wanted:
        return {}
    rows = await session.exec(select(_ID.external_id, _ID.person_id).where(
        _ID.platform == platform, _ID.external_id.in_(wanted)))
    return dict(rows.all())


async def set_identity(
    session: AsyncSession, person_id: int, platform: str, *, external_id: str | None = KEEP,
    tenant: str | None = KEEP, conversation_ref: Mapping[str, Any] | None = KEEP,
) -> PersonIdentity:
    """Create or update the person's identity on `platform` (fields not given are kept). The
    caller decides whether a change is allowed (e.g. never re-binding a Teams account)."""
    row = await identity_row(session, person_id, platform)
    if row is None:
        row = PersonIdentity(person_id=person_id, platform=platform)
    if external_id is not KEEP:
        row.external_id = external_id
    if tenant is not KEEP:
        row.tenant = tenant
    if conversation_ref is not KEEP and row.conversation_ref != conversation_ref:
        row.conversation_ref = dict(conversation_ref) if conversation_ref is not None else None
    session.add(row)
    return row


async def known_tenants(session: AsyncSession, platform: str) -> set[str]:
    """The tenants (workspaces) our people's identities on `platform` belong to."""
    rows = await session.exec(select(_ID.tenant).where(_ID.platform == platform, _ID.tenant.is_not(None)).distinct())
    return {tenant for tenant in rows.all() if tenant}
