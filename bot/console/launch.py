"""Starting a terminal chat: find who is chatting; with nobody imported yet, try the sample org.

The sample organisation lives in a database of its own (SAMPLE_DB_NAME next to app.yaml),
never in the real one: importing the real people later starts from a clean database, and the
sample people never reach cadences, digests or exports. Once real people are imported,
`start` and `chat` use the real database and leave the sample file alone.
"""

from __future__ import annotations

from pathlib import Path

from bot.config import AppConfig
from bot.console.io import LineReader, Writer
from bot.console.session import EXIT_WORDS, ConsoleChat
from bot.router import Router
from storage.db import Database
from storage.importers import SAMPLE_OKRS_YAML, SAMPLE_PEOPLE_CSV, import_file
from storage.repositories.people import active_people, count_people, person_by_email

SAMPLE_EMPLOYEE = "jonas.weber@example.com"
SAMPLE_DB_NAME = "outcomebot-sample.db"
OWN_ORG_HINT = "To use your own organisation: `outcomebot import people.csv`, then `outcomebot import okrs.yaml`."


async def load_sample_org(config: AppConfig, db: Database) -> None:
    organisation = config.organisation
    for path in (SAMPLE_PEOPLE_CSV, SAMPLE_OKRS_YAML):
        await import_file(
            db, Path(path), default_timezone=organisation.timezone, default_country=organisation.country,
            admins=organisation.admins,
        )


async def ask_who(db: Database, read: LineReader, write: Writer) -> str | None:
    """Ask for an email until it is someone we know; None at end of input."""
    async with db.session() as session:
        people = await active_people(session)
    examples = ", ".join(person.email for person in people[:3])
    write(f"Who are you? Type your email (for example {examples}).")
    while True:
        try:
            email = (await read("email: ")).strip().lower()
        except EOFError:
            write("")
            return None
        if not email:
            continue
        if email in EXIT_WORDS:
            return None
        async with db.session() as session:
            if await person_by_email(session, email):
                return email
        write(f"No one with the email {email!r} was imported. {OWN_ORG_HINT}")


async def chat_in_terminal(
    config: AppConfig,
    db: Database,
    *,
    email: str | None,
    read: LineReader,
    write: Writer,
    load_samples_if_empty: bool = False,
    terminal_only: bool = False,
) -> int:
    """Run the REPL; returns the exit code (0 also when input ends)."""
    async with db.session() as session:
        empty = await count_people(session) == 0
    sample = sample_database_path(config)
    if empty and (load_samples_if_empty or sample.exists()):
        return await _chat_in_sample(config, sample, email=email, read=read, write=write, terminal_only=terminal_only)
    if empty:
        write(f"No people were imported yet. {OWN_ORG_HINT}")
        return 1
    return await _run_chat(config, db, email, read=read, write=write, terminal_only=terminal_only)


def sample_database_path(config: AppConfig) -> Path:
    return Path(config.config_dir) / SAMPLE_DB_NAME


async def _chat_in_sample(config: AppConfig, path: Path, *, email: str | None, read: LineReader, write: Writer,
                          terminal_only: bool) -> int:
    import asyncio

    from storage import migrate

    url = f"sqlite:///{path.resolve()}"
    await asyncio.to_thread(migrate.upgrade, url)
    sample = Database(url)
    try:
        async with sample.session() as session:
            fresh = await count_people(session) == 0
        write(f"No people were imported yet, so you are trying a sample organisation (two teams, OKRs for the quarter) "
              f"in a database of its own ({path.name}); your real data will never mix with it.")
        if fresh:
            await load_sample_org(config, sample)
            write(f"You are chatting as the sample employee Jonas Weber ({SAMPLE_EMPLOYEE}). {OWN_ORG_HINT}")
            email = email or SAMPLE_EMPLOYEE
        return await _run_chat(config, sample, email, read=read, write=write, terminal_only=terminal_only)
    finally:
        await sample.dispose()


async def _run_chat(config: AppConfig, db: Database, email: str | None, *, read: LineReader, write: Writer,
                    terminal_only: bool) -> int:
    if email is None:
        email = await ask_who(db, read, write)
        if email is None:
            return 0
    async with db.session() as session:
        if await person_by_email(session, email) is None:
            write(f"No one with the email {email!r} was imported. {OWN_ORG_HINT}")
            return 1
    send_due = None
    if terminal_only:  # nobody else sends the outbox: deliver what each command caused at once
        from bot.ticker import Ticker

        send_due = Ticker(config, db).sender.run_once
    await ConsoleChat(Router(config, db), email, read=read, write=write, send_due=send_due).run()
    return 0
