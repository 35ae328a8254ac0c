"""Log output as text or as JSON lines (`log_format: json`), with the id of the inbound request.

Every inbound HTTP request gets a request id (the caller's `X-Request-Id` when it is a sane
token, else a new one), kept in a context variable: every line logged while handling it — also
from tasks it starts — carries `request_id`, and the response echoes it in `X-Request-Id`.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: ContextVar[str | None] = ContextVar("outcomebot_request_id", default=None)
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


def request_id_from(header: str | None) -> str:
    return header if header and _SANE_ID.fullmatch(header) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (None outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = REQUEST_ID.get()
        if request_id is None:  # aiohttp's access line is written after the request: take it from the response
            request_id = (getattr(record, "response_header", None) or {}).get("X-Request-Id")
        record.request_id = request_id
        return True


def use_log_format(log_format: str, handlers: list[logging.Handler] | None = None) -> None:
    """Switch the root handlers (or `handlers`) to `log_format` ("text" keeps the CLI's format)."""
    if handlers is None:
        root = logging.getLogger()
        if not root.handlers:
            logging.basicConfig()
        handlers = root.handlers
    for handler in handlers:
        if not any(isinstance(existing, RequestIdFilter) for existing in handler.filters):
            handler.addFilter(RequestIdFilter())
        if log_format == "json":
            handler.setFormatter(JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level", "name": "logger"},
                                               timestamp=False))
