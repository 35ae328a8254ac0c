"""The check-in prompt reads the same however fast it is rendered, and bulk-written rows read back intact."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import product

from sqlalchemy import select

from cadences.outbox import delivery_row, enqueue_rows
from messages.render import Renderer
from storage.db import Database
from storage.models import Delivery, Person

TEXT = Renderer("text")


def _key_results() -> list[dict]:
    titles = ["Median days to first value", "two\nlines & <b>markup</b>", ""]
    units = ["%", "", "days", "€ k"]
    values = product(titles, units, [0.0, 1.5], [None, 20.25, 3], [None, 0, 10], [None, 0.333, 1.7])
    return [
        {"id": n, "key": f"kr-{n}", "title": title, "unit": unit, "baseline": baseline, "target": 50.0,
         "current": current, "confidence": confidence, "progress": progress}
        for n, (title, unit, baseline, current, confidence, progress) in enumerate(values)
    ]


def test_each_key_result_in_a_prompt_reads_exactly_as_in_the_okrs_view() -> None:
    kr_line = TEXT.environment.get_template("_kr.txt.j2").module.kr_line  # the shared macro okrs uses
    key_results = _key_results()
    context = {"checkin_id": 1, "person": {"name": "Ana", "email": "ana@example.com"}, "cadence": "weekly",
               "kind": "week", "period": "2026-W10", "period_label": "week 10 of 2026", "reminder": False,
               "key_results": key_results}
    text = TEXT.render("checkin_prompt", context)
    expected = "".join("  " + str(kr_line(kr)).replace("\n", "\n  ") + "\n" for kr in key_results)
    assert expected in text
    assert text.startswith("Hi Ana, time for your weekly check-in for week 10 of 2026.\nHow did your key results move?\n")


def test_a_renderer_finds_a_template_added_under_a_new_name_and_reports_unknown_ones(tmp_path) -> None:
    (tmp_path / "text").mkdir()
    renderer = Renderer("text", tmp_path)
    assert not renderer.has_template("hello") and renderer.template_names() == []
    (tmp_path / "text" / "hello.txt.j2").write_text("Hi {{ name }}")
    (tmp_path / "text" / "_part.txt.j2").write_text("not a message")
    assert Renderer("text", tmp_path).render("hello", {"name": "Ana"}) == "Hi Ana"
    assert not Renderer("text", tmp_path).has_template("_part")


async def test_outbox_rows_written_in_bulk_read_back_unchanged_through_the_orm(any_db_url: str) -> None:
    db = Database(any_db_url)
    berlin_nine = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    try:
        async with db.transaction() as session:
            session.add(Person(email="ana@example.com", name="Ana", timezone="Europe/Berlin", country="DE"))
        async with db.transaction() as session:
            person_id = (await session.exec(select(Person.id))).one()[0]
            rows = [delivery_row(key=f"k{n}", template="checkin_prompt", context={"checkin_id": n, "x": [1, "é"]},
                                 platform="console", address="ana@example.com", person_id=person_id, now=berlin_nine,
                                 not_before=berlin_nine + timedelta(minutes=n)) for n in range(3)]
            await enqueue_rows(session, [*rows, {**rows[0], "context": {"changed": True}}])  # same key: skipped
        async with db.session() as session:
            stored = list((await session.exec(select(Delivery).order_by(Delivery.id))).scalars())
    finally:
        await db.dispose()
    assert [row.idempotency_key for row in stored] == ["k0", "k1", "k2"]
    assert [row.next_attempt_at for row in stored] == [berlin_nine + timedelta(minutes=n) for n in range(3)]
    assert stored[0].next_attempt_at.tzinfo is not None and stored[0].next_attempt_at.utcoffset() == timedelta(0)
    assert stored[0].context == {"checkin_id": 0, "x": [1, "é"]}
    assert (stored[0].status, stored[0].attempts, stored[0].message_ref) == ("pending", 0, None)
