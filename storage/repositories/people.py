"""People: lookups by email (by chat identity: storage.repositories.identities), the manager chain above someone and the reports below."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, literal
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person

# A manager chain longer than this is a data error (cycles are refused at import); stop there.
MAX_CHAIN_DEPTH = 50


async def person_by_email(session: AsyncSession, email: str) -> Person | None:
    email = email.strip().lower()
    if not email:
        return None
    result = await session.exec(select(Person).where(func.lower(Person.email) == email))
    return result.first()


async def mark_reachable(session: AsyncSession, person: Person) -> None:
    """Clear an earlier "unreachable" verdict (the person wrote to us, or sync/import found them)."""
    person.unreachable_reason = None
    session.add(person)
    await session.commit()


async def person_by_id(session: AsyncSession, person_id: int) -> Person | None:
    return await session.get(Person, person_id)


async def mark_unreachable(session: AsyncSession, person_id: int, reason: str) -> None:
    """Record why messages to the person cannot be delivered (until they are reachable again)."""
    person = await session.get(Person, person_id)
    if person is not None:
        person.unreachable_reason = reason
        session.add(person)


async def all_people(session: AsyncSession) -> list[Person]:
    """Everyone, active or not."""
    return list((await session.exec(select(Person))).all())


async def people_by_ids(session: AsyncSession, ids: Iterable[int]) -> dict[int, Person]:
    wanted = set(ids)
    if not wanted:
        return {}
    result = await session.exec(select(Person).where(Person.id.in_(wanted)))  # type: ignore[union-attr]
    return {person.id: person for person in result.all()}  # type: ignore[misc]


async def count_people(session: AsyncSession) -> int:
    result = await session.exec(select(func.count()).select_from(Person))
    return int(result.one())


async def active_people(session: AsyncSession) -> list[Person]:
    result = await session.exec(select(Person).where(Person.active == True).order_by(Person.email))  # noqa: E712
    return list(result.all())


async def manager_chain(session: AsyncSession, person: Person) -> list[Person]:
    """The person's manager, skip-level, … up to the top, nearest first."""
    chain: list[Person] = []
    seen = {person.id}
    manager_id = person.manager_id
    while manager_id is not None and manager_id not in seen and len(chain) < MAX_CHAIN_DEPTH:
        manager = await session.get(Person, manager_id)
        if manager is None:
            break
        chain.append(manager)
        seen.add(manager_id)
        manager_id = manager.manager_id
    return chain


async def is_in_manager_chain(session: AsyncSession, *, manager: Person, report: Person) -> bool:
    return any(above.id == manager.id for above in await manager_chain(session, report))


async def direct_reports(session: AsyncSession, manager: Person) -> list[Person]:
    result = await session.exec(
        select(Person).where(Person.manager_id == manager.id, Person.active == True).order_by(Person.name)  # noqa: E712
    )
    return list(result.all())


async def all_reports(session: AsyncSession, manager: Person) -> list[Person]:
    """Everyone below the manager (reports, their reports, …), by one recursive query."""
    tree = (
        select(Person.id.label("id"), literal(1).label("depth"))  # type: ignore[union-attr]
        .where(Person.manager_id == manager.id)
        .cte("report_tree", recursive=True)
    )
    below = select(Person.id, (tree.c.depth + 1)).where(  # type: ignore[arg-type]
        Person.manager_id == tree.c.id, tree.c.depth < MAX_CHAIN_DEPTH
    )
    tree = tree.union(below)
    result = await session.exec(
        select(Person)
        .where(Person.id.in_(select(tree.c.id)), Person.active == True)  # type: ignore[union-attr]  # noqa: E712
        .order_by(Person.name)
    )
    return list(result.all())
