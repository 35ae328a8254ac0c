"""A database with a row in every table (awkward values included), and a row-by-row comparison."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from storage.db import Database, async_url
from storage.models import (
    Blocker,
    BlockerStatus,
    Cadence,
    CheckIn,
    CheckInStatus,
    Delivery,
    DeliveryStatus,
    KRUpdate,
    LeavePeriod,
    Nudge,
    Person,
    ProcessedEvent,
    PromptSchedule,
    Win,
    WinStatus,
)
from tests.cadence_fixtures import utc
from tests.orgchart import make_org


async def populate(db: Database) -> None:
    """The org chart of tests/orgchart.py plus a check-in with updates, blockers, wins, nudges, the outbox."""
    ids = await make_org(db)
    async with db.transaction() as s:
        # A manager created after their report: restoring must not trip over the self-reference.
        late_manager = Person(email="zed@x.com", name="Zéd «quoted» \"name\"", timezone="Asia/Kolkata", country="IN")
        s.add(late_manager)
        await s.flush()
        cora = await s.get(Person, ids["cora"])
        cora.manager_id = late_manager.id
        cora.teams_conversation_ref = {"serviceUrl": "https://smba.example/", "conversation": {"id": "a:1"}}
        s.add(cora)
        cadence = Cadence(name="weekly", every="week", on="monday", at="09:00", questions=["Why?", "Ünïcode ✓"])
        s.add(cadence)
        s.add(LeavePeriod(person_id=ids["bob"], starts_on=date(2026, 12, 24), ends_on=date(2027, 1, 2)))
        await s.flush()
        s.add(PromptSchedule(person_id=ids["alice"], cadence_id=cadence.id, period="2026-W49",
                             next_prompt_at=utc(2026, 11, 30, 8)))
        checkin = CheckIn(person_id=ids["alice"], cadence_id=cadence.id, period="2026-W48",
                          status=CheckInStatus.answered, prompted_at=utc(2026, 11, 23, 8, 0, 0),
                          answered_at=utc(2026, 11, 23, 9, 15, 30), reflections={"Why?": "because\nnew line"})
        s.add(checkin)
        await s.flush()
        key_results = (await s.execute(select(Person.id))).all()
        from storage.models import KeyResult

        krs = (await s.execute(select(KeyResult).order_by(KeyResult.id))).scalars().all()
        s.add(KRUpdate(checkin_id=checkin.id, key_result_id=krs[0].id, value=0.1 + 0.2, confidence=7,
                       note="<!channel> & *bold*", created_at=utc(2026, 11, 23, 9, 15, 30)))
        s.add(Blocker(person_id=ids["alice"], checkin_id=checkin.id, key_result_id=krs[0].id, text="Waiting on legal",
                      status=BlockerStatus.acknowledged, created_at=utc(2026, 11, 23, 9),
                      acknowledged_at=utc(2026, 11, 24, 9)))
        win = Win(person_id=ids["alice"], checkin_id=checkin.id, text="Shipped 🎉", share=True,
                  status=WinStatus.posted, created_at=utc(2026, 11, 23, 9), posted_at=utc(2026, 11, 23, 10))
        s.add(win)
        s.add(Nudge(manager_id=ids["maya"], report_id=ids["alice"], rule="stuck", key_result_id=krs[0].id,
                    evidence={"values": [30, 30], "dates": ["2026-11-16", "2026-11-23"]}, question="What is in the way?",
                    created_at=utc(2026, 11, 24)))
        await s.flush()
        s.add(Delivery(idempotency_key="prompt:alice:2026-W48", person_id=ids["alice"], platform="slack",
                       address="UALICE", template="checkin_prompt", context={"name": "Alice", "n": [1, 2.5]},
                       status=DeliveryStatus.sent, attempts=1, next_attempt_at=utc(2026, 11, 23, 8),
                       message_ref="1700000000.000001", created_at=utc(2026, 11, 23, 8), sent_at=utc(2026, 11, 23, 8)))
        s.add(Delivery(idempotency_key="win:1", team_id=1, win_id=win.id, platform="slack", address="CPLAT",
                       template="win_announcement", status=DeliveryStatus.pending, next_attempt_at=utc(2026, 11, 23, 10),
                       created_at=utc(2026, 11, 23, 10)))
        s.add(ProcessedEvent(source="slack", event_key="Ev1", received_at=utc(2026, 11, 23, 9)))
    del key_results


def table_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table the models know, by primary key — read without the archive code."""
    async def read() -> dict[str, list[tuple]]:
        engine = create_async_engine(async_url(url))
        try:
            async with engine.connect() as connection:
                names = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
                found = {}
                for table in SQLModel.metadata.sorted_tables:
                    assert table.name in names, table.name
                    rows = await connection.execute(select(table).order_by(*table.primary_key.columns))
                    found[table.name] = [tuple(row) for row in rows]
                return found
        finally:
            await engine.dispose()

    return asyncio.run(read())
