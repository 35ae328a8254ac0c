"""One-time sign-in links: a random token in the URL, only its SHA-256 in the database."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from bot.config import AppConfig
from storage.db import Database
from storage.repositories.dashboard_auth import store_link

LINK_MINUTES = 15
LOGIN_PATH = "/dash/login"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_link(db: Database, config: AppConfig, *, person_id: int, now: datetime) -> str:
    """Store a new link for the person and return its URL (valid LINK_MINUTES, usable once)."""
    token = new_token()
    async with db.transaction() as session:
        await store_link(session, token_hash=token_hash(token), person_id=person_id, now=now,
                         expires_at=now + timedelta(minutes=LINK_MINUTES))
    return f"{config.web.base_url}{LOGIN_PATH}?token={token}"
