"""The OKR YAML: match owners against the database, then upsert outcomes, objectives and key
results in one transaction.

Outcomes and key results are matched by key, objectives by (outcome, title, period). A re-import
updates titles, owners, units, baselines and targets but keeps the value and confidence that
check-ins reported; `current:` in the file only fills a key result that has no value yet.
"""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.importers.checks import numbered, unknown_name_hint
from storage.importers.okr_file import KeyResultSpec, ObjectiveSpec, OutcomeSpec, Owner, read_okr_file
from storage.importers.report import ImportFailed, ImportReport
from storage.api_tables import KeyResultSource
from storage.models import Direction, KeyResult, Objective, Outcome, Person, Team


async def import_okrs(db: Database, text: str, *, source: str) -> ImportReport:
    """Check the whole OKR file, then write it in one transaction.

    Raises ImportFailed listing every problem (each with its line); then nothing is written.
    """
    outcomes, problems = read_okr_file(text)
    async with db.transaction() as session:
        people = {person.email: person for person in (await session.exec(select(Person))).all()}
        teams = {team.name: team for team in (await session.exec(select(Team))).all()}
        problems += _owner_problems(outcomes, people, teams)
        if problems:
            raise ImportFailed(numbered(problems, "line"), source=source)
        writer = _OkrWriter(session, people, teams, ImportReport(source=source))
        await writer.load_existing()
        for outcome in outcomes:
            await writer.outcome(outcome)
        await session.flush()
        return writer.report


def _owner_problems(
    outcomes: list[OutcomeSpec], people: dict[str, Person], teams: dict[str, Team]
) -> list[tuple[int, str]]:
    problems = []

    def check(owner: Owner | None) -> None:
        if owner is None:
            return
        if owner.team is not None and owner.team not in teams:
            problems.append((owner.line, f"team {owner.team!r} is not in the database"
                                         f"{unknown_name_hint(owner.team, teams)}; teams come from the people CSV's team column"))
        if owner.email is not None and owner.email not in people:
            problems.append((owner.line, f"owner {owner.email} is not in the database; import the people CSV first"))

    for outcome in outcomes:
        check(outcome.owner)
        for objective in outcome.objectives:
            check(objective.owner)
            for kr in objective.key_results:
                check(kr.owner)
    return problems


class _OkrWriter:
    def __init__(self, session: AsyncSession, people: dict[str, Person], teams: dict[str, Team], report: ImportReport):
        self.session = session
        self.people = people
        self.teams = teams
        self.report = report

    async def load_existing(self) -> None:
        """One query per table instead of one per row, so a large file imports quickly."""
        self.outcomes = {row.key: row for row in (await self.session.exec(select(Outcome))).all()}
        self.objectives = {
            (row.outcome_id, row.title, row.period): row for row in (await self.session.exec(select(Objective))).all()
        }
        self.key_results = {row.key: row for row in (await self.session.exec(select(KeyResult))).all()}
        self.sources = {row.key_result_id: row for row in (await self.session.exec(select(KeyResultSource))).all()}

    def _person_id(self, owner: Owner | None) -> int | None:
        return self.people[owner.email].id if owner and owner.email else None

    async def outcome(self, spec: OutcomeSpec) -> None:
        row = self.outcomes.get(spec.key)
        created = row is None
        row = row or Outcome(key=spec.key, title=spec.title, period=spec.period)
        fields = ("title", "owner_id", "period", "indicators")
        before = _snapshot(row, fields)
        row.title, row.period, row.indicators = spec.title, spec.period, list(spec.indicators)
        row.owner_id = self._person_id(spec.owner)
        self.session.add(row)
        await self.session.flush()
        self.report.record("outcome", created=created, changed=before != _snapshot(row, fields))
        for objective in spec.objectives:
            await self.objective(objective, outcome_id=row.id)

    async def objective(self, spec: ObjectiveSpec, *, outcome_id: int) -> None:
        row = self.objectives.get((outcome_id, spec.title, spec.period))
        created = row is None
        row = row or Objective(outcome_id=outcome_id, title=spec.title, period=spec.period)
        fields = ("owner_person_id", "owner_team_id")
        before = _snapshot(row, fields)
        row.owner_person_id = self._person_id(spec.owner)
        row.owner_team_id = self.teams[spec.owner.team].id if spec.owner and spec.owner.team else None
        self.session.add(row)
        await self.session.flush()
        self.report.record("objective", created=created, changed=before != _snapshot(row, fields))
        for kr in spec.key_results:
            await self.key_result(kr, objective_id=row.id)

    async def key_result(self, spec: KeyResultSpec, *, objective_id: int) -> None:
        row = self.key_results.get(spec.key)
        created = row is None
        assert spec.baseline is not None and spec.target is not None  # checked by read_okr_file
        direction = Direction.increase if spec.target > spec.baseline else Direction.decrease
        row = row or KeyResult(
            key=spec.key, objective_id=objective_id, title=spec.title, owner_id=0,
            baseline=spec.baseline, target=spec.target, direction=direction,
        )
        fields = ("objective_id", "title", "owner_id", "unit", "baseline", "target", "direction", "current")
        before = _snapshot(row, fields)
        row.objective_id, row.title, row.unit = objective_id, spec.title, spec.unit
        row.owner_id = self._person_id(spec.owner)
        row.baseline, row.target, row.direction = spec.baseline, spec.target, direction
        if spec.has_current and row.current is None:
            row.current = spec.current
        self.session.add(row)
        self.report.record("key result", created=created, changed=before != _snapshot(row, fields))
        await self.source(row, spec)

    async def source(self, kr: KeyResult, spec: KeyResultSpec) -> None:
        """Keep the key result's pull source as the file says; a changed one is fetched soon."""
        existing = self.sources.get(kr.id) if kr.id is not None else None
        if spec.source is None:
            if existing is not None:
                await self.session.delete(existing)
            return
        if kr.id is None:
            await self.session.flush()
        row = existing or KeyResultSource(key_result_id=kr.id, kind=spec.source.kind)
        if (row.kind, row.spec, row.every_seconds) != (spec.source.kind, spec.source.settings, spec.source.every_seconds) or existing is None:
            row.kind, row.spec, row.every_seconds = spec.source.kind, spec.source.settings, spec.source.every_seconds
            row.next_attempt_at, row.failures = None, 0
            self.session.add(row)


def _snapshot(row: object, fields: tuple[str, ...]) -> tuple:
    return tuple(getattr(row, name) for name in fields)
