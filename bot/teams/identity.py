"""Who a Teams sender is: the one rule that binds a Teams account to a Person.

`teams_binding` decides, `remember_person` (bot/teams/references.py) applies its decision:

- An account whose AAD object id is already stored on a person is that person. Its chat
  reference is refreshed — unless the activity was not authenticated (the Emulator mode) and
  would move the stored chat to another `serviceUrl`: then nothing changes.
- Otherwise the account is matched by email, and bound only when that person has no Teams
  identity yet (an imported `teams_user_id` counts) and the account has an AAD object id (which,
  not being found above, is bound to nobody else). An unauthenticated activity never moves a
  stored chat either.
- Anything else changes nothing and is recorded as a conflict for the admin (logged without
  anyone's words, listed by `outcomebot status`), never resolved silently.

Tenants are checked before any of this (`OutcomeTeamsBot.on_turn`): only activities from the
allowed tenants reach the binding at all. See SECURITY.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.models import Person

BOUND_TO_OTHER_ACCOUNT = "email of a person bound to another Teams account"
UNAUTHENTICATED_MOVE = "unauthenticated activity would move the stored chat"


@dataclass(frozen=True)
class TeamsSender:
    aad_object_id: str | None
    email: str | None
    tenant: str | None
    reference: dict[str, Any]  # this activity's ConversationReference as JSON
    authenticated: bool  # carried a valid Bot Framework token


@dataclass(frozen=True)
class Binding:
    person: Person | None  # the sender, when known
    bind: bool = False  # store the sender's AAD object id on the person
    refresh_reference: bool = False  # store this chat's reference on the person
    conflict: str | None = None  # why a matching person was left unchanged
    conflicted: Person | None = None  # whom the conflict is about


def service_url(reference: dict[str, Any] | None) -> str:
    return str((reference or {}).get("serviceUrl") or (reference or {}).get("service_url") or "").rstrip("/").lower()


def _moves_chat(person: Person, sender: TeamsSender) -> bool:
    stored = person.teams_conversation_ref
    return bool(stored) and service_url(stored) != service_url(sender.reference)


def teams_binding(sender: TeamsSender, *, by_aad: Person | None, by_email: Person | None) -> Binding:
    """The decision for one activity: `by_aad` holds the sender's AAD id, `by_email` their email."""
    if by_aad is not None:
        if not sender.authenticated and _moves_chat(by_aad, sender):
            return Binding(person=by_aad, conflict=UNAUTHENTICATED_MOVE, conflicted=by_aad)
        return Binding(person=by_aad, refresh_reference=True)
    if by_email is None or not sender.aad_object_id:
        return Binding(person=None)
    if by_email.teams_user_id:
        return Binding(person=None, conflict=BOUND_TO_OTHER_ACCOUNT, conflicted=by_email)
    if not sender.authenticated and _moves_chat(by_email, sender):
        return Binding(person=None, conflict=UNAUTHENTICATED_MOVE, conflicted=by_email)
    return Binding(person=by_email, bind=True, refresh_reference=True)
