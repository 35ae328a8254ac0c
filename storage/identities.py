"""A person's chat identities: which platform, their id there, the tenant or workspace it
belongs to, and how to open a conversation with them — one row per person and platform.

The `chat_identity` table holds them (`PersonIdentity`); the rest of the code sees a person's
identities as `{platform: ChatIdentity}` values (cadences.chat_platforms, the router), read and
written through storage.repositories.identities. A new chat platform needs no column: its
identities are rows with its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

EXTERNAL_ID_MAX = 128


class PersonIdentity(SQLModel, table=True):
    """A person's account on one chat platform. An id belongs to one person; a person has at
    most one identity per platform (a second account is an identity conflict, never a re-bind)."""

    __tablename__ = "chat_identity"
    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        UniqueConstraint("person_id", "platform"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    platform: str = Field(max_length=16)
    # Slack user id, Teams AAD object id; NULL while only a conversation is known.
    external_id: str | None = Field(default=None, max_length=EXTERNAL_ID_MAX)
    tenant: str | None = Field(default=None, max_length=64)  # Teams tenant / Slack workspace
    # How to speak first (Teams: the personal chat's ConversationReference as JSON).
    conversation_ref: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))

    def value(self) -> "ChatIdentity":
        return ChatIdentity(self.platform, self.external_id or "", self.tenant, self.conversation_ref)


@dataclass(frozen=True, slots=True)
class ChatIdentity:
    platform: str  # a registered chat platform's name, e.g. "slack"
    external_id: str  # the platform's id for the person ("" when only a conversation is known)
    tenant: str | None = None  # workspace / tenant the id belongs to, when the platform has them
    conversation_ref: Mapping[str, Any] | None = None  # how to open a conversation (Teams' reference)


NO_IDENTITIES: Mapping[str, ChatIdentity] = {}


def identities_from_rows(rows) -> dict[int, dict[str, ChatIdentity]]:
    """{person id: {platform: ChatIdentity}} from (person_id, platform, external_id, tenant,
    conversation_ref) rows."""
    found: dict[int, dict[str, ChatIdentity]] = {}
    for person_id, platform, external_id, tenant, reference in rows:
        found.setdefault(person_id, {})[platform] = ChatIdentity(platform, external_id or "", tenant, reference)
    return found
