"""Conversation references: where the bot can speak first in Teams.

A personal chat's reference is stored with the person's Teams identity (storage.identities;
matched by AAD object id, else by email) when the bot is installed and refreshed on every message; a team channel's reference
is stored on the Team. The bot is multi-tenant by default, so any organisation can install it
in a team of its own; a team channel is therefore accepted only when
(a) its channel (or team) id is the one configured under app.yaml `channels.teams.<Team>.teams`,
    from whichever tenant, or
(b) it comes from the organisation's own tenant — TEAMS_APP_TENANT_ID when single-tenant, else
    a tenant already seen on our own people's personal-chat references — and the Teams team
    has the name of one of our teams.
Anything else (a foreign team named like ours, or a name match before anyone of the
organisation has talked to the bot in multi-tenant mode) is refused and logged.
The outbox addresses Teams messages by conversation id; `reference_for` finds the full
reference again.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from bot.config import AppConfig
from cadences.notifier import OutboundMessage
from storage.db import Database
from storage.models import Person, Team
from storage.repositories.identities import identity_row, known_tenants, person_by_chat_identity, set_identity

log = logging.getLogger(__name__)

UNREACHABLE_REASON_MAX = 200


def conversation_id(reference: dict[str, Any] | None) -> str:
    return str(((reference or {}).get("conversation") or {}).get("id") or "")


def tenant_of(reference: dict[str, Any] | None) -> str:
    return str(((reference or {}).get("conversation") or {}).get("tenantId") or "")


async def organisation_tenants(session, org_tenant: str | None) -> set[str]:
    """The tenant(s) that are ours: the configured one, else those of our people's chats."""
    if org_tenant:
        return {org_tenant}
    return await known_tenants(session, "teams")


async def remember_person(
    db: Database,
    *,
    reference: dict[str, Any],
    aad_object_id: str | None,
    email: str | None,
) -> Person | None:
    """Store a personal chat's reference on the matching person; None when nobody matches."""
    async with db.transaction() as session:
        person = await person_by_chat_identity(session, "teams", aad_object_id) if aad_object_id else None
        if person is None and email:
            person = (
                await session.exec(select(Person).where(func.lower(Person.email) == email.strip().lower()))
            ).first()
        if person is None:
            return None
        await set_identity(session, person.id, "teams", conversation_ref=reference, tenant=tenant_of(reference) or None,
                           **({"external_id": aad_object_id} if aad_object_id else {}))
        person.unreachable_reason = None
        session.add(person)
        return person


async def person_by_teams_id(db: Database, aad_object_id: str) -> Person | None:
    async with db.session() as session:
        return await person_by_chat_identity(session, "teams", aad_object_id)


async def personal_chat(db: Database, aad_object_id: str) -> dict[str, Any] | None:
    """The reference of the person's personal chat with the bot, when known."""
    async with db.session() as session:
        person = await person_by_chat_identity(session, "teams", aad_object_id)
        identity = await identity_row(session, person.id, "teams") if person is not None else None
        return identity.conversation_ref if identity is not None and identity.conversation_ref else None


async def remember_team_channel(
    db: Database,
    config: AppConfig,
    *,
    reference: dict[str, Any],
    team_name: str | None,
    team_id: str | None,
    org_tenant: str | None,
) -> Team | None:
    """Store a channel's reference on the team configured for it, or on the team named like the
    Teams team when it is in our own tenant (see the module docstring); None when refused."""
    channel = conversation_id(reference)
    configured = {
        name.lower()
        for name, targets in config.channels.teams.items()
        if targets.teams and targets.teams in {channel, team_id}
    }
    async with db.transaction() as session:
        teams = (await session.exec(select(Team))).all()
        match = next((t for t in teams if t.name.lower() in configured), None)
        if match is None and team_name:
            named = next((t for t in teams if t.name.lower() == team_name.strip().lower()), None)
            if named is not None and tenant_of(reference) in await organisation_tenants(session, org_tenant):
                match = named
            elif named is not None:
                log.warning(
                    "Teams: a team named like %r installed the bot from a tenant that is not the "
                    "organisation's; its channel was not stored (configure channels.teams.%s.teams "
                    "with the channel id to accept it)", named.name, named.name,
                )
        if match is None:
            return None
        match.teams_channel_ref = reference
        session.add(match)
        return match


async def mark_unreachable(db: Database, person_id: int, reason: str) -> None:
    async with db.transaction() as session:
        person = await session.get(Person, person_id)
        if person is not None:
            person.unreachable_reason = reason[:UNREACHABLE_REASON_MAX]
            session.add(person)


async def reference_for(db: Database, message: OutboundMessage) -> dict[str, Any] | None:
    """Where an outbox message goes now: a person's CURRENT chat (the address was fixed when it
    was queued and the chat may have changed since, e.g. after a reinstall), else the channel
    the address names."""
    async with db.session() as session:
        if message.person_id is not None:
            identity = await identity_row(session, message.person_id, "teams")
            if identity is not None and identity.conversation_ref:
                return identity.conversation_ref
        for team in (await session.exec(select(Team).where(Team.teams_channel_ref.is_not(None)))).all():
            if conversation_id(team.teams_channel_ref) == message.address:
                return team.teams_channel_ref
    return None
