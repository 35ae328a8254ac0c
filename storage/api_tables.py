"""Tables of the HTTP API and the pull sources: tokens, key result values from other tools, and
each source's fetch state. Registered with the rest of the schema by `storage.models`.

A `KeyResultValue` is a value that did not come from the owner's check-in (the API or a pull
source). It sits in the key result's history beside the check-in values (`kr_update`), never
counts as a check-in, and moves the key result's current value when it is the newest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from storage.models import NAME_MAX, NOTE_MAX, utcnow

SOURCE_MAX = 32
IDEMPOTENCY_KEY_MAX = 200


class ApiToken(SQLModel, table=True):
    """A bearer token for `/api/v1/`. Only a SHA-256 of the secret is kept (see tokens.py)."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=NAME_MAX, unique=True)
    scope: str = Field(max_length=32)  # key-results:read | key-results:write | admin
    secret_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class KeyResultValue(SQLModel, table=True):
    """A key result's value reported by another tool: the API or a pull source."""

    __tablename__ = "key_result_value"
    __table_args__ = (Index("ix_key_result_value_kr_at", "key_result_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key_result_id: int = Field(foreign_key="key_result.id")
    value: float
    at: datetime  # when the value was true (given by the caller, else when it arrived)
    source: str = Field(max_length=SOURCE_MAX)  # e.g. jira, github, sql, http-json, or the caller's name
    note: str = Field(default="", max_length=NOTE_MAX)
    # "api:<token id>:<Idempotency-Key>" or "source:<key result id>:<instant>": a retry is recorded once.
    idempotency_key: str | None = Field(default=None, max_length=IDEMPOTENCY_KEY_MAX + 40, unique=True)
    recorded_at: datetime = Field(default_factory=utcnow)


class KeyResultSource(SQLModel, table=True):
    """Where a key result's value is pulled from (the `source:` block of okrs.yaml, with its
    `${ENV}` references left unexpanded) and how the last fetches went."""

    __tablename__ = "key_result_source"

    id: int | None = Field(default=None, primary_key=True)
    key_result_id: int = Field(foreign_key="key_result.id", unique=True)
    kind: str = Field(max_length=16)  # sql | github | jira | http-json
    spec: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    every_seconds: int = 3600
    next_attempt_at: datetime | None = Field(default=None, index=True)  # NULL: as soon as possible
    failures: int = 0  # consecutive; drives the backoff
    last_success_at: datetime | None = None
    last_value: float | None = None
    last_error: str | None = Field(default=None, max_length=500)
    last_error_at: datetime | None = None
