"""Starting a terminal chat: find who is chatting, load the sample org into an empty database."""

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
    if empty and load_samples_if_empty:
        await load_sample_org(config, db)
        write("No people were imported yet, so I loaded a sample organisation (two teams, OKRs for the quarter).")
        write(f"You are chatting as the sample employee Jonas Weber ({SAMPLE_EMPLOYEE}). {OWN_ORG_HINT}")
        email = email or SAMPLE_EMPLOYEE
    elif empty:
        write(f"No people were imported yet. {OWN_ORG_HINT}")
        return 1
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
