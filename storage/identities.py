"""A person's chat identities as values: which platform, their id there, and how to reach them.

The rest of the code (cadences.chat_platforms, the router) sees a person's identities only as
`{platform: ChatIdentity}`; how they are stored is this module's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ChatIdentity:
    platform: str  # a registered chat platform's name, e.g. "slack"
    external_id: str  # the platform's id for the person ("" when only a conversation is known)
    tenant: str | None = None  # workspace / tenant the id belongs to, when the platform has them
    conversation_ref: Mapping[str, Any] | None = None  # how to open a conversation (Teams' reference)


NO_IDENTITIES: Mapping[str, ChatIdentity] = {}


def identities_from_columns(
    slack_user_id: str | None, teams_user_id: str | None, teams_conversation_ref: Mapping[str, Any] | None
) -> Mapping[str, ChatIdentity]:
    """The identities stored on a Person row, by platform."""
    if not (slack_user_id or teams_user_id or teams_conversation_ref):
        return NO_IDENTITIES
    found: dict[str, ChatIdentity] = {}
    if slack_user_id:
        found["slack"] = ChatIdentity("slack", slack_user_id)
    if teams_user_id or teams_conversation_ref:
        tenant = ((teams_conversation_ref or {}).get("conversation") or {}).get("tenantId")
        found["teams"] = ChatIdentity("teams", teams_user_id or "", tenant, teams_conversation_ref)
    return found


def identities_of(person: Any) -> Mapping[str, ChatIdentity]:
    """The identities of a Person (or any row with its identity columns)."""
    return identities_from_columns(
        getattr(person, "slack_user_id", None), getattr(person, "teams_user_id", None),
        getattr(person, "teams_conversation_ref", None),
    )
