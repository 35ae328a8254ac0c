"""Identity conflicts: a chat account that claimed a person already bound to another account.

The bot never re-binds an identity that is already set; it records the attempt here for an
admin (`outcomebot status` lists them) instead of resolving it silently. One row per person,
claimed account and reason, counted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class IdentityConflict(SQLModel, table=True):
    __tablename__ = "identity_conflict"
    __table_args__ = (UniqueConstraint("platform", "person_id", "claimed_id", "reason"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    person_id: int = Field(foreign_key="person.id", index=True)
    claimed_id: str = Field(max_length=128)  # the other account's id (Teams: its AAD object id)
    tenant_id: str | None = Field(default=None, max_length=64)
    reason: str = Field(max_length=64)  # a short code, see bot/teams/identity.py
    first_seen_at: datetime
    last_seen_at: datetime
    times: int = 1
