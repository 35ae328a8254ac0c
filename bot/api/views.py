"""Rows from storage turned into the API's response models."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.api.models import CheckInKeyResult, CheckInOut, HistoryPointOut, KeyResultBrief, KeyResultOut, KRStatus
from storage.models import KeyResult
from storage.repositories.checkin_export import ExportedCheckIn
from storage.repositories.key_result_catalog import CatalogEntry
from storage.repositories.values import CHECK_IN_SOURCE, HistoryPoint


def kr_status(kr: KeyResult) -> KRStatus:
    if kr.target_met():
        return "met"
    if kr.confidence is None:
        return "unrated"
    return "on-track" if kr.confidence >= 7 else "at-risk" if kr.confidence >= 4 else "off-track"


def aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def key_result_out(entry: CatalogEntry, tool_sources: dict[int, str]) -> KeyResultOut:
    kr = entry.key_result
    source = tool_sources.get(kr.id) or (CHECK_IN_SOURCE if kr.updated_at is not None else None)  # type: ignore[arg-type]
    return KeyResultOut(
        key=kr.key, title=kr.title, outcome=entry.outcome.key, objective=entry.objective.title,
        owner=entry.owner_email, unit=kr.unit, baseline=kr.baseline, target=kr.target, direction=kr.direction,
        current=kr.current, current_source=source, updated_at=aware(kr.updated_at), confidence=kr.confidence,
        progress=kr.progress(), status=kr_status(kr),
    )


def key_result_brief(kr: KeyResult) -> KeyResultBrief:
    return KeyResultBrief(key=kr.key, title=kr.title, current=kr.current, target=kr.target,
                          confidence=kr.confidence, progress=kr.progress(), status=kr_status(kr))


def history_point_out(point: HistoryPoint, *, with_text: bool) -> HistoryPointOut:
    from_check_in = point.source == CHECK_IN_SOURCE
    return HistoryPointOut(at=point.at, value=point.value, source=point.source, confidence=point.confidence,
                           note=point.note if (with_text or not from_check_in) else None)


def checkin_out(row: ExportedCheckIn, *, with_text: bool) -> CheckInOut:
    return CheckInOut(
        id=row.id, person=row.person, cadence=row.cadence, period=row.period, status=row.status,
        prompted_at=row.prompted_at, answered_at=row.answered_at,
        key_results=[CheckInKeyResult(key=kr.key, value=kr.value, confidence=kr.confidence,
                                      note=kr.note if with_text else None) for kr in row.key_results],
        reflections=row.reflections if with_text else None,
    )
