"""Writing to the outbox: every outbound message becomes a Delivery row with a unique key.

Call `enqueue` inside the same transaction as the state change that caused the message, so
both commit or neither does. A second enqueue with the same key is a no-op: that is what
makes "none sent twice" hold across retries, overlapping ticks and replicas.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences import chat_platforms
from storage.models import DeliveryStatus, Person, Team
from storage.repositories.identities import identities_of
from storage.repositories.outbox_rows import insert_deliveries
from storage.repositories.team_channels import channels_of_team


def person_target(person: Any) -> tuple[str, str]:
    """Where a person's DMs go: their preferred registered chat platform (cadences.chat_platforms),
    else the console. `person`: anything with `email` and `identities` ({platform: ChatIdentity})."""
    return chat_platforms.person_target(person.email, person.identities)


async def team_targets(session: AsyncSession, team_id: int) -> list[tuple[str, str]]:
    """Every channel a team's announcements go to (a team may have channels on several platforms)."""
    return chat_platforms.team_targets(await channels_of_team(session, team_id))


async def enqueue_rows(session: AsyncSession, rows: list[Mapping[str, Any]], *, returning: bool = False) -> list:
    """Insert many deliveries at once; rows whose idempotency key exists are skipped.

    With `returning`, the (id, idempotency_key) of each row actually inserted.
    """
    return await insert_deliveries(session, rows, returning=returning)


def delivery_row(
    *,
    key: str,
    template: str,
    context: Mapping[str, Any],
    platform: str,
    address: str,
    now: datetime,
    person_id: int | None = None,
    team_id: int | None = None,
    not_before: datetime | None = None,
    replace_ref: str | None = None,
    win_id: int | None = None,
) -> dict[str, Any]:
    """One outbox row, due at `not_before` or else at `now` (the caller's clock: a `tick --now`
    in the past must find its own messages due)."""
    return {
        "idempotency_key": key,
        "person_id": person_id,
        "team_id": team_id,
        "win_id": win_id,
        "platform": platform,
        "address": address,
        "template": template,
        "context": dict(context),
        "status": DeliveryStatus.pending.value,
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "replaces_ref": replace_ref,
        "created_at": now,
    }


async def enqueue_for_person(
    session: AsyncSession,
    person: Person,
    *,
    key: str,
    template: str,
    context: Mapping[str, Any],
    now: datetime,
    not_before: datetime | None = None,
    replace_ref: str | None = None,
) -> None:
    """Queue a direct message to `person` on their platform (no-op if `key` was queued before)."""
    platform, address = chat_platforms.person_target(person.email, await identities_of(session, person.id))
    await enqueue_rows(
        session,
        [
            delivery_row(
                key=key,
                template=template,
                context=context,
                platform=platform,
                address=address,
                person_id=person.id,
                now=now,
                not_before=not_before,
                replace_ref=replace_ref,
            )
        ],
    )


async def enqueue_for_team(
    session: AsyncSession,
    team: Team,
    *,
    key: str,
    template: str,
    context: Mapping[str, Any],
    now: datetime,
    win_id: int | None = None,
) -> int:
    """Queue an announcement to each of the team's channels; returns how many channels.
    `win_id`: the win it announces (storage.models.Delivery.win_id)."""
    targets = await team_targets(session, team.id)  # type: ignore[arg-type]
    await enqueue_rows(
        session,
        [
            delivery_row(
                key=f"{key}:{platform}",
                template=template,
                context=context,
                platform=platform,
                address=address,
                team_id=team.id,
                now=now,
                win_id=win_id,
            )
            for platform, address in targets
        ],
    )
    return len(targets)
