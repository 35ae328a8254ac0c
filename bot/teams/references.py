"""Conversation references: where the bot can speak first in Teams.

A personal chat's reference is stored with the person's Teams identity (storage.identities;
matched by AAD object id, else by email, under the rule in bot/teams/identity.py) when the bot
is installed and refreshed on every message; a team channel's reference is stored as the
team's Teams channel (storage.team_channels). The bot is multi-tenant by default, so any
organisation can install it in a team of its own; a team channel is therefore accepted only when
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

from bot.config import AppConfig
from bot.teams.identity import TeamsSender, service_url, teams_binding
from cadences.notifier import OutboundMessage
from storage.db import Database
from storage.models import Person, Team
from storage.repositories.identities import (
    identities_by_person, identity_row, known_tenants, person_by_chat_identity, set_identity,
)
from storage.repositories.identity_conflicts import record_conflict
from storage.repositories.people import mark_unreachable as store_unreachable
from storage.repositories.people import person_by_email
from storage.repositories.team_channels import all_teams, channel_reference, set_team_channel

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
    return {tenant.lower() for tenant in await known_tenants(session, "teams")}


async def remember_person(db: Database, sender: TeamsSender, *, now: datetime) -> Person | None:
    """Store a personal chat's reference on the sender's person, as `teams_binding` decides;
    None when the sender is nobody we know (or a conflict left everyone unchanged)."""
    async with db.transaction() as session:
        by_aad = by_email = None
        if sender.aad_object_id:
            by_aad = await person_by_chat_identity(session, "teams", sender.aad_object_id)
        if by_aad is None and sender.email:
            by_email = await person_by_email(session, sender.email)
        found = [p.id for p in (by_aad, by_email) if p is not None]
        stored = {person_id: ids["teams"] for person_id, ids in (await identities_by_person(session, found)).items()
                  if "teams" in ids}
        binding = teams_binding(sender, by_aad=by_aad, by_email=by_email, stored=stored)
        if binding.conflict and binding.conflicted is not None:
            log.warning("Teams: identity conflict for person %s (%s); nothing changed, see `outcomebot status`",
                        binding.conflicted.id, binding.conflict)
            await record_conflict(session, platform="teams", person_id=binding.conflicted.id,
                                  claimed_id=sender.aad_object_id or service_url(sender.reference) or "unknown",
                                  tenant_id=sender.tenant, reason=binding.conflict, now=now)
        person = binding.person
        if person is None or not (binding.bind or binding.refresh_reference):
            return person
        await set_identity(
            session, person.id, "teams", conversation_ref=sender.reference,
            tenant=sender.tenant or tenant_of(sender.reference) or None,
            **({"external_id": sender.aad_object_id} if binding.bind else {}),
        )
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
    org_tenants: Collection[str],
) -> Team | None:
    """Store a channel's reference as the Teams channel of the team configured for it, or of the
    team named like the Teams team when it is in our own tenant (see the module docstring); None
    when refused."""
    channel = conversation_id(reference)
    configured = {
        name.lower()
        for name, targets in config.channels.teams.items()
        if targets.teams and targets.teams in {channel, team_id}
    }
    async with db.transaction() as session:
        teams = await all_teams(session)
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
        await set_team_channel(session, match.id, "teams", address=channel or None, reference=reference)  # type: ignore[arg-type]
        return match


async def mark_unreachable(db: Database, person_id: int, reason: str) -> None:
    async with db.transaction() as session:
        await store_unreachable(session, person_id, reason[:UNREACHABLE_REASON_MAX])


async def reference_for(db: Database, message: OutboundMessage) -> dict[str, Any] | None:
    """Where an outbox message goes now: a person's CURRENT chat (the address was fixed when it
    was queued and the chat may have changed since, e.g. after a reinstall), else the channel
    the address names."""
    async with db.session() as session:
        if message.person_id is not None:
            identity = await identity_row(session, message.person_id, "teams")
            if identity is not None and identity.conversation_ref:
                return identity.conversation_ref
        return await channel_reference(session, "teams", message.address)
