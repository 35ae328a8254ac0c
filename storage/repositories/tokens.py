"""API tokens: created with a secret shown once, stored as a hash, checked on every call.

The secret is 32 random bytes, so a plain SHA-256 is enough to keep it unguessable from the
database (a slow password hash protects low-entropy secrets, which these are not) and lets a
request find its token with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.api_tables import ApiToken
from storage.models import NAME_MAX

SCOPES = ("key-results:read", "key-results:write", "admin")
SECRET_PREFIX = "obt_"
# Last use is written at most this often per token, so reads do not each cost a write.
LAST_USE_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token cannot be created or revoked; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling the API: the token's id, name and scope."""

    token_id: int
    name: str
    scope: str

    def allows(self, needed: str) -> bool:
        """admin ⊇ key-results:write ⊇ key-results:read."""
        return SCOPES.index(self.scope) >= SCOPES.index(needed)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_token(session: AsyncSession, name: str, scope: str, now: datetime) -> str:
    """Store a new token and return its secret (the only time it is known in clear)."""
    name = name.strip()
    if not name:
        raise TokenError("a token needs a name, e.g. `outcomebot token create jira-sync --scope key-results:write`")
    if len(name) > NAME_MAX:
        raise TokenError(f"a token name can be at most {NAME_MAX} characters; this one has {len(name)}")
    if scope not in SCOPES:
        raise TokenError(f"scope {scope!r} is not one of {', '.join(SCOPES)}")
    if (await session.exec(select(ApiToken).where(ApiToken.name == name))).first() is not None:
        raise TokenError(f"a token named {name!r} exists already; revoke it first or pick another name")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, scope=scope, secret_hash=hash_secret(secret), created_at=now))
    await session.flush()
    return secret


async def list_tokens(session: AsyncSession) -> list[ApiToken]:
    return list((await session.exec(select(ApiToken).order_by(ApiToken.name))).all())


async def revoke_token(session: AsyncSession, name: str, now: datetime) -> ApiToken:
    token = (await session.exec(select(ApiToken).where(ApiToken.name == name.strip()))).first()
    if token is None:
        raise TokenError(f"there is no token named {name!r}; `outcomebot token list` shows them")
    if token.revoked_at is None:
        token.revoked_at = now
        session.add(token)
    return token


async def find_caller(session: AsyncSession, secret: str) -> tuple[Caller, datetime | None] | None:
    """The live token with this secret and its last use, or None (unknown or revoked)."""
    row = (await session.exec(select(ApiToken).where(ApiToken.secret_hash == hash_secret(secret)))).first()
    if row is None or row.revoked_at is not None:
        return None
    return Caller(row.id, row.name, row.scope), row.last_used_at  # type: ignore[arg-type]


async def callers_by_hash(session: AsyncSession, hashes: set[str]) -> dict[str, tuple[Caller, datetime | None]]:
    """`find_caller` for many secrets at once, by their hashes; unknown and revoked ones left out."""
    rows = await session.exec(select(ApiToken).where(ApiToken.secret_hash.in_(hashes), ApiToken.revoked_at.is_(None)))  # type: ignore[attr-defined,union-attr]
    return {row.secret_hash: (Caller(row.id, row.name, row.scope), row.last_used_at) for row in rows.all()}  # type: ignore[arg-type]


def last_use_is_stale(last_used_at: datetime | None, now: datetime) -> bool:
    return last_used_at is None or now - last_used_at >= LAST_USE_RESOLUTION


async def record_use(session: AsyncSession, token_id: int, now: datetime) -> None:
    token = await session.get(ApiToken, token_id)
    if token is not None:
        token.last_used_at = now
        session.add(token)
