"""GET endpoints of /api/v1/: key results, a key result's history, outcomes, and the OpenAPI
document (valid, and what the server accepts)."""

from __future__ import annotations

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from sqlmodel import select

from bot.checkin_form import CheckInAnswers, KRAnswer
from storage.db import Database
from storage.models import Cadence, CheckIn, KeyResult, Person
from storage.repositories.checkins import record_checkin
from tests.api_harness import NOW, api_client
from tests.cadence_fixtures import utc


async def answer_checkin(db: Database, email: str, key: str, value: float, confidence: int, note: str, at) -> None:
    async with db.transaction() as session:
        person = (await session.exec(select(Person).where(Person.email == email))).one()
        kr = (await session.exec(select(KeyResult).where(KeyResult.key == key))).one()
        cadence = (await session.exec(select(Cadence))).first()
        if cadence is None:
            cadence = Cadence(name="weekly", every="week", on="monday", at="09:00")
            session.add(cadence)
            await session.flush()
        checkin = CheckIn(person_id=person.id, cadence_id=cadence.id, period="2026-W48", status="prompted",
                          prompted_at=at)
        session.add(checkin)
        await session.flush()
        await record_checkin(session, checkin, CheckInAnswers(checkin.id, (KRAnswer(kr.id, value, confidence, note),)), at)


async def test_the_key_result_list_shows_latest_value_confidence_status_and_where_the_value_came_from(db: Database) -> None:
    async with api_client(db) as api:
        await answer_checkin(db, "priya.sharma@example.com", "deploys-per-week", 6, 8, "steady", utc(2026, 11, 23, 9))
        await api.post_value("restore-minutes", {"value": 45, "source": "pagerduty"})
        response = await api.client.get("/api/v1/key-results", headers=api.auth("key-results:read"))
        assert response.status == 200
        by_key = {kr["key"]: kr for kr in (await response.json())["key_results"]}
    deploys = by_key["deploys-per-week"]
    assert (deploys["current"], deploys["confidence"], deploys["status"], deploys["current_source"]) == (6, 8, "on-track", "check-in")
    assert deploys["owner"] == "priya.sharma@example.com" and deploys["outcome"] == "reliability"
    assert by_key["restore-minutes"]["current_source"] == "pagerduty" and by_key["restore-minutes"]["status"] == "unrated"
    assert by_key["activation-rate"]["current"] is None and by_key["activation-rate"]["current_source"] is None


async def test_a_key_result_history_has_check_in_and_tool_values_in_order_and_check_in_notes_only_for_admins(
    db: Database,
) -> None:
    async with api_client(db) as api:
        await answer_checkin(db, "priya.sharma@example.com", "deploys-per-week", 6, 8, "my own words", utc(2026, 11, 23, 9))
        await api.post_value("deploys-per-week", {"value": 7, "at": "2026-11-26T12:00:00Z", "source": "github",
                                                  "note": "from CI"})
        read = await (await api.client.get("/api/v1/key-results/deploys-per-week/values",
                                           headers=api.auth("key-results:read"))).json()
        admin = await (await api.client.get("/api/v1/key-results/deploys-per-week/values",
                                            headers=api.auth("admin"))).json()
        missing = await api.client.get("/api/v1/key-results/nope/values", headers=api.auth("key-results:read"))
        assert missing.status == 404 and (await missing.json())["errors"][0]["field"] == "key"
    assert [(v["source"], v["value"]) for v in read["values"]] == [("check-in", 6), ("github", 7)]
    assert read["values"][0]["note"] is None and read["values"][0]["confidence"] == 8
    assert read["values"][1]["note"] == "from CI"
    assert admin["values"][0]["note"] == "my own words"


async def test_the_outcome_tree_nests_objectives_and_key_results_with_progress(db: Database) -> None:
    async with api_client(db) as api:
        await api.post_value("deploys-per-week", {"value": 15})
        tree = await (await api.client.get("/api/v1/outcomes", headers=api.auth("key-results:read"))).json()
        assert (await api.client.get("/api/v1/outcomes")).status == 401
    reliability = next(o for o in tree["outcomes"] if o["key"] == "reliability")
    krs = {kr["key"]: kr for objective in reliability["objectives"] for kr in objective["key_results"]}
    assert krs["deploys-per-week"]["status"] == "met" and krs["deploys-per-week"]["progress"] == 1.0
    assert 0 < reliability["progress"] < 1


def conforms(document: dict, schema: dict, instance: object) -> None:
    """`instance` matches `schema` (a $ref into the document's components) — the server says what it documents."""
    Draft202012Validator({**schema, "components": document["components"]}).validate(instance)


async def test_the_openapi_document_is_valid_openapi_3_1_and_its_example_request_is_accepted(db: Database) -> None:
    async with api_client(db) as api:
        response = await api.client.get("/api/v1/openapi.json")
        document = await response.json()
        validate(document)
        assert document["openapi"].startswith("3.1")
        operation = document["paths"]["/api/v1/key-results/{key}/values"]["post"]
        example = operation["requestBody"]["content"]["application/json"]["example"]
        params = {p["name"]: p for p in operation["parameters"]}
        url = "/api/v1/key-results/{key}/values".replace("{key}", "deploys-per-week")
        sent = await api.client.post(url, json=example, headers=api.auth(**{"Idempotency-Key": params["Idempotency-Key"]["example"]}))
        assert sent.status == 201
        body = await sent.json()
        conforms(document, operation["responses"]["201"]["content"]["application/json"]["schema"], body)
        listing = document["paths"]["/api/v1/key-results"]["get"]["responses"]["200"]["content"]["application/json"]
        conforms(document, listing["schema"], await (await api.client.get("/api/v1/key-results", headers=api.auth())).json())
        refused = await api.client.post(url, json={"value": "x"}, headers=api.auth(**{"Idempotency-Key": "bad"}))
        problem = operation["responses"]["422"]["content"]["application/problem+json"]["schema"]
        conforms(document, problem, await refused.json())
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert document["components"]["schemas"][ref]["additionalProperties"] is False
        assert set(document["paths"]) == {"/api/v1/openapi.json", "/api/v1/key-results/{key}/values",
                                          "/api/v1/key-results", "/api/v1/outcomes", "/api/v1/check-ins"}
    assert body["at"].startswith("2026-11-30T09:00:00") and NOW.year == 2026
