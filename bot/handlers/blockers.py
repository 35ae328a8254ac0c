"""`blockers`: my open blockers, and those of everyone below me if I manage people."""

from __future__ import annotations

from bot.handlers.context import Context
from bot.handlers.views import blocker_view, person_view
from bot.platform import Intent, Reply
from storage.repositories.blockers import open_blockers_of_people
from storage.repositories.okrs import key_results_by_ids
from storage.repositories.people import all_reports


async def show_blockers(ctx: Context, args: str) -> list[Intent]:
    async with ctx.db.session() as session:
        reports = await all_reports(session, ctx.person)
        people = {p.id: p for p in [ctx.person, *reports]}
        blockers = await open_blockers_of_people(session, people)  # type: ignore[arg-type]
        krs = await key_results_by_ids(session, {b.key_result_id for b in blockers if b.key_result_id})
    by_person: dict[int, list[dict]] = {}
    for blocker in blockers:
        by_person.setdefault(blocker.person_id, []).append(blocker_view(blocker, ctx.now, krs))
    return [
        Reply(
            "blockers",
            {
                "person": person_view(ctx.person),
                "own": by_person.get(ctx.person.id, []),  # type: ignore[arg-type]
                "manages": bool(reports),
                "reports": [
                    {"person": person_view(report), "blockers": by_person[report.id]}  # type: ignore[index]
                    for report in reports
                    if report.id in by_person
                ],
            },
        )
    ]
