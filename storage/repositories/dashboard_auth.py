"""Dashboard sign-in: one-time links and sessions, looked up by the hash of their token.

Redeeming a link and checking a session are single conditional statements, so two browsers
racing with the same link (or two replicas) can never both sign in with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.dashboard_tables import DashboardLink, DashboardSession
from storage.models import Person


async def store_link(session: AsyncSession, *, token_hash: str, person_id: int, now: datetime, expires_at: datetime) -> None:
    session.add(DashboardLink(token_hash=token_hash, person_id=person_id, created_at=now, expires_at=expires_at))


async def link_holder(session: AsyncSession, token_hash: str, *, now: datetime) -> Person | None:
    """Whom an unused, unexpired link is for (the "Continue as …" page); changes nothing."""
    row = (await session.exec(
        select(Person).join(DashboardLink, col(DashboardLink.person_id) == Person.id)
        .where(DashboardLink.token_hash == token_hash, col(DashboardLink.used_at).is_(None),
               DashboardLink.expires_at > now, Person.active == True)  # noqa: E712
    )).first()
    return row


async def redeem_link(session: AsyncSession, token_hash: str, *, now: datetime) -> int | None:
    """Mark the link used and return its person's id, or None if it was used, expired or unknown."""
    result = await session.exec(  # type: ignore[call-overload]
        update(DashboardLink)
        .where(col(DashboardLink.token_hash) == token_hash, col(DashboardLink.used_at).is_(None),
               col(DashboardLink.expires_at) > now)
        .values(used_at=now)
        .returning(DashboardLink.person_id)
    )
    return result.scalar_one_or_none()


async def start_session(session: AsyncSession, *, token_hash: str, person_id: int, now: datetime, expires_at: datetime) -> None:
    session.add(DashboardSession(token_hash=token_hash, person_id=person_id, created_at=now, expires_at=expires_at))


async def session_person(session: AsyncSession, token_hash: str, *, now: datetime) -> tuple[int, Person] | None:
    """The signed-in person of a live session (not revoked, not expired, person active), with the session id."""
    row = (await session.exec(
        select(DashboardSession.id, Person).join(Person, Person.id == DashboardSession.person_id)
        .where(DashboardSession.token_hash == token_hash, col(DashboardSession.revoked_at).is_(None),
               DashboardSession.expires_at > now, Person.active == True)  # noqa: E712
    )).first()
    return None if row is None else (row[0], row[1])  # type: ignore[return-value]


async def revoke_session(session: AsyncSession, session_id: int, *, now: datetime) -> None:
    await session.exec(update(DashboardSession).where(col(DashboardSession.id) == session_id)  # type: ignore[call-overload]
                       .values(revoked_at=now))


async def revoke_all_sessions(session: AsyncSession, person_id: int, *, now: datetime) -> int:
    """Sign a person out of every browser; returns how many sessions were live."""
    result = await session.exec(  # type: ignore[call-overload]
        update(DashboardSession)
        .where(col(DashboardSession.person_id) == person_id, col(DashboardSession.revoked_at).is_(None),
               col(DashboardSession.expires_at) > now)
        .values(revoked_at=now)
    )
    return result.rowcount or 0
