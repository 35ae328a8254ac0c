"""Export the org chart and OKRs in exactly the formats the importers read, so they round-trip."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

import yaml
from sqlmodel import select

from storage.db import Database
from storage.importers.okr_file import TEAM_PREFIX
from storage.importers.people import PEOPLE_COLUMNS
from storage.models import KeyResult, Objective, Outcome, Person, Team


async def export_people_csv(db: Database) -> str:
    """Everyone, managers before their reports, as the people CSV `import` accepts."""
    async with db.session() as session:
        people = (await session.exec(select(Person).order_by(Person.name, Person.email))).all()
        teams = {team.id: team.name for team in (await session.exec(select(Team))).all()}
    email_by_id = {person.id: person.email for person in people}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PEOPLE_COLUMNS)
    for person in _managers_first(people):
        writer.writerow([
            person.email, person.name, person.timezone, person.country,
            email_by_id.get(person.manager_id, ""), teams.get(person.team_id, ""),
            person.slack_user_id or "", person.teams_user_id or "", "yes" if person.active else "no",
        ])
    return out.getvalue()


def _managers_first(people: list[Person]) -> list[Person]:
    reports: dict[int | None, list[Person]] = {}
    ids = {person.id for person in people}
    for person in people:
        reports.setdefault(person.manager_id if person.manager_id in ids else None, []).append(person)
    ordered, queue, seen = [], list(reports.get(None, [])), set()
    while queue:
        person = queue.pop(0)
        if person.id in seen:
            continue
        seen.add(person.id)
        ordered.append(person)
        queue.extend(reports.get(person.id, []))
    # A loop in the stored chain (never made by the importer) still gets exported.
    return ordered + [person for person in people if person.id not in seen]


async def export_okrs_yaml(db: Database) -> str:
    """All outcomes, objectives and key results (with their current values) as OKR YAML."""
    async with db.session() as session:
        outcomes = (await session.exec(select(Outcome).order_by(Outcome.id))).all()
        objectives = (await session.exec(select(Objective).order_by(Objective.id))).all()
        key_results = (await session.exec(select(KeyResult).order_by(KeyResult.id))).all()
        emails = {person.id: person.email for person in (await session.exec(select(Person))).all()}
        teams = {team.id: team.name for team in (await session.exec(select(Team))).all()}
    document: dict[str, Any] = {}
    periods = Counter(outcome.period for outcome in outcomes)
    if periods:
        document["period"] = periods.most_common(1)[0][0]
    document["outcomes"] = []
    for outcome in outcomes:
        item: dict[str, Any] = {"key": outcome.key, "title": outcome.title}
        if outcome.period != document.get("period"):
            item["period"] = outcome.period
        if outcome.owner_id in emails:
            item["owner"] = emails[outcome.owner_id]
        if outcome.indicators:
            item["indicators"] = list(outcome.indicators)
        item["objectives"] = [
            _objective(objective, outcome, key_results, emails, teams)
            for objective in objectives
            if objective.outcome_id == outcome.id
        ]
        document["outcomes"].append(item)
    header = "# OKRs exported by outcomebot; re-import with `outcomebot import okrs.yaml`.\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1000)


def _objective(objective: Objective, outcome: Outcome, key_results, emails, teams) -> dict[str, Any]:
    item: dict[str, Any] = {"title": objective.title}
    if objective.period != outcome.period:
        item["period"] = objective.period
    if objective.owner_person_id in emails:
        item["owner"] = emails[objective.owner_person_id]
    elif objective.owner_team_id in teams:
        item["owner"] = TEAM_PREFIX + teams[objective.owner_team_id]
    item["key_results"] = []
    for kr in key_results:
        if kr.objective_id != objective.id:
            continue
        entry: dict[str, Any] = {"key": kr.key, "title": kr.title, "owner": emails[kr.owner_id]}
        if kr.unit:
            entry["unit"] = kr.unit
        entry["baseline"], entry["target"] = _number(kr.baseline), _number(kr.target)
        if kr.current is not None:
            entry["current"] = _number(kr.current)
        item["key_results"].append(entry)
    return item


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
