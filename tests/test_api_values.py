"""POST /api/v1/key-results/{KEY}/values: tokens, scopes, idempotent retries, field errors."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.checkin_form import KRField
from bot.handlers.checkin import build_form
from bot.slack.blocks import SlackMessages, validate_view
from bot.slack.modal import checkin_view
from storage.api_tables import ApiToken, KeyResultValue
from storage.db import Database
from storage.models import Cadence, CheckIn, KeyResult, Person
from storage.repositories.tokens import revoke_token
from storage.repositories.values import key_result_history
from tests.api_harness import NOW, api_client
from tests.cadence_fixtures import utc

PROBLEM = "application/problem+json"


async def _kr(db: Database, key: str) -> KeyResult:
    async with db.session() as session:
        return (await session.exec(select(KeyResult).where(KeyResult.key == key))).one()


async def _values(db: Database) -> list[KeyResultValue]:
    async with db.session() as session:
        return list((await session.exec(select(KeyResultValue))).all())


async def test_a_posted_value_enters_the_history_with_its_source_and_becomes_current(db: Database) -> None:
    async with api_client(db) as api:
        response = await api.post_value("deploys-per-week", {"value": 7, "at": "2026-11-29T18:00:00Z",
                                                             "source": "github", "note": "CI count"})
        assert response.status == 201
        body = await response.json()
        assert body["key_result"] == "deploys-per-week" and body["value"] == 7 and body["source"] == "github"
        assert body["current"] is True
    kr = await _kr(db, "deploys-per-week")
    assert kr.current == 7 and kr.updated_at == utc(2026, 11, 29, 18)
    async with db.session() as session:
        history = await key_result_history(session, kr.id)
    assert [(p.at, p.value, p.source) for p in history] == [(utc(2026, 11, 29, 18), 7.0, "github")]


async def test_a_retried_request_with_the_same_idempotency_key_records_the_value_once(db: Database) -> None:
    async with api_client(db) as api:
        first = await api.post_value("deploys-per-week", {"value": 7}, idem="retry-me")
        second = await api.post_value("deploys-per-week", {"value": 7}, idem="retry-me")
        assert first.status == 201 and second.status == 200
        assert second.headers["Idempotent-Replayed"] == "true"
        assert (await first.json())["id"] == (await second.json())["id"]
        other = await api.post_value("deploys-per-week", {"value": 8}, idem="retry-me")
        assert other.status == 422 and other.content_type == PROBLEM
        assert (await other.json())["errors"][0]["field"] == "Idempotency-Key"
    assert [v.value for v in await _values(db)] == [7.0]


async def test_a_value_without_at_is_stamped_with_the_server_time(db: Database) -> None:
    async with api_client(db) as api:
        body = await (await api.post_value("deploys-per-week", {"value": 5})).json()
    assert body["at"].startswith(NOW.isoformat().replace("+00:00", ""))
    assert body["source"] == "api"


async def test_an_older_value_goes_into_the_history_but_does_not_replace_a_newer_current(db: Database) -> None:
    async with api_client(db) as api:
        await api.post_value("deploys-per-week", {"value": 9, "at": "2026-11-29T00:00:00Z"}, idem="new")
        late = await api.post_value("deploys-per-week", {"value": 4, "at": "2026-11-01T00:00:00Z"}, idem="old")
        assert late.status == 201 and (await late.json())["current"] is False
    assert (await _kr(db, "deploys-per-week")).current == 9
    assert sorted(v.value for v in await _values(db)) == [4.0, 9.0]


async def test_wrong_missing_and_revoked_tokens_get_401_and_change_nothing(db: Database) -> None:
    async with api_client(db) as api:
        url = "/api/v1/key-results/deploys-per-week/values"
        missing = await api.client.post(url, json={"value": 1}, headers={"Idempotency-Key": "a"})
        wrong = await api.client.post(url, json={"value": 1}, headers={"Idempotency-Key": "a",
                                                                       "Authorization": "Bearer obt_nope"})
        async with db.transaction() as session:
            await revoke_token(session, "key-results:write-token", NOW)
        wrong_and_bad_body = await api.client.post(url, json={"value": "x"}, headers={
            "Idempotency-Key": "a", "Authorization": "Bearer obt_nope"})
        assert wrong_and_bad_body.status == 401  # a stranger learns nothing about the request
        read_only_bad_body = await api.post_value("deploys-per-week", {"value": "x"}, scope="key-results:read")
        assert read_only_bad_body.status == 403
        revoked = await api.post_value("deploys-per-week", {"value": 1})
        for response in (missing, wrong, revoked):
            assert response.status == 401 and response.content_type == PROBLEM
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert (await response.json())["errors"][0]["field"] == "Authorization"
    assert await _values(db) == []


async def test_a_read_only_token_gets_403_on_post_and_nothing_is_recorded(db: Database) -> None:
    async with api_client(db) as api:
        response = await api.post_value("deploys-per-week", {"value": 1}, scope="key-results:read")
        assert response.status == 403 and response.content_type == PROBLEM
        assert "key-results:write" in (await response.json())["detail"]
        assert (await api.post_value("deploys-per-week", {"value": 1}, scope="admin")).status == 201
    assert len(await _values(db)) == 1


async def test_bad_bodies_get_a_problem_naming_the_field(db: Database) -> None:
    async with api_client(db) as api:
        cases = {
            "value": {"value": "lots"},
            "at": {"value": 1, "at": "yesterday"},
            "source": {"value": 1, "source": "has spaces"},
            "note": {"value": 1, "note": "x" * 501},
            "extra": {"value": 1, "extra": True},
        }
        for n, (field, body) in enumerate(cases.items()):
            response = await api.post_value("deploys-per-week", body, idem=f"bad-{n}")
            problem = await response.json()
            assert response.status == 422 and response.content_type == PROBLEM, field
            assert problem["errors"][0]["field"] == field and problem["errors"][0]["pointer"] == f"#/{field}"
        naive = await api.post_value("deploys-per-week", {"value": 1, "at": "2026-11-29T18:00:00"}, idem="naive")
        assert (await naive.json())["errors"][0]["field"] == "at"
        future = await api.post_value("deploys-per-week", {"value": 1, "at": "2026-12-30T09:00:00Z"}, idem="future")
        assert future.status == 422 and (await future.json())["errors"][0]["field"] == "at"
        missing = await api.post_value("deploys-per-week", {}, idem="missing")
        assert (await missing.json())["errors"][0]["field"] == "value"
        not_json = await api.client.post("/api/v1/key-results/deploys-per-week/values", data=b"{oops",
                                         headers=api.auth(**{"Idempotency-Key": "x", "Content-Type": "application/json"}))
        assert not_json.status == 400 and not_json.content_type == PROBLEM
        as_form = await api.client.post("/api/v1/key-results/deploys-per-week/values", data={"value": "1"},
                                        headers=api.auth(**{"Idempotency-Key": "y"}))
        assert as_form.status == 415 and (await as_form.json())["errors"][0]["field"] == "Content-Type"
        no_key = await api.client.post("/api/v1/key-results/deploys-per-week/values", json={"value": 1},
                                       headers=api.auth())
        assert no_key.status == 400 and (await no_key.json())["errors"][0]["field"] == "Idempotency-Key"
    assert await _values(db) == []


async def test_values_the_key_result_cannot_take_are_refused_and_unknown_keys_are_404(db: Database) -> None:
    async with api_client(db) as api:
        percent = await api.post_value("activation-rate", {"value": 140}, idem="p")
        assert percent.status == 422 and (await percent.json())["errors"][0]["field"] == "value"
        negative = await api.post_value("deploys-per-week", {"value": -2}, idem="n")
        assert negative.status == 422 and "below 0" in (await negative.json())["detail"]
        unknown = await api.post_value("no-such-kr", {"value": 1}, idem="u")
        assert unknown.status == 404 and (await unknown.json())["errors"][0]["field"] == "key"
        assert (await api.client.get("/api/v1/nothing-here", headers=api.auth())).status == 404
        wrong_method = await api.client.delete("/api/v1/key-results", headers=api.auth())
        assert wrong_method.status == 405 and wrong_method.content_type == PROBLEM
    assert await _values(db) == []


async def test_a_token_records_its_last_use(db: Database) -> None:
    async with api_client(db) as api:
        await api.post_value("deploys-per-week", {"value": 3})
    async with db.session() as session:
        token = (await session.exec(select(ApiToken).where(ApiToken.name == "key-results:write-token"))).one()
    assert token.last_used_at == NOW and token.secret_hash and len(token.secret_hash) == 64


async def test_the_owner_sees_the_api_value_pre_filled_with_its_source_next_check_in(db: Database) -> None:
    async with api_client(db) as api:
        await api.post_value("deploys-per-week", {"value": 11, "source": "github"})
    async with db.transaction() as session:
        person = (await session.exec(select(Person).where(Person.email == "priya.sharma@example.com"))).one()
        cadence = Cadence(name="weekly", every="week", on="monday", at="09:00")
        session.add(cadence)
        await session.flush()
        checkin = CheckIn(person_id=person.id, cadence_id=cadence.id, period="2026-W49")
        session.add(checkin)
        await session.flush()
        form = await build_form(session, person, checkin, cadence, NOW)
    field: KRField = next(kr for kr in form.key_results if kr.key == "deploys-per-week")
    assert field.current == 11 and field.current_source == "github"
    view = validate_view(checkin_view(form, SlackMessages()))
    assert "Last value 11 (from github)" in str(view)


async def test_concurrent_posts_and_their_retries_are_each_recorded_once(db: Database) -> None:
    async with api_client(db) as api:
        keys = ["deploys-per-week", "restore-minutes", "p95-latency"]
        responses = await asyncio.gather(*(
            api.post_value(keys[n % 25 % 3], {"value": 100 + n % 25, "at": f"2026-11-29T10:{n % 25:02d}:00Z"}, idem=f"c-{n % 25}")
            for n in range(50)))
        bodies = [await response.json() for response in responses]
    assert sorted(r.status for r in responses) == [200] * 25 + [201] * 25
    assert len({body["id"] for body in bodies}) == 25
    assert len(await _values(db)) == 25
    deploys = await _kr(db, "deploys-per-week")
    newest = max((v for v in await _values(db) if v.key_result_id == deploys.id), key=lambda v: v.at)
    assert deploys.current == newest.value and deploys.updated_at == newest.at


async def test_a_retry_is_recorded_once_on_postgresql_too(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        async with api_client(db) as api:
            first = await api.post_value("deploys-per-week", {"value": 7}, idem="pg")
            again = await api.post_value("deploys-per-week", {"value": 7}, idem="pg")
            assert (first.status, again.status) == (201, 200)
        assert [v.value for v in await _values(db)] == [7.0]
        assert (await _kr(db, "deploys-per-week")).current == 7
    finally:
        await db.dispose()
