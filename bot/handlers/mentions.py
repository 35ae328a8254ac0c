"""Turn how a person was named in a command into a Person.

Accepted: `@alice@x.com` or `alice@x.com` (console, Teams after the adapter resolved the
mention), Slack's `<@U123>` / `<@U123|alice>`, and a raw user id on any chat platform.
"""

from __future__ import annotations

import re

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person
from storage.repositories.identities import person_by_any_chat_identity, person_by_chat_identity
from storage.repositories.people import person_by_email

_SLACK_MENTION = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$", re.IGNORECASE)


async def resolve_mention(session: AsyncSession, text: str) -> Person | None:
    ref = text.strip().split()[0] if text.strip() else ""
    if not ref:
        return None
    slack = _SLACK_MENTION.match(ref)
    if slack:
        return await person_by_chat_identity(session, "slack", slack.group(1).upper())
    ref = ref.removeprefix("@").strip("<>")
    if "@" in ref:
        return await person_by_email(session, ref.removeprefix("mailto:"))
    return await person_by_any_chat_identity(session, ref)
