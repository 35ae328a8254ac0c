"""How `outcomebot status` words each pull source's last fetches (no fetching here: `status`
imports this without aiohttp)."""

from __future__ import annotations

from storage.status_facts import SourceLine


def source_lines(sources: list[SourceLine]) -> list[str]:
    """Each source's last success and last error, and when it is fetched next."""
    lines = []
    for source in sources:
        ok = (f"last value {source.last_value:g} at {source.last_success_at.isoformat(timespec='minutes')}"
              if source.last_success_at and source.last_value is not None else "no value yet")
        line = f"source {source.key} ({source.kind}): {ok}"
        if source.last_error and (source.last_success_at is None or (source.last_error_at and source.last_error_at > source.last_success_at)):
            line += f"; last error at {source.last_error_at.isoformat(timespec='minutes')}: {source.last_error}"  # type: ignore[union-attr]
        if source.next_attempt_at:
            line += f"; next at {source.next_attempt_at.isoformat(timespec='minutes')}"
        lines.append(line)
    return lines
