"""The people CSV: parse and check every row, then upsert people and teams in one transaction.

Rows are numbered as a spreadsheet shows them (the header is row 1). Nothing is written while
any problem remains, so a broken file can be fixed and imported again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.importers.checks import (
    country_problem,
    email_problem,
    length_problem,
    normalise_email,
    numbered,
    timezone_problem,
    unknown_name_hint,
)
from storage.importers.report import ImportFailed, ImportReport
from storage.models import EMAIL_MAX, NAME_MAX, Person, Team
from storage.repositories.people_admin import stop_cadences
from storage.user_text import without_bidi_controls

PEOPLE_COLUMNS = ("email", "name", "timezone", "country", "manager_email", "team", "slack_user_id", "teams_user_id",
                  "active")
REQUIRED_COLUMNS = PEOPLE_COLUMNS[:6]
_ACTIVE_WORDS = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False}
# Platform ids left empty keep what the database has (e.g. filled in by `slack sync`).
PLATFORM_ID_LIMITS = {"slack_user_id": 32, "teams_user_id": 64}


@dataclass(frozen=True)
class PersonRow:
    row: int
    email: str
    name: str
    timezone: str
    country: str
    manager_email: str | None
    team: str | None
    slack_user_id: str | None
    teams_user_id: str | None
    active: bool | None = None  # None: keep what the database has (new people are active)


def parse_people_csv(
    text: str, *, default_timezone: str, default_country: str
) -> tuple[list[PersonRow], list[tuple[int, str]]]:
    """Every row the file holds and every problem visible from the file alone."""
    problems: list[tuple[int, str]] = []
    records = _records(text.lstrip("\ufeff"))
    if not records:
        return [], [(1, "the file is empty; the first row must be the header " + ",".join(PEOPLE_COLUMNS))]
    header_row, header = records[0]
    columns = [name.strip().lower() for name in header]
    problems.extend((header_row, text) for text in _header_problems(columns))
    if problems:
        return [], problems
    rows: list[PersonRow] = []
    for number, values in records[1:]:
        if len(values) > len(columns):
            problems.append((number, f"{len(values)} values but the header names {len(columns)} columns"))
            continue
        cells = dict(zip(columns, [without_bidi_controls(value).strip() for value in values]
                         + [""] * (len(columns) - len(values))))
        row, row_problems = _person_row(number, cells, default_timezone=default_timezone, default_country=default_country)
        problems.extend((number, text) for text in row_problems)
        rows.append(row)
    problems.extend(_duplicate_problems(rows))
    return rows, problems


def csv_delimiter(text: str) -> str:
    """`;` when the header row is separated by semicolons (spreadsheets in many European
    locales save CSV that way), else `,`."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if header.count(";") > header.count(",") else ","


def _records(text: str) -> list[tuple[int, list[str]]]:
    """Non-blank CSV records with the line each starts on (comma or semicolon separated)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text))
    records, next_line = [], 1
    for values in reader:
        if any(value.strip() for value in values):
            records.append((next_line, values))
        next_line = reader.line_num + 1
    return records


def _header_problems(columns: list[str]) -> list[str]:
    problems = []
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        problems.append(
            f"the header is missing the column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(expected {','.join(PEOPLE_COLUMNS)})"
        )
    for name in columns:
        if name not in PEOPLE_COLUMNS:
            problems.append(f"unknown column {name!r}{unknown_name_hint(name, PEOPLE_COLUMNS)}")
        elif columns.count(name) > 1:
            problems.append(f"column {name!r} appears {columns.count(name)} times")
    return list(dict.fromkeys(problems))


def _person_row(number: int, cells: dict[str, str], *, default_timezone: str, default_country: str):
    email = normalise_email(cells["email"])
    manager = normalise_email(cells["manager_email"]) or None
    row = PersonRow(
        row=number,
        email=email,
        name=cells["name"],
        timezone=cells["timezone"] or default_timezone,
        country=(cells["country"] or default_country).upper(),
        manager_email=manager,
        team=cells["team"] or None,
        slack_user_id=cells.get("slack_user_id") or None,
        teams_user_id=cells.get("teams_user_id") or None,
        active=_ACTIVE_WORDS.get((cells.get("active") or "").strip().lower()),
    )
    found = [
        email_problem(email, EMAIL_MAX),
        "name is empty" if not row.name else length_problem("name", row.name, NAME_MAX),
        timezone_problem(row.timezone),
        country_problem(row.country),
        _manager_problem(manager, cells["manager_email"]),
        f"{email} cannot be their own manager" if manager and manager == email else None,
        length_problem("team", row.team, NAME_MAX) if row.team else None,
        None if (cells.get("active") or "").strip().lower() in _ACTIVE_WORDS or not (cells.get("active") or "").strip()
        else f"active is yes or no (or empty to keep it as it is); you typed '{cells['active'].strip()}'",
    ]
    for column, limit in PLATFORM_ID_LIMITS.items():
        value = getattr(row, column)
        found.append(length_problem(column, value, limit) if value else None)
    return row, [text for text in found if text]


def _manager_problem(manager: str | None, typed: str) -> str | None:
    if manager and email_problem(manager, EMAIL_MAX):
        return f"manager_email {typed!r} is not an email address"
    return None


def _duplicate_problems(rows: list[PersonRow]) -> list[tuple[int, str]]:
    problems = []
    first_seen: dict[tuple[str, str], int] = {}
    for row in rows:
        for column in ("email", "slack_user_id", "teams_user_id"):
            value = getattr(row, column)
            if not value:
                continue
            earlier = first_seen.setdefault((column, value), row.row)
            if earlier != row.row:
                problems.append((row.row, f"{column} {value} is already used on row {earlier}"))
    return problems


def _database_problems(rows: list[PersonRow], existing: dict[str, Person]) -> list[tuple[int, str]]:
    """Problems that need the people already stored: unknown managers, loops, taken ids."""
    problems: list[tuple[int, str]] = []
    in_file = {row.email: row for row in rows}
    for row in rows:
        manager = row.manager_email
        if manager and manager not in in_file and manager not in existing and not email_problem(manager, EMAIL_MAX):
            problems.append((row.row, f"manager {row.manager_email} is not in this file or the database"))
    email_by_id = {person.id: email for email, person in existing.items()}
    manager_of = {email: email_by_id.get(person.manager_id) for email, person in existing.items()}
    manager_of.update({row.email: row.manager_email for row in rows if row.manager_email != row.email})
    for cycle in _manager_cycles(manager_of):
        if not any(email in in_file for email in cycle):
            continue  # an old loop the file does not touch
        first = min((in_file[email] for email in cycle if email in in_file), key=lambda row: row.row)
        loop = " → ".join(cycle[cycle.index(first.email):] + cycle[: cycle.index(first.email)] + [first.email])
        problems.append((first.row, f"the manager chain loops: {loop}"))
    for column in PLATFORM_ID_LIMITS:
        owner_by_id = {getattr(p, column): email for email, p in existing.items() if getattr(p, column)}
        for row in rows:
            value = getattr(row, column)
            owner = owner_by_id.get(value) if value else None
            if owner is None or owner == row.email:
                continue
            owner_row = in_file.get(owner)
            if owner_row is None or getattr(owner_row, column) is None:
                problems.append((row.row, f"{column} {value} already belongs to {owner} in the database"))
    return problems


def _manager_cycles(manager_of: dict[str, str | None]) -> list[list[str]]:
    done: set[str] = set()
    cycles = []
    for start in manager_of:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in done and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = manager_of.get(node)
        if node is not None and node in on_path:
            cycles.append(path[path.index(node):])
        done.update(path)
    return cycles


async def import_people(
    db: Database,
    text: str,
    *,
    source: str,
    default_timezone: str,
    default_country: str,
    admins: Iterable[str] = (),
) -> ImportReport:
    """Check the whole CSV, then create or update every person and team in one transaction.

    Raises ImportFailed listing every problem (each with its row); then nothing is written.
    """
    rows, problems = parse_people_csv(text, default_timezone=default_timezone, default_country=default_country)
    admin_emails = {normalise_email(email) for email in admins}
    async with db.transaction() as session:
        existing = {person.email: person for person in (await session.exec(select(Person))).all()}
        problems += _database_problems(rows, existing)
        if problems:
            raise ImportFailed(numbered(problems, "row"), source=source)
        return await _write_people(session, rows, existing, admin_emails, ImportReport(source=source))


async def _write_people(
    session: AsyncSession,
    rows: list[PersonRow],
    existing: dict[str, Person],
    admin_emails: set[str],
    report: ImportReport,
) -> ImportReport:
    teams = {team.name: team for team in (await session.exec(select(Team))).all()}
    for name in dict.fromkeys(row.team for row in rows if row.team):
        if name in teams:
            report.record("team")
        else:
            teams[name] = Team(name=name)
            session.add(teams[name])
            report.record("team", created=True)
    await session.flush()
    before = {email: _snapshot(person) for email, person in existing.items()}
    before_ids = {person.id for person in existing.values()}
    # Free platform ids that move to someone else first, so the unique constraints never trip.
    for row in rows:
        person = existing.get(row.email)
        for column in PLATFORM_ID_LIMITS:
            if person and getattr(row, column) and getattr(person, column) not in (None, getattr(row, column)):
                setattr(person, column, None)
    await session.flush()
    people = dict(existing)
    for row in rows:
        person = people.get(row.email) or Person(email=row.email, name=row.name, timezone=row.timezone, country=row.country)
        if person.id is not None and (person.timezone, person.country) != (row.timezone, row.country):
            report.calendar_changed.append(person.id)  # their prompt times must be recomputed
        person.name, person.timezone, person.country = row.name, row.timezone, row.country
        person.team_id = teams[row.team].id if row.team else None
        if (row.slack_user_id and row.slack_user_id != person.slack_user_id) or (
            row.teams_user_id and row.teams_user_id != person.teams_user_id
        ):
            person.unreachable_reason = None  # a corrected platform id: worth trying again
        person.slack_user_id = row.slack_user_id or person.slack_user_id
        person.teams_user_id = row.teams_user_id or person.teams_user_id
        person.is_admin = row.email in admin_emails
        if row.active is not None and row.active != person.active:
            person.active = row.active
            (report.reactivated if row.active else report.deactivated).append(row.email)
        people[row.email] = person
        session.add(person)
    await session.flush()
    for row in rows:
        person = people[row.email]
        person.manager_id = people[row.manager_email].id if row.manager_email else None
        report.record("person", created=row.email not in before, changed=before.get(row.email) != _snapshot(person))
        if row.email not in before:
            report.created_people.append(person.id)  # type: ignore[arg-type]
    await session.flush()
    await stop_cadences(session, [people[email].id for email in report.deactivated])  # type: ignore[misc]
    report.calendar_changed.extend(people[email].id for email in report.reactivated if people[email].id in before_ids)
    return report


def _snapshot(person: Person) -> tuple:
    return tuple(getattr(person, column) for column in ("name", "timezone", "country", "manager_id", "team_id",
                                                        "slack_user_id", "teams_user_id", "is_admin", "active"))
