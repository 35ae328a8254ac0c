"""Helpers for the importer tests: sample files and a way to prove the database did not change."""

from __future__ import annotations

from sqlmodel import select

from storage.db import Database
from storage.importers import SAMPLE_OKRS_YAML, SAMPLE_PEOPLE_CSV, import_okrs, import_people
from storage.identities import PersonIdentity
from storage.models import KeyResult, Objective, Outcome, Person, Team
from tests.identity_helpers import Linked, linked

PEOPLE_HEADER = "email,name,timezone,country,manager_email,team,slack_user_id,teams_user_id\n"


async def import_sample_people(db: Database):
    return await import_people(
        db, SAMPLE_PEOPLE_CSV.read_text(encoding="utf-8"), source="people.csv",
        default_timezone="UTC", default_country="US", admins=["maya.chen@example.com"],
    )


async def import_sample_org(db: Database):
    await import_sample_people(db)
    return await import_okrs(db, SAMPLE_OKRS_YAML.read_text(encoding="utf-8"), source="okrs.yaml")


async def database_contents(db: Database) -> dict[str, list[dict]]:
    """Every row the importers write, as plain dicts, to compare before and after."""
    contents = {}
    async with db.session() as session:
        for model in (Team, Person, PersonIdentity, Outcome, Objective, KeyResult):
            rows = (await session.exec(select(model).order_by(model.id))).all()
            contents[model.__name__] = [{name: getattr(row, name) for name in model.model_fields} for row in rows]
    return contents


async def people_by_email(db: Database) -> dict[str, Linked]:
    """Everyone by email, their chat identities readable as the CSV's columns."""
    async with db.session() as session:
        people = await linked(session, list((await session.exec(select(Person))).all()))
        return {person.email: person for person in people}
