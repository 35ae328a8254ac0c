"""Where a person's direct message goes, decided when it is sent, not when it was queued.

A prompt is queued with the address the person had then (cadences.chat_platforms.person_target);
someone linked since (`outcomebot slack sync`, installing the Teams app) must get it on that
platform, not in the console inbox. So when a chat platform is enabled in this process the
sender looks up, once per batch, the current identities of the people its rows are for:
* a row whose person now has an identity on an enabled platform goes there (the first in the
  registry's order of preference, cadences.chat_platforms) (the row's
  platform and address are updated, so the record says where it went);
* a row whose person has none is held: retried after an hour (they may be linked by then)
  and, after `delivery.max_attempts`, failed with a reason that says what to do.
Team-channel rows keep their address; so do updates of an earlier message (`replaces_ref`),
which live where that message was sent. Without any chat platform (terminal-only use) rows
are sent where they were queued.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.chat_platforms import chat_target, no_identity_reason
from cadences.notifier import OutboundMessage, RetryLater
from storage.identities import NO_IDENTITIES
from storage.repositories.identities import identities_by_person
from storage.repositories.outbox_rows import readdress

NO_IDENTITY_RETRY_SECONDS = 3600.0


class NoChatIdentity(RetryLater):
    """The person cannot be reached on any enabled chat platform yet."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retry_after=NO_IDENTITY_RETRY_SECONDS)


async def route_to_current_identity(
    session: AsyncSession, messages: Sequence[OutboundMessage], enabled: Collection[str]
) -> tuple[dict[int, OutboundMessage], dict[int, NoChatIdentity]]:
    """Re-address `messages` (rows this process holds) to their people's current identities.

    Returns the re-addressed messages and the held ones, by delivery id; one SELECT of the
    batch's people's identities and one UPDATE statement for the rows whose address changed.
    """
    if not enabled or not messages:
        return {}, {}
    by_id = {message.delivery_id: message for message in messages
             if message.person_id is not None and message.replace_ref is None}
    if not by_id:
        return {}, {}
    identities_of = await identities_by_person(session, {message.person_id for message in by_id.values()})
    moved: dict[int, OutboundMessage] = {}
    held: dict[int, NoChatIdentity] = {}
    for delivery_id, message in by_id.items():
        identities = identities_of.get(message.person_id, NO_IDENTITIES)
        target = chat_target(identities, enabled)
        if target is None:
            held[delivery_id] = NoChatIdentity(no_identity_reason(identities, enabled))
        elif target != (message.platform, message.address):
            moved[delivery_id] = replace(message, platform=target[0], address=target[1])
    await readdress(session, [(delivery_id, message.platform, message.address) for delivery_id, message in moved.items()])
    return moved, held
