"""GET /api/v1/check-ins: NDJSON and CSV, cursor paging over 10,000 check-ins, text for admins only."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import orjson
from sqlalchemy import insert, select

from storage.db import Database
from storage.models import Cadence, CheckIn, KeyResult, KRUpdate, Person
from tests.api_harness import api_client
from tests.cadence_fixtures import add_people, utc

PEOPLE, PERIODS = 100, 100  # 10,000 check-ins


async def many_checkins(db: Database) -> None:
    await add_people(db, PEOPLE)
    async with db.transaction() as session:
        cadence = Cadence(name="weekly", every="week", on="monday", at="09:00")
        session.add(cadence)
        await session.flush()
        people = (await session.execute(select(Person.id).where(Person.email.in_([f"p{n}@example.com" for n in range(PEOPLE)])).order_by(Person.id))).scalars().all()
        kr_id = (await session.execute(select(KeyResult.id).where(KeyResult.key == "deploys-per-week"))).scalar_one()
        rows = []
        for week in range(PERIODS):
            prompted = utc(2025, 1, 6) + timedelta(weeks=week)
            for person_id in people:
                rows.append({"person_id": person_id, "cadence_id": cadence.id, "period": f"W{week:03d}",
                             "status": "answered", "prompted_at": prompted, "answered_at": prompted,
                             "reminders_sent": 0, "reflections": {"What helped?": "pairing"}})
        await session.execute(insert(CheckIn.__table__), rows)
        first = (await session.execute(select(CheckIn.id).order_by(CheckIn.id).limit(3))).scalars().all()
        await session.execute(insert(KRUpdate.__table__), [
            {"checkin_id": checkin_id, "key_result_id": kr_id, "value": 5.0 + n, "confidence": 7,
             "note": "my private words", "created_at": utc(2025, 1, 6)} for n, checkin_id in enumerate(first)])


def _lines(body: bytes) -> list[dict]:
    return [orjson.loads(line) for line in body.splitlines() if line]


def _next(response) -> str | None:
    match = re.match(r'<([^>]+)>; rel="next"', response.headers.get("Link", ""))
    return match.group(1) if match else None


async def test_cursor_paging_walks_all_ten_thousand_check_ins_once_in_order(db: Database) -> None:
    async with api_client(db) as api:
        await many_checkins(db)
        url, ids, pages = "/api/v1/check-ins?limit=3000", [], 0
        while url:
            response = await api.client.get(url, headers=api.auth("key-results:read", Accept="application/x-ndjson"))
            assert response.status == 200 and response.content_type == "application/x-ndjson"
            ids += [line["id"] for line in _lines(await response.read())]
            url, pages = _next(response), pages + 1
        everything = _lines(await (await api.client.get("/api/v1/check-ins", headers=api.auth("key-results:read"))).read())
    assert pages == 4 and len(ids) == PEOPLE * PERIODS == len(set(ids)) and ids == sorted(ids)
    assert [line["id"] for line in everything] == ids


async def test_ndjson_keeps_check_in_text_for_the_admin_scope_only(any_db: Database) -> None:
    db = any_db
    async with api_client(db) as api:
        await many_checkins(db)
        read = _lines(await (await api.client.get("/api/v1/check-ins?limit=2", headers=api.auth("key-results:read"))).read())
        admin = _lines(await (await api.client.get("/api/v1/check-ins?limit=2", headers=api.auth("admin"))).read())
    assert read[0]["key_results"] == [{"key": "deploys-per-week", "value": 5.0, "confidence": 7}]
    assert "reflections" not in read[0] and "my private words" not in str(read)
    assert admin[0]["key_results"][0]["note"] == "my private words"
    assert admin[0]["reflections"] == {"What helped?": "pairing"}
    assert read[0]["person"] == "p0@example.com" and read[0]["status"] == "answered"


async def test_csv_has_a_row_per_key_result_answer_and_a_note_column_only_for_admins(db: Database) -> None:
    async with api_client(db) as api:
        await many_checkins(db)
        read = await api.client.get("/api/v1/check-ins?limit=4", headers=api.auth("key-results:read", Accept="text/csv"))
        admin = await api.client.get("/api/v1/check-ins?limit=4", headers=api.auth("admin", Accept="text/csv"))
        assert read.content_type == "text/csv"
        read_rows = list(csv.reader(io.StringIO(await read.text())))
        admin_rows = list(csv.reader(io.StringIO(await admin.text())))
    assert read_rows[0][-3:] == ["key_result", "value", "confidence"] and len(read_rows) == 5
    assert read_rows[1][7:] == ["deploys-per-week", "5.0", "7"] and read_rows[4][7:] == ["", "", ""]
    assert admin_rows[0][-1] == "note" and admin_rows[1][-1] == "my private words"


async def test_since_keeps_only_recent_check_ins(db: Database) -> None:
    async with api_client(db) as api:
        await many_checkins(db)
        response = await api.client.get("/api/v1/check-ins", params={"since": "2026-11-01T00:00:00Z"},
                                        headers=api.auth("key-results:read"))
        lines = _lines(await response.read())
    assert {line["period"] for line in lines} == {"W095", "W096", "W097", "W098", "W099"}
    assert len(lines) == 5 * PEOPLE


async def test_bad_export_requests_get_a_problem_naming_the_parameter(db: Database) -> None:
    async with api_client(db) as api:
        get = api.client.get
        headers = api.auth("key-results:read")
        cases = {"cursor": "?cursor=not-ours", "limit": "?limit=0", "since": "?since=last-week", "colour": "?colour=red"}
        for field, query in cases.items():
            response = await get("/api/v1/check-ins" + query, headers=headers)
            assert response.status == 400 and response.content_type == "application/problem+json", field
            problem = await response.json()
            assert problem["errors"][0]["field"] == field and problem["errors"][0]["in"] == "query"
        xml = await get("/api/v1/check-ins", headers=api.auth("key-results:read", Accept="application/xml"))
        assert xml.status == 406 and (await xml.json())["errors"][0]["field"] == "Accept"
        assert (await get("/api/v1/check-ins")).status == 401
