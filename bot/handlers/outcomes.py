"""`outcomes`: the company outcomes, their leading indicators and how their objectives move.

Shows progress per objective, not individual values, confidences or notes: those belong to
the key result's owner, their manager chain and admins (`okrs @person`).
"""

from __future__ import annotations

from bot.handlers.context import Context
from bot.platform import Intent, Reply
from storage.repositories.okrs import outcomes_with_progress


async def show_outcomes(ctx: Context, args: str) -> list[Intent]:
    async with ctx.db.session() as session:
        outcomes = await outcomes_with_progress(session)
    return [
        Reply(
            "outcomes",
            {
                "outcomes": [
                    {
                        "key": item.outcome.key,
                        "title": item.outcome.title,
                        "period": item.outcome.period,
                        "indicators": list(item.outcome.indicators or []),
                        "progress": round(item.progress, 4),
                        "objectives": [
                            {
                                "title": objective.objective.title,
                                "progress": round(objective.progress, 4),
                                "key_results": len(objective.key_results),
                            }
                            for objective in item.objectives
                        ],
                    }
                    for item in outcomes
                ]
            },
        )
    ]
