"""A realistic team with eight weeks of weekly check-ins, for the manager-loop tests.

Org chart (Europe/Berlin unless noted):
    Carla (VP)  ─┬─ Maya (manager, team Platform) ─┬─ Ben    stuck: latency flat, blocked 3 times, confidence 4
                 │                                  ├─ Chloe  doing great: confidence 5 → 7 → 8
                 │                                  ├─ Dev    lapsed: last answer six weeks ago
                 │                                  └─ Eve    target met, outcome flat; blocker open 27 days; confidence 8 → 5
                 └─ Omar (manager, team Growth)  ──── Pia    steady, nothing to say
    Zoe (admin, no reports)

Outcomes: "activation" (Ben, Chloe, Dev, Pia) and "paid" (Eve's objective and Omar's: Omar's
"Upgrades closed" was flat at his last two check-ins, so Eve's met email target did not move
that outcome). Ben's latency is named in open blockers by Ben, Chloe and Eve (a shared
dependency: three reports of Maya blocked on one key result).

`NOW` is Monday 23 Nov 2026 08:30 in Berlin, Maya's digest time; the last check-ins were
answered on Monday 16 Nov (week 47), inside the digest's week.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from tests.channel_helpers import add_team
from tests.identity_helpers import link, split_identities
from storage.models import (
    Blocker,
    Cadence,
    CheckIn,
    CheckInStatus,
    Direction,
    KeyResult,
    KRUpdate,
    Objective,
    Outcome,
    Person,
    Team,
    Win,
)

NOW = datetime(2026, 11, 23, 7, 30, tzinfo=timezone.utc)
WEEKS = [f"2026-W{n}" for n in range(40, 48)]  # eight answered weeks, W47 the latest


def answered_at(period: str) -> datetime:
    """Monday of that week, 10:00 Berlin (09:00 UTC in winter, 08:00 in summer)."""
    week = int(period.split("W")[1])
    monday = datetime(2026, 11, 16, 9, 0, tzinfo=timezone.utc) - timedelta(weeks=47 - week)
    return monday


@dataclass
class Team8:
    people: dict[str, Person] = field(default_factory=dict)
    krs: dict[str, KeyResult] = field(default_factory=dict)
    blockers: dict[str, Blocker] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    checkins: dict[tuple[str, str], CheckIn] = field(default_factory=dict)
    outcome: Outcome | None = None
    paid: Outcome | None = None

    def id(self, name: str) -> int:
        return self.people[name].id


async def seed_team(session) -> Team8:
    """Create the team above and its history; commits nothing (caller's transaction)."""
    t = Team8()
    t.teams["Platform"] = await add_team(session, "Platform", slack_channel_id="C0PLATFORM")
    t.teams["Growth"] = await add_team(session, "Growth", teams_channel_ref={"conversation": {"id": "19:growth@thread.tacv2"}})

    joined = NOW - timedelta(days=400)

    def person(name: str, manager: str | None, team: str | None, **extra) -> Person:
        p = Person(
            email=f"{name.lower()}@example.com", name=name, timezone="Europe/Berlin", country="DE",
            manager_id=t.people[manager].id if manager else None,
            team_id=t.teams[team].id if team else None, created_at=joined, **extra,
        )
        t.people[name] = p
        return p

    for name, manager, team, extra in [
        ("Carla", None, None, {}),
        ("Zoe", None, None, {"is_admin": True}),
        ("Maya", "Carla", "Platform", {"slack_user_id": "UMAYA"}),
        ("Omar", "Carla", "Growth", {}),
        ("Ben", "Maya", "Platform", {"slack_user_id": "UBEN"}),
        ("Chloe", "Maya", "Platform", {"slack_user_id": "UCHLOE"}),
        ("Dev", "Maya", "Platform", {}),
        ("Eve", "Maya", "Platform", {"teams_user_id": "aad-eve", "teams_conversation_ref": {"conversation": {"id": "a:eve"}}}),
        ("Pia", "Omar", "Growth", {}),
    ]:
        fields, identities = split_identities(extra)
        session.add(added := person(name, manager, team, **fields))
        await session.flush()
        await link(session, added.id, **identities)

    cadence = Cadence(name="weekly", every="week", on="monday", at="09:00")
    t.outcome = Outcome(key="activation", title="New customers succeed in their first week", period="2026-Q4")
    t.paid = Outcome(key="paid", title="Trials turn into paying customers", period="2026-Q4")
    session.add_all([cadence, t.outcome, t.paid])
    await session.flush()

    def objective(title: str, owner: str, outcome: Outcome | None = None) -> Objective:
        o = Objective(outcome_id=(outcome or t.outcome).id, title=title, period="2026-Q4", owner_person_id=t.id(owner))
        session.add(o)
        return o

    objectives = {
        "Ben": objective("Checkout is fast", "Ben"),
        "Chloe": objective("Trials activate", "Chloe"),
        "Dev": objective("Docs answer questions", "Dev"),
        "Eve": objective("Onboarding converts", "Eve", t.paid),
        "Pia": objective("Growth experiments", "Pia"),
        "Omar": objective("Upgrades grow", "Omar", t.paid),
    }
    await session.flush()

    def kr(key: str, owner: str, title: str, baseline: float, target: float, direction=Direction.increase, unit="") -> KeyResult:
        k = KeyResult(key=key, objective_id=objectives[owner].id, title=title, owner_id=t.id(owner), unit=unit,
                      baseline=baseline, target=target, direction=direction)
        t.krs[key] = k
        session.add(k)
        return k

    kr("latency", "Ben", "Checkout p95 latency", 400, 250, Direction.decrease, "ms")
    kr("activation", "Chloe", "Trial activation rate", 20, 40, unit="%")
    kr("docs", "Dev", "Docs pages rewritten", 0, 30)
    kr("emails", "Eve", "Onboarding emails shipped", 0, 10)
    kr("conversion", "Eve", "Trial-to-paid conversion", 5, 9, unit="%")
    kr("experiments", "Pia", "Experiments run", 0, 12)
    kr("upgrades", "Omar", "Upgrades closed", 0, 40)
    await session.flush()

    series = {
        # key: (values over W40..W47, confidences)
        "latency": ([400, 380, 360, 350, 340, 340, 340, 340], [7, 7, 6, 6, 6, 6, 7, 4]),
        "activation": ([20, 22, 24, 26, 28, 30, 33, 36], [5, 5, 5, 5, 5, 5, 7, 8]),
        "docs": ([2, 4, None, None, None, None, None, None], [6, 6, None, None, None, None, None, None]),
        "emails": ([1, 2, 3, 4, 5, 7, 8, 10], [6, 6, 6, 6, 6, 7, 7, 8]),
        "conversion": ([5, 5.5, 6, 6, 6, 6, 6, 6], [6, 6, 5, 5, 5, 5, 8, 5]),
        "experiments": ([1, 2, 3, 4, 5, 6, 7, 8], [7, 7, 7, 7, 7, 6, 7, 7]),
        "upgrades": ([None] * 6 + [12, 12], [None] * 6 + [6, 6]),  # Omar joined the check-ins in W46
    }
    for key, (values, confidences) in series.items():
        owner = next(n for n, p in t.people.items() if p.id == t.krs[key].owner_id)
        for period, value, confidence in zip(WEEKS, values, confidences):
            checkin = t.checkins.get((owner, period))
            if checkin is None and value is None and key == "upgrades":
                continue  # Omar was not asked before W46
            if checkin is None:
                answered = value is not None
                checkin = CheckIn(
                    person_id=t.id(owner), cadence_id=cadence.id, period=period,
                    status=CheckInStatus.answered if answered else CheckInStatus.missed,
                    prompted_at=answered_at(period) - timedelta(hours=1),
                    answered_at=answered_at(period) if answered else None,
                )
                session.add(checkin)
                await session.flush()
                t.checkins[(owner, period)] = checkin
            if value is not None:
                session.add(KRUpdate(checkin_id=checkin.id, key_result_id=t.krs[key].id, value=value,
                                     confidence=confidence, created_at=answered_at(period)))
        last = [v for v in values if v is not None][-1]
        t.krs[key].current, t.krs[key].confidence = last, [c for c in confidences if c is not None][-1]
    # Dev's W42..W47 check-ins were prompted and missed, W47 inside the digest's week.

    def blocker(name: str, who: str, kr_key: str | None, period: str, text: str, **extra) -> None:
        b = Blocker(person_id=t.id(who), checkin_id=t.checkins[(who, period)].id,
                    key_result_id=t.krs[kr_key].id if kr_key else None, text=text,
                    created_at=answered_at(period), **extra)
        t.blockers[name] = b
        session.add(b)

    # Ben: the same key result blocked in three check-ins (two resolved, the latest open).
    blocker("ben_db_1", "Ben", "latency", "2026-W45", "Waiting for the database upgrade",
            status="resolved", resolved_at=answered_at("2026-W46"))
    blocker("ben_db_2", "Ben", "latency", "2026-W46", "Still waiting for the database upgrade",
            status="resolved", resolved_at=answered_at("2026-W47"))
    blocker("ben_db_3", "Ben", "latency", "2026-W47", "Database upgrade slipped again")
    # Eve: open for 21 days by NOW.
    blocker("eve_legal", "Eve", "conversion", "2026-W44", "Legal has not approved the pricing page copy")
    # Pia (Omar's team): open and old, for Carla's roll-up.
    blocker("pia_tracking", "Pia", "experiments", "2026-W43", "Tracking plan not signed off")
    # Chloe: a fresh blocker without a key result.
    blocker("chloe_access", "Chloe", None, "2026-W47", "No access to the analytics warehouse")
    # Chloe and Eve are held up by Ben's latency too: three reports blocked on one key result.
    blocker("chloe_checkout", "Chloe", "latency", "2026-W47", "Trial demos time out at checkout")
    blocker("eve_checkout", "Eve", "latency", "2026-W47", "Onboarding emails link to a checkout that times out")

    session.add(Win(person_id=t.id("Chloe"), checkin_id=t.checkins[("Chloe", "2026-W47")].id,
                    key_result_id=t.krs["activation"].id, text="Activation crossed 35% for the first time",
                    created_at=answered_at("2026-W47")))
    await session.flush()
    return t
