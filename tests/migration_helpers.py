"""Shared pieces of the data-moving migration tests: the revision before a migration, and
plain reads of what a migration left in the database (both SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from storage import migrate
from storage.db import sync_url


def revision_before(revision: str) -> str:
    """The revision a migration follows (its down_revision)."""
    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    return scripts.get_revision(revision).down_revision


def read_rows(url: str, statement: str) -> list[tuple]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(statement)).all()]
    finally:
        engine.dispose()


def as_json(value: Any) -> Any:
    """A JSON column's value as stored: text on SQLite, parsed on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value
