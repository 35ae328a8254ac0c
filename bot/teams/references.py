"""Conversation references: where the bot can speak first in Teams.

A personal chat's reference is stored on the Person (matched by AAD object id, else by
email, under the rule in bot/teams/identity.py) when the bot is installed and refreshed on
every message; a team channel's reference
is stored on the Team. The bot is multi-tenant by default, so any organisation can install it
in a team of its own; a team channel is therefore accepted only when
(a) its channel (or team) id is the one configured under app.yaml `channels.teams.<Team>.teams`,
    from whichever tenant, or
(b) it comes from the organisation's own tenant — the allowed tenants (TEAMS_APP_TENANT_ID,
    app.yaml `teams.allowed_tenants`), else in the Emulator mode a tenant already seen on our
    own people's personal-chat references — and the Teams team has the name of one of our teams.
Anything else (a foreign team named like ours, or a name match before anyone of the
organisation has talked to the bot in multi-tenant mode) is refused and logged.
The outbox addresses Teams messages by conversation id; `reference_for` finds the full
reference again.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from bot.config import AppConfig
from bot.teams.identity import TeamsSender, service_url, teams_binding
from cadences.notifier import OutboundMessage
from storage.db import Database
from storage.models import Person, Team
from storage.repositories.identity_conflicts import record_conflict

log = logging.getLogger(__name__)

UNREACHABLE_REASON_MAX = 200


def conversation_id(reference: dict[str, Any] | None) -> str:
    return str(((reference or {}).get("conversation") or {}).get("id") or "")


def tenant_of(reference: dict[str, Any] | None) -> str:
    return str(((reference or {}).get("conversation") or {}).get("tenantId") or "")


async def organisation_tenants(session, org_tenants: Collection[str]) -> set[str]:
    """The tenants that are ours: the allowed ones (TEAMS_APP_TENANT_ID, app.yaml
    `teams.allowed_tenants`), else — only in the unauthenticated Emulator mode, where none
    need be configured — those of our people's chats."""
    if org_tenants:
        return {tenant.lower() for tenant in org_tenants}
    references = await session.exec(select(Person.teams_conversation_ref).where(Person.teams_conversation_ref.is_not(None)))
    return {tenant.lower() for tenant in map(tenant_of, references.all()) if tenant}


async def remember_person(db: Database, sender: TeamsSender, *, now: datetime) -> Person | None:
    """Store a personal chat's reference on the sender's person, as `teams_binding` decides;
    None when the sender is nobody we know (or a conflict left everyone unchanged)."""
    async with db.transaction() as session:
        by_aad = by_email = None
        if sender.aad_object_id:
            by_aad = (await session.exec(select(Person).where(Person.teams_user_id == sender.aad_object_id))).first()
        if by_aad is None and sender.email:
            by_email = (await session.exec(
                select(Person).where(func.lower(Person.email) == sender.email.strip().lower()))).first()
        binding = teams_binding(sender, by_aad=by_aad, by_email=by_email)
        if binding.conflict and binding.conflicted is not None:
            log.warning("Teams: identity conflict for person %s (%s); nothing changed, see `outcomebot status`",
                        binding.conflicted.id, binding.conflict)
            await record_conflict(session, platform="teams", person_id=binding.conflicted.id,
                                  claimed_id=sender.aad_object_id or service_url(sender.reference) or "unknown",
                                  tenant_id=sender.tenant, reason=binding.conflict, now=now)
        person = binding.person
        if person is None or not (binding.bind or binding.refresh_reference):
            return person
        if binding.bind:
            person.teams_user_id = sender.aad_object_id
        if person.teams_conversation_ref != sender.reference:
            person.teams_conversation_ref = sender.reference
        person.unreachable_reason = None
        session.add(person)
        return person


async def person_by_teams_id(db: Database, aad_object_id: str) -> Person | None:
    async with db.session() as session:
        return (await session.exec(select(Person).where(Person.teams_user_id == aad_object_id))).first()


async def remember_team_channel(
    db: Database,
    config: AppConfig,
    *,
    reference: dict[str, Any],
    team_name: str | None,
    team_id: str | None,
    org_tenants: Collection[str],
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
            if named is not None and tenant_of(reference).lower() in await organisation_tenants(session, org_tenants):
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
            person = await session.get(Person, message.person_id)
            if person is not None and person.teams_conversation_ref:
                return person.teams_conversation_ref
        for team in (await session.exec(select(Team).where(Team.teams_channel_ref.is_not(None)))).all():
            if conversation_id(team.teams_channel_ref) == message.address:
                return team.teams_channel_ref
    return None
