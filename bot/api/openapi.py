"""The OpenAPI 3.1 document, generated from `ENDPOINTS` and the pydantic models that validate
requests — never written by hand, so it always says what the server accepts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from bot.api.models import ProblemOut
from bot.api.problems import PROBLEM_TYPE
from bot.api.routes import ENDPOINTS, JSON_TYPE, Endpoint

REF = "#/components/schemas/{model}"
ERRORS = {400: "Bad request", 401: "Missing, wrong or revoked token", 403: "The token lacks the scope",
          404: "No such key result", 406: "Not acceptable", 415: "Not JSON", 422: "Invalid field"}


def openapi_document() -> dict[str, Any]:
    models: list[tuple[type[BaseModel], str]] = [(ProblemOut, "serialization")]
    for endpoint in ENDPOINTS:
        if endpoint.body is not None:
            models.append((endpoint.body, "validation"))
        models += [(model, "serialization") for model in endpoint.responses.values() if model is not None]
    refs, schemas = models_json_schema(list(dict.fromkeys(models)), ref_template=REF)
    paths: dict[str, dict] = {}
    for endpoint in ENDPOINTS:
        paths.setdefault("/api/v1" + endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "OutcomeBot API", "version": "1",
                 "description": "Key results, outcomes and check-ins of an OutcomeBot deployment. Authenticate "
                                "with `Authorization: Bearer <token>` (`outcomebot token create`)."},
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(endpoint: Endpoint, refs: dict) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": endpoint.name, "summary": endpoint.summary, "responses": {}}
    parameters = []
    if "{key}" in endpoint.path:
        parameters.append({"name": "key", "in": "path", "required": True, "description": "The key result's key",
                           "schema": {"type": "string"}, "example": "ENG-REL"})
    for name, description in endpoint.headers.items():
        parameters.append({"name": name, "in": "header", "required": True, "description": description,
                           "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                           "example": "4f6c3b1e-2d5a-4c1e-9a7b-0d2f8e6c5b3a"})
    if endpoint.query is not None:
        schema = endpoint.query.model_json_schema(ref_template=REF)
        required = set(schema.get("required", ()))
        for name, prop in schema["properties"].items():
            parameters.append({"name": name, "in": "query", "required": name in required,
                               "description": prop.pop("description", ""), "schema": prop})
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON_TYPE: {
            "schema": refs[(endpoint.body, "validation")],
            "example": endpoint.body.model_config["json_schema_extra"]["examples"][0]}}}  # type: ignore[index]
    for status, model in endpoint.responses.items():
        if model is None:
            operation["responses"][str(status)] = {"description": "OK", "content": {JSON_TYPE: {"schema": {"type": "object"}}}}
        elif endpoint.streamed:
            operation["responses"][str(status)] = {"description": "One check-in per line (NDJSON) or per key result (CSV)",
                                                   "content": {endpoint.streamed[0]: {"schema": refs[(model, "serialization")]},
                                                               endpoint.streamed[1]: {"schema": {"type": "string"}}}}
        else:
            operation["responses"][str(status)] = {"description": "OK" if status == 200 else "Created",
                                                   "content": {JSON_TYPE: {"schema": refs[(model, "serialization")]}}}
    if endpoint.scope is not None:
        operation["security"] = [{"bearer": []}]
        operation["description"] = f"Needs a token with scope `{endpoint.scope}` (admin ⊇ write ⊇ read)."
        for status in _errors_of(endpoint):
            operation["responses"][str(status)] = {"description": ERRORS[status], "content": {
                PROBLEM_TYPE: {"schema": refs[(ProblemOut, "serialization")]}}}
    return operation


def _errors_of(endpoint: Endpoint) -> list[int]:
    statuses = [401, 403]
    if "{key}" in endpoint.path:
        statuses.append(404)
    if endpoint.body is not None:
        statuses += [400, 415, 422]
    if endpoint.query is not None:
        statuses += [400, 406]
    return sorted(set(statuses))
