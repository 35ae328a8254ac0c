"""`outcomebot slack sync`: match Slack accounts to imported people.

Pages through `users.list`, matches by email (a `slack_user_id` from the import wins), stores
the Slack id, takes Slack's timezone when the person has none of their own (empty, or the
organisation default the import filled in), and marks people whose Slack account was
deactivated as inactive. Long rate-limit waits are honoured, not skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.retry_after import retry_after_seconds
from storage.db import Database
from storage.repositories.identities import identities_by_person, set_identity
from storage.repositories.people import all_people

log = logging.getLogger(__name__)
PAGE_SIZE = 200
MAX_RATE_LIMIT_WAITS = 5


@dataclass
class SyncReport:
    seen: int = 0
    linked: list[str] = field(default_factory=list)  # emails newly given a Slack id
    already_linked: int = 0
    timezones_set: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    reachable_again: list[str] = field(default_factory=list)  # were marked unreachable, active in Slack now
    unmatched_people: list[str] = field(default_factory=list)  # imported, no Slack account found
    conflicts: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"Slack accounts seen: {self.seen}",
            f"Linked now: {len(self.linked)}; already linked: {self.already_linked}",
            f"Timezones taken from Slack: {len(self.timezones_set)}",
            f"Marked inactive (deactivated in Slack): {len(self.deactivated)}",
        ]
        if self.reachable_again:
            lines.append(f"Reachable again (prompts resume): {', '.join(self.reachable_again[:20])}")
        if self.unmatched_people:
            lines.append(f"People with no Slack account by that email ({len(self.unmatched_people)}): "
                         + ", ".join(self.unmatched_people[:20]) + (" …" if len(self.unmatched_people) > 20 else ""))
        lines += [f"Not changed: {conflict}" for conflict in self.conflicts]
        return "\n".join(lines)


async def list_members(client: AsyncWebClient, *, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> list[dict[str, Any]]:
    """Every workspace member, following `next_cursor`; waits out 429s."""
    members: list[dict[str, Any]] = []
    cursor: str | None = None
    waits = 0
    while True:
        try:
            page = await client.users_list(limit=PAGE_SIZE, cursor=cursor or None)
        except SlackApiError as exc:
            if exc.response is None or exc.response.status_code != 429 or waits >= MAX_RATE_LIMIT_WAITS:
                raise
            waits += 1
            wait = retry_after_seconds(exc.response.headers) or 30.0
            log.info("users.list rate limited; waiting %.0f s as Slack asks", wait)
            await sleep(wait)
            continue
        members += page.get("members") or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return members


def _valid_timezone(name: str | None) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _email(member: dict[str, Any]) -> str | None:
    email = ((member.get("profile") or {}).get("email") or "").strip().lower()
    return email or None


async def sync_users(client: AsyncWebClient, db: Database, *, default_timezone: str,
                     sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> SyncReport:
    members = await list_members(client, sleep=sleep)
    report = SyncReport()
    async with db.transaction() as session:
        people = await all_people(session)
        by_email = {p.email.lower(): p for p in people}
        by_id = {p.id: p for p in people}
        slack_id_of = {person_id: found["slack"].external_id
                       for person_id, found in (await identities_by_person(session)).items()
                       if "slack" in found and found["slack"].external_id}
        by_slack_id = {slack_id: by_id[person_id] for person_id, slack_id in slack_id_of.items()}
        matched: set[int] = set()
        for member in members:
            if member.get("is_bot") or member.get("id") == "USLACKBOT":
                continue
            report.seen += 1
            slack_id = str(member.get("id", ""))
            person = by_slack_id.get(slack_id)
            email = _email(member)
            if person is None and email:
                candidate = by_email.get(email)
                stored = slack_id_of.get(candidate.id) if candidate is not None else None
                if candidate is not None and stored and stored != slack_id:
                    report.conflicts.append(
                        f"{candidate.email} keeps Slack id {stored} from the import "
                        f"(Slack says {slack_id} for that email)"
                    )
                    matched.add(candidate.id)  # type: ignore[arg-type]
                    continue
                person = candidate
                if person is not None:
                    await set_identity(session, person.id, "slack", external_id=slack_id)
                    slack_id_of[person.id] = slack_id
                    by_slack_id[slack_id] = person
                    report.linked.append(person.email)
            elif person is not None:
                report.already_linked += 1
            if person is None:
                continue
            matched.add(person.id)  # type: ignore[arg-type]
            if member.get("deleted"):
                if person.active:
                    person.active = False
                    report.deactivated.append(person.email)
                session.add(person)
                continue
            if person.unreachable_reason:
                # An active Slack account: whatever failed before (a wrong id, a DM refused) may work now.
                person.unreachable_reason = None
                report.reachable_again.append(person.email)
            if (not person.timezone or person.timezone == default_timezone) and _valid_timezone(member.get("tz")) \
                    and member["tz"] != person.timezone:
                person.timezone = member["tz"]
                report.timezones_set.append(person.email)
            session.add(person)
        report.unmatched_people = sorted(p.email for p in people if p.id not in matched and p.active)
    return report


async def sync_workspace(runtime) -> SyncReport:
    """The CLI entry: sync with the runtime's token and API URL, then close the database."""
    from bot.slack.client import make_web_client

    token = runtime.secrets.slack_bot_token.get_secret_value()
    client = make_web_client(token=token, base_url=runtime.config.slack_api_url)
    try:
        return await sync_users(client, runtime.db, default_timezone=runtime.config.organisation.timezone)
    finally:
        await runtime.close()
