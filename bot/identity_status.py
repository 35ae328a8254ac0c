"""`outcomebot status`: chat accounts that claimed someone already bound to another account.

The bot never re-binds an identity that is set (bot/teams/identity.py); an admin decides. To
accept the new account, put its id in the person's `teams_user_id` column of the people CSV
and import it again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.status_facts import ConflictLine

if TYPE_CHECKING:  # pragma: no cover
    from storage.db import Database

SHOWN = 10


def conflict_lines(conflicts: list[ConflictLine]) -> list[str]:
    """The conflicts as `status` shows them, most recent first (at most SHOWN, then a count)."""
    if not conflicts:
        return ["identity conflicts: none"]
    lines = [f"identity conflicts: {len(conflicts)} (nothing was changed; an admin decides)"]
    for conflict in conflicts[:SHOWN]:
        tenant = f" from tenant {conflict.tenant_id}" if conflict.tenant_id else ""
        lines.append(f"  {conflict.platform}: {conflict.email} — {conflict.reason}: account {conflict.claimed_id}"
                     f"{tenant}, {conflict.times}× (last {conflict.last_seen_at:%Y-%m-%d %H:%M} UTC)")
    if len(conflicts) > SHOWN:
        lines.append(f"  … and {len(conflicts) - SHOWN} more")
    return lines


async def identity_conflict_lines(db: "Database") -> list[str]:
    from storage.repositories.identity_conflicts import list_conflicts

    async with db.session() as session:
        return conflict_lines(await list_conflicts(session))
