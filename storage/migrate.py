"""Run Alembic migrations programmatically (`outcomebot db upgrade`, `init`, tests)."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config

from storage.db import sync_url
from storage.files import create_owner_only

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # `%` would be read as interpolation by configparser.
    config.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database to `revision`; synchronous, so call it through a thread from async code."""
    create_owner_only(database_url)
    command.upgrade(alembic_config(database_url), revision)


@functools.cache  # the migration scripts do not change while a process runs; /readyz asks often
def current_heads() -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


async def applied_revisions(engine) -> set[str]:
    """The revisions the database at `engine` (an AsyncEngine) is at; empty before the first upgrade."""
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as connection:
        heads = await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_heads())
    return set(heads)


async def migrations_behind(engine) -> set[str]:
    """The code's head revisions the database has not reached yet (empty: up to date, or ahead).

    A database a newer release already migrated holds revisions this code does not know: it
    counts as ready, because every migration stays compatible with the release before it (the
    rolling upgrade in docs/deploy.md runs the new release's `db upgrade` while old replicas serve).
    """
    applied = await applied_revisions(engine)
    if applied - known_revisions():
        return set()
    return set(current_heads()) - reached(applied)


def reached(applied: set[str]) -> set[str]:
    """The applied revisions and every revision before them."""
    from alembic.script import ScriptDirectory

    if not applied:
        return set()
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {script.revision for script in scripts.iterate_revisions(tuple(applied), "base")}


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


@functools.cache
def known_revisions() -> frozenset[str]:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return frozenset(script.revision for script in scripts.walk_revisions())


def is_ancestor(applied: set[str], revision: str) -> bool:
    """True when every applied revision comes before `revision` (so upgrading reaches it)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    below = {script.revision for script in scripts.iterate_revisions(revision, "base")}
    return applied <= below
