"""`GET /api/v1/check-ins`: NDJSON or CSV by `Accept`, streamed page by page (constant memory),
paged by an opaque cursor. Check-in text (notes, reflections) only with the admin scope."""

from __future__ import annotations

import base64
import csv
import io
from urllib.parse import urlencode

from aiohttp import web
from pydantic import ValidationError

from bot.api.auth import caller_of
from bot.api.models import CheckInQuery
from bot.api.problems import Problem, field_error, from_validation
from bot.api.views import checkin_out
from storage.db import Database
from storage.repositories.checkin_export import ExportedCheckIn, checkin_page, first_id_after

NDJSON = "application/x-ndjson"
CSV = "text/csv"
PAGE = 1000
CSV_COLUMNS = ["checkin_id", "person", "cadence", "period", "status", "prompted_at", "answered_at",
               "key_result", "value", "confidence"]


def encode_cursor(after_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{after_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix == "after" and number.isdigit():
            return int(number)
    except (ValueError, UnicodeDecodeError):
        pass
    raise Problem(400, "the cursor is not one this API gave; start without it or use the `next` link",
                  errors=[field_error("cursor", "not a cursor from a previous page", where="query")])


def chosen_type(accept: str) -> str:
    """NDJSON unless the client asks for CSV; 406 when it accepts neither."""
    wanted = [part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()]
    if not wanted:
        return NDJSON
    for media in wanted:
        if media in (NDJSON, "application/ndjson", "application/jsonl"):
            return NDJSON
        if media == CSV:
            return CSV
        if media in ("*/*", "application/*"):
            return NDJSON
        if media == "text/*":
            return CSV
    raise Problem(406, "check-ins come as application/x-ndjson or text/csv; ask for one in `Accept`",
                  errors=[field_error("Accept", "application/x-ndjson or text/csv", where="header")])


def _csv_rows(rows: list[ExportedCheckIn], with_text: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        base = [row.id, row.person, row.cadence, row.period, row.status,
                row.prompted_at.isoformat() if row.prompted_at else "",
                row.answered_at.isoformat() if row.answered_at else ""]
        for kr in row.key_results or [None]:
            fields = base + (["", "", ""] if kr is None else [kr.key, repr(kr.value), kr.confidence])
            writer.writerow(fields + ([kr.note if kr else ""] if with_text else []))
    return buffer.getvalue().encode()


def export_handler(db: Database):
    async def export_checkins(request: web.Request) -> web.StreamResponse:
        media = chosen_type(request.headers.get("Accept", ""))
        try:
            query = CheckInQuery.model_validate(dict(request.query))
        except ValidationError as exc:
            raise from_validation(exc, where="query") from None
        after = decode_cursor(query.cursor) if query.cursor else 0
        with_text = caller_of(request).allows("admin")
        headers = {"Content-Type": f"{media}; charset=utf-8" if media == CSV else media}
        if query.limit is not None:
            async with db.session() as session:
                next_start = await first_id_after(session, after_id=after, since=query.since, skip=query.limit)
            if next_start is not None:
                params = {"cursor": encode_cursor(next_start - 1), "limit": query.limit}
                if query.since is not None:
                    params["since"] = query.since.isoformat()
                headers["Link"] = f'</api/v1/check-ins?{urlencode(params)}>; rel="next"'
        response = web.StreamResponse(headers=headers)
        await response.prepare(request)
        if media == CSV:
            await response.write(_csv_header(with_text))
        remaining = query.limit
        while remaining is None or remaining > 0:
            size = PAGE if remaining is None else min(PAGE, remaining)
            async with db.session() as session:
                rows = await checkin_page(session, after_id=after, since=query.since, limit=size)
            if not rows:
                break
            after = rows[-1].id
            if remaining is not None:
                remaining -= len(rows)
            if media == CSV:
                await response.write(_csv_rows(rows, with_text))
            else:
                await response.write(b"".join(
                    checkin_out(row, with_text=with_text).model_dump_json(exclude_none=True).encode() + b"\n"
                    for row in rows))
            if len(rows) < size:
                break
        await response.write_eof()
        return response

    return export_checkins


def _csv_header(with_text: bool) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(CSV_COLUMNS + (["note"] if with_text else []))
    return buffer.getvalue().encode()
