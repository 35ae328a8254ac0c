"""The `/api/v1/` endpoints: one table (`ENDPOINTS`) drives the router, the scope checks and
the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from bot.api import models
from bot.api.auth import SECRET_KEY, caller_of, check_token, missing_scope, unknown_token
from bot.api.problems import Problem, field_error, from_validation
from bot.api.value_writer import PostedValue, ValueWriter
from bot.api.views import history_point_out, key_result_brief, key_result_out
from storage.api_tables import IDEMPOTENCY_KEY_MAX
from storage.db import Database
from storage.repositories.key_result_catalog import all_key_results
from storage.repositories.okrs import outcomes_with_progress
from storage.repositories.values import NewValue, current_sources, key_result_by_key, key_result_history

JSON_TYPE = "application/json"
POST_VALUE_SCOPE = "key-results:write"
FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of other tools drift a little


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # below /api/v1
    scope: str | None  # None: no token needed
    summary: str
    responses: dict[int, type[BaseModel] | None]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    headers: dict[str, str] = field(default_factory=dict)  # required request headers → description
    streamed: tuple[str, ...] = ()  # media types of a streamed response


def json_response(model: BaseModel, *, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(body=model.__pydantic_serializer__.to_json(model, exclude_none=False), status=status,
                        content_type=JSON_TYPE, headers=headers)


async def read_body(request: web.Request, model: type[BaseModel]) -> BaseModel:
    if request.content_type != JSON_TYPE:
        raise Problem(415, "send the body as JSON with `Content-Type: application/json`",
                      errors=[field_error("Content-Type", "must be application/json", where="header")])
    try:
        data = orjson.loads(await request.read())
    except orjson.JSONDecodeError as exc:
        raise Problem(400, f"the body is not valid JSON: {exc}", errors=[field_error("", "not valid JSON")]) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc) from None


def idempotency_key(request: web.Request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable() or not key.isascii():
        raise Problem(400, "send an `Idempotency-Key` header (1–200 printable characters, e.g. a UUID) so a "
                           "retried request is recorded once",
                      errors=[field_error("Idempotency-Key", "missing or not 1–200 printable ASCII characters",
                                          where="header")])
    return key


class Handlers:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db, self.clock = db, clock
        self.values = ValueWriter(db, clock)

    async def post_value(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        try:
            idem = idempotency_key(request)
            body: models.ValueIn = await read_body(request, models.ValueIn)  # type: ignore[assignment]
        except Problem:
            await check_token(request, self.db, POST_VALUE_SCOPE, self.clock)  # a stranger hears 401 first
            raise
        now = self.clock()
        if body.at is not None and body.at > now + FUTURE_TOLERANCE:
            # A value dated ahead would stay "newest" and hide every real value until then.
            await check_token(request, self.db, POST_VALUE_SCOPE, self.clock)
            raise Problem(422, f"at {body.at.isoformat()} is in the future; send when the value was true",
                          errors=[field_error("at", "must not be more than 5 minutes ahead of the server's clock")])
        outcome = await self.values.write(PostedValue(
            request[SECRET_KEY], POST_VALUE_SCOPE, idem, NewValue(key, body.value, body.at or now, body.source, body.note, "")))
        if outcome.caller is None:
            raise unknown_token()
        if not outcome.allowed or outcome.result is None:
            raise missing_scope(outcome.caller, POST_VALUE_SCOPE)
        kr, recorded = outcome.result.key_result, outcome.result.recorded
        if kr is None:
            raise Problem(404, f"there is no key result {key!r}; GET /api/v1/key-results lists them",
                          errors=[field_error("key", "unknown key result", where="path")])
        if recorded is None:
            refused = outcome.result.refused or ""
            raise Problem(422, f"value refused: {refused}", errors=[field_error("value", refused)])
        row = recorded.row
        if not recorded.created and (row.key_result_id != kr.id or row.value != body.value or row.source != body.source
                                     or row.note != body.note or (body.at is not None and row.at != body.at)):
            raise Problem(422, "this Idempotency-Key was already used for a different request; use a new key",
                          errors=[field_error("Idempotency-Key", "already used with other content", where="header")])
        out = models.ValueOut(id=row.id, key_result=kr.key, value=row.value, at=row.at, source=row.source,  # type: ignore[arg-type]
                              note=row.note, recorded_at=row.recorded_at,
                              current=kr.current == row.value and kr.updated_at == row.at)
        headers = {"Location": f"/api/v1/key-results/{kr.key}/values"}
        if not recorded.created:
            headers["Idempotent-Replayed"] = "true"
        return json_response(out, status=201 if recorded.created else 200, headers=headers)

    async def get_values(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        async with self.db.session() as session:
            kr = await key_result_by_key(session, key)
            if kr is None:
                raise Problem(404, f"there is no key result {key!r}; GET /api/v1/key-results lists them",
                              errors=[field_error("key", "unknown key result", where="path")])
            history = await key_result_history(session, kr.id)  # type: ignore[arg-type]
        with_text = caller_of(request).allows("admin")
        return json_response(models.HistoryOut(key_result=kr.key, values=[
            history_point_out(point, with_text=with_text) for point in history]))

    async def list_key_results(self, _request: web.Request) -> web.Response:
        async with self.db.session() as session:
            entries = await all_key_results(session)
            sources = await current_sources(session, [entry.key_result for entry in entries])
        return json_response(models.KeyResultList(key_results=[key_result_out(entry, sources) for entry in entries]))

    async def outcomes(self, _request: web.Request) -> web.Response:
        async with self.db.session() as session:
            tree = await outcomes_with_progress(session)
        return json_response(models.OutcomeTree(outcomes=[
            models.OutcomeOut(key=item.outcome.key, title=item.outcome.title, period=item.outcome.period,
                              indicators=list(item.outcome.indicators or []), progress=item.progress,
                              objectives=[models.ObjectiveOut(title=o.objective.title, period=o.objective.period,
                                                              progress=o.progress,
                                                              key_results=[key_result_brief(kr) for kr in o.key_results])
                                          for o in item.objectives])
            for item in tree]))


ENDPOINTS = (
    Endpoint("openapi", "GET", "/openapi.json", None, "This OpenAPI 3.1 document", {200: None}),
    Endpoint("post-value", "POST", "/key-results/{key}/values", POST_VALUE_SCOPE,
             "Record a key result's value from another tool (a retry with the same Idempotency-Key records it once)",
             {201: models.ValueOut, 200: models.ValueOut}, body=models.ValueIn,
             headers={"Idempotency-Key": "Any unique string per value (a UUID); a retry reuses it."}),
    Endpoint("get-values", "GET", "/key-results/{key}/values", "key-results:read",
             "A key result's history: check-in values and values from other tools, oldest first",
             {200: models.HistoryOut}),
    Endpoint("key-results", "GET", "/key-results", "key-results:read",
             "Every key result with its latest value, confidence and status", {200: models.KeyResultList}),
    Endpoint("outcomes", "GET", "/outcomes", "key-results:read",
             "Outcomes, their objectives and key results, with progress", {200: models.OutcomeTree}),
    Endpoint("check-ins", "GET", "/check-ins", "key-results:read",
             "Check-ins as NDJSON or CSV (by Accept), streamed, paged by a cursor; text needs admin",
             {200: models.CheckInOut}, query=models.CheckInQuery,
             streamed=("application/x-ndjson", "text/csv")),
)
