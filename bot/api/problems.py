"""Errors of the JSON API as RFC 9457 problem details (`application/problem+json`).

Every refusal names what was wrong: `errors` lists each field with a JSON pointer into the
request body (or the name of the header or query parameter) and what it must be instead.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson
from aiohttp import web
from pydantic import ValidationError

PROBLEM_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request", 401: "Not authenticated", 403: "Not allowed", 404: "Not found", 405: "Method not allowed",
    406: "Not acceptable", 409: "Conflict", 415: "Unsupported media type", 422: "Unprocessable content",
    500: "Internal error",
}


class Problem(Exception):
    """Raise inside a handler to answer with a problem document."""

    def __init__(self, status: int, detail: str, *, errors: Iterable[dict] = (), headers: dict | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, list(errors), headers or {}

    def response(self) -> web.Response:
        body = {"type": "about:blank", "title": TITLES.get(self.status, "Error"), "status": self.status,
                "detail": self.detail}
        if self.errors:
            body["errors"] = self.errors
        return web.Response(status=self.status, body=orjson.dumps(body), content_type=PROBLEM_TYPE,
                            headers=self.headers)


def field_error(field: str, detail: str, *, where: str = "body") -> dict:
    """One entry of `errors`: `field` is a dotted path into the body, or a header/parameter name."""
    entry = {"field": field, "in": where, "detail": detail}
    if where == "body":
        entry["pointer"] = "#/" + "/".join(field.split(".")) if field else "#"
    return entry


def from_validation(exc: ValidationError, *, where: str = "body") -> Problem:
    errors = []
    for error in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in error["loc"])
        errors.append(field_error(field, error["msg"], where=where))
    named = ", ".join(error["field"] or "the body" for error in errors)
    return Problem(422 if where == "body" else 400, f"invalid {named}", errors=errors)
