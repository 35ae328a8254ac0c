"""People's chat identities in tests, written the way the people CSV names them
(`slack_user_id`, `teams_user_id`, `teams_conversation_ref`); stored as chat_identity rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storage.identities import ChatIdentity
from storage.models import Person
from storage.repositories.identities import identities_by_person, set_identity

IDENTITY_FIELDS = ("slack_user_id", "teams_user_id", "teams_conversation_ref")


def split_identities(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(Person fields, identity fields) of a fixture's keyword arguments."""
    ids = {name: fields[name] for name in IDENTITY_FIELDS if name in fields}
    return {name: value for name, value in fields.items() if name not in ids}, ids


async def link(session, person_id: int, *, slack_user_id: str | None = None, teams_user_id: str | None = None,
               teams_conversation_ref: Mapping[str, Any] | None = None) -> None:
    """Give the person these identities (inside the caller's transaction)."""
    if slack_user_id:
        await set_identity(session, person_id, "slack", external_id=slack_user_id)
    if teams_user_id or teams_conversation_ref:
        tenant = ((teams_conversation_ref or {}).get("conversation") or {}).get("tenantId")
        await set_identity(session, person_id, "teams", external_id=teams_user_id, tenant=tenant,
                           conversation_ref=teams_conversation_ref)
    await session.flush()


class Linked:
    """A Person with its identities readable as `slack_user_id`, `teams_user_id` and
    `teams_conversation_ref`, as the tests ask about them."""

    def __init__(self, person: Person, identities: Mapping[str, ChatIdentity]) -> None:
        self._person = person
        self._identities = identities

    def __getattr__(self, name: str) -> Any:
        return getattr(self._person, name)

    @property
    def slack_user_id(self) -> str | None:
        found = self._identities.get("slack")
        return (found.external_id or None) if found else None

    @property
    def teams_user_id(self) -> str | None:
        found = self._identities.get("teams")
        return (found.external_id or None) if found else None

    @property
    def teams_conversation_ref(self) -> dict[str, Any] | None:
        found = self._identities.get("teams")
        return dict(found.conversation_ref) if found and found.conversation_ref is not None else None


async def linked(session, people: list[Person]) -> list[Linked]:
    identities = await identities_by_person(session, [p.id for p in people])
    return [Linked(p, identities.get(p.id, {})) for p in people]
