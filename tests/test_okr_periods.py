"""Last quarter's key results leave `okrs` and the check-in once the new quarter's are imported."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from bot.fake import FakeChat
from bot.router import Router
from storage.db import Database
from storage.models import Direction, KeyResult, Objective, Person
from storage.repositories.okrs import period_start
from tests.orgchart import ALICE, NOW, make_org, org_config


async def _add_objective(db: Database, *, period: str, title: str, kr_key: str) -> None:
    async with db.transaction() as s:
        alice = (await s.exec(select(Person).where(Person.email == ALICE))).one()
        first = (await s.exec(select(Objective))).first()
        objective = Objective(outcome_id=first.outcome_id, title=title, period=period, owner_person_id=alice.id)
        s.add(objective)
        await s.flush()
        s.add(KeyResult(key=kr_key, objective_id=objective.id, title=f"KR for {period}", owner_id=alice.id,
                        unit="%", baseline=0, target=10, direction=Direction.increase))


async def test_last_quarters_key_results_drop_out_when_this_quarters_exist(db: Database) -> None:
    await make_org(db)  # 2026-Q4 objectives; NOW is in November 2026
    await _add_objective(db, period="2026-Q3", title="Summer objective", kr_key="q3-kr")
    await _add_objective(db, period="2027-Q1", title="Next year objective", kr_key="q1-kr")
    chat = FakeChat(Router(org_config(), db, clock=lambda: NOW))

    okrs = await chat.say(ALICE, "okrs")
    assert "Onboard every new account within 14 days (2026-Q4)" in okrs
    assert "Summer objective" not in okrs and "Next year objective" not in okrs

    await chat.say(ALICE, "checkin")
    assert {kr.key for kr in chat.last_form.key_results} == {"activation", "onboarding-days"}


async def test_a_person_whose_okrs_start_next_quarter_still_sees_them(db: Database) -> None:
    await make_org(db)
    async with db.transaction() as s:
        for objective in (await s.exec(select(Objective))).all():
            objective.period = "2027-Q1"
            s.add(objective)
    chat = FakeChat(Router(org_config(), db, clock=lambda: NOW))
    assert "(2027-Q1)" in await chat.say(ALICE, "okrs")


def test_okr_periods_are_read_in_the_forms_people_write() -> None:
    assert period_start("2026-Q4") == date(2026, 10, 1)
    assert period_start("2026-H2") == date(2026, 7, 1)
    assert period_start("2026-11") == date(2026, 11, 1)
    assert period_start("2026") == date(2026, 1, 1)
    assert period_start("FY26") is None


async def test_slack_app_home_shows_only_this_quarters_key_results(db: Database) -> None:
    from bot.slack.home import home_context

    await make_org(db)
    await _add_objective(db, period="2026-Q3", title="Summer objective", kr_key="q3-kr")
    async with db.session() as session:
        home = await home_context(session, slack_user_id="UALICE", rules=org_config().cadences, now=NOW)
    assert {kr["key"] for kr in home["key_results"]} == {"activation", "onboarding-days"}
