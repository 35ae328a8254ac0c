"""Recording and listing identity conflicts (see storage/identity_conflicts.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from storage.identity_conflicts import IdentityConflict
from storage.status_facts import ConflictLine, read_conflicts


async def record_conflict(
    session, *, platform: str, person_id: int, claimed_id: str, tenant_id: str | None, reason: str, now: datetime
) -> None:
    """Count one more attempt (inside the caller's transaction)."""
    row = (await session.exec(select(IdentityConflict).where(
        IdentityConflict.platform == platform, IdentityConflict.person_id == person_id,
        IdentityConflict.claimed_id == claimed_id, IdentityConflict.reason == reason,
    ))).first()
    if row is None:
        row = IdentityConflict(platform=platform, person_id=person_id, claimed_id=claimed_id, tenant_id=tenant_id,
                               reason=reason, first_seen_at=now, last_seen_at=now)
    else:
        row.times += 1
        row.last_seen_at = now
        row.tenant_id = tenant_id or row.tenant_id
    session.add(row)


async def list_conflicts(session) -> list[ConflictLine]:
    """Most recent first (the statement `outcomebot status` runs: storage.status_facts)."""
    return await read_conflicts(session)
