"""Outbox reads for the core: the prompts a check-in answered, and a console user's inbox."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Delivery, DeliveryStatus

PROMPT_TEMPLATES = ("checkin_prompt", "checkin_reminder")
CONSOLE = "console"


async def sent_prompts_by_key(session: AsyncSession, keys: Iterable[str]) -> list[Delivery]:
    """The prompts and reminders among these outbox keys that went out with a platform
    message ref, oldest first (one indexed lookup, however many messages the person had)."""
    wanted = list(keys)
    if not wanted:
        return []
    result = await session.exec(
        select(Delivery)
        .where(
            Delivery.idempotency_key.in_(wanted),  # type: ignore[attr-defined]
            Delivery.template.in_(PROMPT_TEMPLATES),  # type: ignore[attr-defined]
            Delivery.message_ref != None,  # noqa: E711
        )
        .order_by(Delivery.id)
    )
    return list(result.all())


async def unseen_console_messages(session: AsyncSession, email: str) -> list[Delivery]:
    """Console deliveries sent to this address and not shown yet, oldest first."""
    result = await session.exec(
        select(Delivery)
        .where(
            Delivery.platform == CONSOLE,
            Delivery.address == email,
            Delivery.status == DeliveryStatus.sent.value,
            Delivery.seen_at == None,  # noqa: E711
        )
        .order_by(Delivery.sent_at, Delivery.id)
    )
    return list(result.all())


async def mark_seen(session: AsyncSession, delivery_ids: Iterable[int], now: datetime) -> None:
    ids = list(delivery_ids)
    if ids:
        await session.execute(
            update(Delivery).where(Delivery.id.in_(ids)).values(seen_at=now)  # type: ignore[union-attr]
        )
