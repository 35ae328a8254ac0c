"""Repository queries on SQLite and PostgreSQL: the org tree, check-ins recorded once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from bot.checkin_form import BlockerAnswer, CheckInAnswers, KRAnswer, WinAnswer
from cadences.registry import sync_cadences
from storage.db import Database
from storage.models import Blocker, KRUpdate, Win
from storage.repositories.checkins import get_or_create_checkin, record_checkin
from storage.repositories.people import all_reports, direct_reports, manager_chain, person_by_email
from tests.orgchart import ALICE, CORA, MAYA, NOW, make_org, org_config


@pytest.fixture
async def any_db(any_db_url: str) -> AsyncIterator[Database]:
    database = Database(any_db_url)
    yield database
    await database.dispose()


async def test_manager_chain_and_reports_follow_the_org_chart(any_db: Database) -> None:
    await make_org(any_db)
    async with any_db.session() as s:
        alice, cora, maya = [await person_by_email(s, email) for email in (ALICE, CORA, MAYA)]
        assert [p.email for p in await manager_chain(s, alice)] == [MAYA, CORA]
        assert [p.name for p in await direct_reports(s, cora)] == ["Maya", "Oscar"]
        assert [p.name for p in await all_reports(s, cora)] == ["Alice", "Bob", "Maya", "Oscar", "Sam"]
        assert await all_reports(s, alice) == []


async def test_recording_the_same_answers_twice_writes_them_once(any_db: Database) -> None:
    ids = await make_org(any_db)
    async with any_db.transaction() as s:
        alice = await person_by_email(s, ALICE)
        cadence = (await sync_cadences(s, org_config().cadences))["weekly"]
        checkin = await get_or_create_checkin(s, person=alice, cadence=cadence, period="2026-W48")
        assert (await get_or_create_checkin(s, person=alice, cadence=cadence, period="2026-W48")).id == checkin.id
    answers = CheckInAnswers(
        checkin.id,
        (KRAnswer(ids["onboarding-days"], 21, 7, "note"), KRAnswer(ids["first-reply-hours"], 1, 1)),  # Bob's KR: ignored
        (BlockerAnswer("SSO", ids["onboarding-days"]),),
        (WinAnswer("Acme live", True),),
    )
    for _ in range(2):
        async with any_db.transaction() as s:
            recorded = await record_checkin(s, checkin, answers, NOW)
    assert recorded.first_time is False
    async with any_db.session() as s:
        assert [(u.key_result_id, u.value) for u in (await s.exec(select(KRUpdate))).all()] == [(ids["onboarding-days"], 21)]
        assert len((await s.exec(select(Blocker))).all()) == 1
        assert [(w.status, w.share) for w in (await s.exec(select(Win))).all()] == [("approved", True)]
