"""Bot Framework activities in the shapes Microsoft Teams sends them, for driving /api/messages."""

from __future__ import annotations

import itertools
from typing import Any

TENANT = "72f988bf-0000-4000-8000-000000000001"
BOT = {"id": "28:outcomebot-app-id", "name": "OutcomeBot"}
TEAM = {"id": "19:team-platform@thread.tacv2", "name": "Platform"}
CHANNEL_ID = "19:general-platform@thread.tacv2"
_ids = itertools.count(1700000000001)


def user(account_id: str, aad: str | None, name: str) -> dict[str, Any]:
    account = {"id": account_id, "name": name}
    if aad:
        account["aadObjectId"] = aad
    return account


def personal_conversation(conversation_id: str) -> dict[str, Any]:
    return {"conversationType": "personal", "tenantId": TENANT, "id": conversation_id}


def _base(kind: str, service_url: str, sender: dict, conversation: dict, channel_data: dict | None = None) -> dict[str, Any]:
    return {
        "type": kind,
        "id": str(next(_ids)),
        "timestamp": "2026-11-23T09:00:00.000Z",
        "localTimestamp": "2026-11-23T10:00:00.000+01:00",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": sender,
        "recipient": dict(BOT),
        "conversation": conversation,
        "channelData": channel_data or {"tenant": {"id": TENANT}},
        "locale": "en-US",
    }


def personal_install(service_url: str, sender: dict, conversation_id: str) -> dict[str, Any]:
    """What Teams sends when a person adds the bot: the bot is the member added."""
    activity = _base("conversationUpdate", service_url, sender, personal_conversation(conversation_id))
    activity["membersAdded"] = [{"id": BOT["id"]}]
    return activity


def team_install(
    service_url: str, installer: dict, *, team: dict = TEAM, channel_id: str = CHANNEL_ID, tenant: str = TENANT
) -> dict[str, Any]:
    conversation = {"isGroup": True, "conversationType": "channel", "tenantId": tenant, "id": channel_id}
    channel_data = {"team": dict(team), "eventType": "teamMemberAdded", "tenant": {"id": tenant}}
    activity = _base("conversationUpdate", service_url, installer, conversation, channel_data)
    activity["membersAdded"] = [{"id": BOT["id"]}]
    return activity


def personal_message(service_url: str, sender: dict, conversation_id: str, text: str) -> dict[str, Any]:
    activity = _base("message", service_url, sender, personal_conversation(conversation_id))
    activity.update({"text": text, "textFormat": "plain", "attachments": [], "entities": [
        {"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web", "timezone": "Europe/Berlin"}
    ]})
    return activity


def card_submit(service_url: str, sender: dict, conversation_id: str, card_activity_id: str, value: dict) -> dict[str, Any]:
    """A press of Action.Submit: the submit data merged with the card's inputs, as `value`."""
    activity = _base("message", service_url, sender, personal_conversation(conversation_id))
    activity.update({"replyToId": card_activity_id, "value": value, "channelData": {
        "tenant": {"id": TENANT}, "source": {"name": "message"}, "legacy": {"replyToId": "1:legacy"}
    }})
    return activity


def channel_mention(
    service_url: str, sender: dict, text_after_mention: str, *, mentions: list[dict] | None = None
) -> dict[str, Any]:
    """`@OutcomeBot okrs` in a team channel, with the mention entities Teams adds."""
    bot_tag = f"<at>{BOT['name']}</at>"
    conversation = {
        "isGroup": True,
        "conversationType": "channel",
        "tenantId": TENANT,
        "id": f"{CHANNEL_ID};messageid={next(_ids)}",
    }
    channel_data = {
        "teamsChannelId": CHANNEL_ID,
        "teamsTeamId": TEAM["id"],
        "channel": {"id": CHANNEL_ID},
        "team": {"id": TEAM["id"]},
        "tenant": {"id": TENANT},
    }
    activity = _base("message", service_url, sender, conversation, channel_data)
    entities = [{"type": "mention", "text": bot_tag, "mentioned": dict(BOT)}] + list(mentions or [])
    activity.update({"text": f"{bot_tag} {text_after_mention}", "textFormat": "plain", "entities": entities})
    return activity
