"""A small organisation for router and console tests, written straight into the database.

    cora (CEO)
    ├── maya (engineering manager) ── alice, bob
    └── oscar (sales manager) ─────── sam
    ivan (is_admin), ada (admin through app.yaml, not in the chart's chain)
"""

from __future__ import annotations

from datetime import datetime, timezone

from bot.config import AppConfig, Organisation
from storage.db import Database
from storage.models import Direction, KeyResult, Objective, Outcome, Person
from tests.channel_helpers import add_team
from tests.identity_helpers import link, split_identities

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)  # Tuesday of ISO week 48
ALICE, BOB, MAYA, CORA, OSCAR, SAM, IVAN, ADA = (
    "alice@x.com", "bob@x.com", "maya@x.com", "cora@x.com", "oscar@x.com", "sam@x.com", "ivan@x.com", "ada@x.com",
)


def org_config(**overrides) -> AppConfig:
    return AppConfig(organisation=Organisation(name="X", timezone="Europe/Berlin", country="DE", admins=(ADA,)), **overrides)


async def make_org(db: Database) -> dict[str, int]:
    """Create the people, one outcome with objectives and key results; return ids by name."""
    ids: dict[str, int] = {}
    async with db.transaction() as s:
        team = await add_team(s, "Platform", slack_channel_id="CPLAT")

        def person(email: str, name: str, manager: str | None = None, **extra) -> Person:
            row = Person(
                email=email, name=name, timezone=extra.pop("timezone", "Europe/Berlin"), country="DE",
                manager_id=ids[manager.split("@")[0]] if manager else None, team_id=team.id, **extra,
            )
            s.add(row)
            return row

        for email, name, manager, extra in (
            (CORA, "Cora", None, {}),
            (MAYA, "Maya", CORA, {"slack_user_id": "UMAYA"}),
            (OSCAR, "Oscar", CORA, {}),
            (ALICE, "Alice", MAYA, {"slack_user_id": "UALICE", "teams_user_id": "aad-alice"}),
            (BOB, "Bob", MAYA, {"timezone": "America/New_York"}),
            (SAM, "Sam", OSCAR, {}),
            (IVAN, "Ivan", None, {"is_admin": True}),
            (ADA, "Ada", None, {}),
        ):
            fields, identities = split_identities(extra)
            row = person(email, name, manager, **fields)
            await s.flush()
            await link(s, row.id, **identities)
            ids[name.lower()] = row.id  # type: ignore[assignment]
        outcome = Outcome(key="retention", title="Customers stay because they succeed", period="2026-Q4",
                          owner_id=ids["cora"], indicators=["Weekly active teams per account"])
        s.add(outcome)
        await s.flush()
        onboarding = Objective(outcome_id=outcome.id, title="Onboard every new account within 14 days",  # type: ignore[arg-type]
                               period="2026-Q4", owner_person_id=ids["alice"])
        support = Objective(outcome_id=outcome.id, title="Answer support within a day",  # type: ignore[arg-type]
                            period="2026-Q4", owner_person_id=ids["bob"])
        s.add_all([onboarding, support])
        await s.flush()
        krs = [
            KeyResult(key="onboarding-days", objective_id=onboarding.id, title="Median days to first value",  # type: ignore[arg-type]
                      owner_id=ids["alice"], unit="days", baseline=30, target=14, direction=Direction.decrease),
            KeyResult(key="activation", objective_id=onboarding.id, title="Accounts active in week two",  # type: ignore[arg-type]
                      owner_id=ids["alice"], unit="%", baseline=40, target=70, direction=Direction.increase),
            KeyResult(key="first-reply-hours", objective_id=support.id, title="Hours to first reply",  # type: ignore[arg-type]
                      owner_id=ids["bob"], unit="h", baseline=30, target=8, direction=Direction.decrease),
        ]
        s.add_all(krs)
        await s.flush()
        for kr in krs:
            ids[kr.key] = kr.id  # type: ignore[assignment]
    return ids
