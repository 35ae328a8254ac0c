"""Where a person's direct message goes, decided when it is sent, not when it was queued.

A prompt is queued with the address the person had then (cadences.outbox.person_target);
someone linked since (`outcomebot slack sync`, installing the Teams app) must get it on that
platform, not in the console inbox. So when a chat platform is enabled in this process the
sender looks up, once per batch, the current identities of the people its rows are for:
* a row whose person now has an identity on an enabled platform goes there (the row's
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
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.notifier import OutboundMessage, RetryLater
from storage.repositories.outbox_rows import current_identities, readdress

CHAT_PLATFORMS = ("slack", "teams")  # in order of preference, as person_target has it
NO_IDENTITY_RETRY_SECONDS = 3600.0


class NoChatIdentity(RetryLater):
    """The person cannot be reached on any enabled chat platform yet."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retry_after=NO_IDENTITY_RETRY_SECONDS)


def chat_target(
    slack_user_id: str | None, teams_ref: dict[str, Any] | None, enabled: Collection[str]
) -> tuple[str, str] | None:
    """The person's DM address on the first enabled platform they have an identity on."""
    if "slack" in enabled and slack_user_id:
        return "slack", slack_user_id
    if "teams" in enabled and teams_ref:
        return "teams", str(teams_ref.get("conversation", {}).get("id", ""))
    return None


def no_identity_reason(slack_user_id: str | None, teams_ref: dict[str, Any] | None, enabled: Collection[str]) -> str:
    if slack_user_id and "slack" not in enabled:
        return "only a Slack identity, and Slack is not enabled here (set SLACK_BOT_TOKEN), or have them install the Teams app"
    if teams_ref and "teams" not in enabled:
        return "only a Teams identity, and Teams is not enabled here (set TEAMS_APP_ID), or run `outcomebot slack sync`"
    return "no Slack or Teams identity: run `outcomebot slack sync` or have them install the Teams app"


async def route_to_current_identity(
    session: AsyncSession, messages: Sequence[OutboundMessage], enabled: Collection[str]
) -> tuple[dict[int, OutboundMessage], dict[int, NoChatIdentity]]:
    """Re-address `messages` (rows this process holds) to their people's current identities.

    Returns the re-addressed messages and the held ones, by delivery id; one SELECT for the
    batch and one UPDATE statement for the rows whose address changed.
    """
    if not enabled or not messages:
        return {}, {}
    by_id = {message.delivery_id: message for message in messages
             if message.person_id is not None and message.replace_ref is None}
    if not by_id:
        return {}, {}
    rows = await current_identities(session, by_id)
    moved: dict[int, OutboundMessage] = {}
    held: dict[int, NoChatIdentity] = {}
    for delivery_id, slack_user_id, teams_ref in rows:
        message = by_id[delivery_id]
        target = chat_target(slack_user_id, teams_ref, enabled)
        if target is None:
            held[delivery_id] = NoChatIdentity(no_identity_reason(slack_user_id, teams_ref, enabled))
        elif target != (message.platform, message.address):
            moved[delivery_id] = replace(message, platform=target[0], address=target[1])
    await readdress(session, [(delivery_id, message.platform, message.address) for delivery_id, message in moved.items()])
    return moved, held

