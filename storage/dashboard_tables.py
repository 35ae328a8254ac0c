"""Tables of the web dashboard's sign-in: one-time links and server-side sessions.

Only hashes of the secrets are stored (SHA-256 of a random token), so a copy of the database
cannot be used to sign in. Both tables are small: a row per link asked for and per browser
signed in; expired rows are harmless (every lookup checks the expiry) and can be deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

TOKEN_HASH_LENGTH = 64  # hex SHA-256


class DashboardLink(SQLModel, table=True):
    """A sign-in link sent in chat or printed by the CLI: usable once, until `expires_at`."""

    __tablename__ = "dashboard_link"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=TOKEN_HASH_LENGTH, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class DashboardSession(SQLModel, table=True):
    """A signed-in browser. Revoked by signing out (this one) or "sign out everywhere" (all)."""

    __tablename__ = "dashboard_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=TOKEN_HASH_LENGTH, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
