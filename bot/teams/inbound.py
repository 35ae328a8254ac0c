"""Bot Framework message activities → platform-neutral events.

- Text in a 1:1 chat, or in a channel/group chat when the bot is @mentioned, is a command
  (`MessageReceived`); the bot's own `<at>…</at>` text is removed using the mention entities.
- A card's Action.Submit arrives as a message whose `value` holds the submit `data` merged
  with the card's inputs:
    {"form": "checkin", "checkin_id": "12", …, "kr.5.value": "40", …}  → FormSubmitted
      (keys containing a dot are form fields, see bot/checkin_form.py; the rest is state)
    {"action": "blocker.ack", "value": "31"}                          → ButtonClicked
  Other areas' Teams cards use that `action`/`value` shape for their buttons.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity

from bot.platform import ButtonClicked, FormSubmitted, InboundEvent, MessageReceived, Sender

PERSONAL = "personal"
_TAGS = re.compile(r"</?at[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Mention:
    text: str  # as it appears in the message, e.g. "<at>Ana Lima</at>"
    account_id: str
    name: str


def is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    kind = (conversation.conversation_type if conversation else None) or PERSONAL
    return kind == PERSONAL and not (conversation and conversation.is_group)


def sender_of(activity: Activity) -> Sender:
    account = activity.from_property
    user_ref = (account.aad_object_id if account else None) or (account.id if account else "")
    return Sender(
        platform="teams",
        user_ref=user_ref or "",
        conversation=activity.conversation.id if activity.conversation else None,
        is_direct=is_personal(activity),
    )


def mentions(activity: Activity) -> list[Mention]:
    found = []
    for entity in activity.entities or []:
        if (getattr(entity, "type", "") or "").lower() != "mention":
            continue
        extra = getattr(entity, "additional_properties", None) or {}
        mentioned = extra.get("mentioned") or {}
        found.append(
            Mention(
                text=str(extra.get("text") or ""),
                account_id=str(mentioned.get("id") or ""),
                name=str(mentioned.get("name") or ""),
            )
        )
    return found


def bot_is_mentioned(activity: Activity) -> bool:
    bot_id = activity.recipient.id if activity.recipient else None
    return any(mention.account_id == bot_id for mention in mentions(activity))


def command_text(activity: Activity, *, people: Mapping[str, str] | None = None) -> str:
    """The command the person typed: the bot's mention removed, others written as `@who`.

    `people` maps a mentioned account id to how the router names that person (an email
    when known); unknown mentions keep their display name.
    """
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    for mention in mentions(activity):
        if not mention.text:
            continue
        if mention.account_id == bot_id:
            replacement = " "
        else:
            replacement = " @" + (people or {}).get(mention.account_id, mention.name or _TAGS.sub("", mention.text)) + " "
        text = text.replace(mention.text, replacement, 1)
    text = html.unescape(_TAGS.sub("", text)).replace("\u00a0", " ")
    return _SPACES.sub(" ", text).strip()


def card_submission(sender: Sender, value: Mapping[str, Any]) -> InboundEvent | None:
    if value.get("form"):
        fields = {str(k): _text(v) for k, v in value.items() if "." in str(k)}
        state = {str(k): _text(v) for k, v in value.items() if "." not in str(k) and k != "form"}
        return FormSubmitted(sender=sender, form=str(value["form"]), values=fields, state=state)
    if value.get("action"):
        return ButtonClicked(sender=sender, action=str(value["action"]), value=_text(value.get("value")))
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def event_from_message(activity: Activity, *, people: Mapping[str, str] | None = None) -> InboundEvent | None:
    """The event a message activity stands for, or None when it is not meant for the bot."""
    sender = sender_of(activity)
    if isinstance(activity.value, Mapping):
        return card_submission(sender, activity.value)
    if not sender.is_direct and not bot_is_mentioned(activity):
        return None
    text = command_text(activity, people=people)
    return MessageReceived(sender=sender, text=text or "help")
