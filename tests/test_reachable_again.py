"""Someone the platform once refused gets prompts again after they write to the bot there."""

from __future__ import annotations

from sqlmodel import select

from bot.platform import MessageReceived, Sender
from bot.router import Router
from storage.db import Database
from storage.models import Person
from tests.orgchart import ALICE, NOW, make_org, org_config


async def _mark(db: Database, email: str, reason: str | None) -> None:
    async with db.transaction() as s:
        person = (await s.exec(select(Person).where(Person.email == email))).one()
        person.unreachable_reason = reason
        s.add(person)


async def _reason(db: Database, email: str) -> str | None:
    async with db.session() as s:
        return (await s.exec(select(Person).where(Person.email == email))).one().unreachable_reason


async def test_a_slack_message_from_someone_marked_unreachable_clears_the_mark(db: Database) -> None:
    await make_org(db)
    await _mark(db, ALICE, "user_not_found")
    router = Router(org_config(), db, clock=lambda: NOW)
    await router.dispatch(MessageReceived(Sender("console", ALICE), "okrs"))
    assert await _reason(db, ALICE) == "user_not_found"  # the terminal says nothing about Slack
    await router.dispatch(MessageReceived(Sender("slack", "UALICE"), "okrs"))
    assert await _reason(db, ALICE) is None
