"""`outcomebot demo`: the sample organisation plays one weekly cycle in a fresh database.

Prompts go out to everyone (the demo plays the outbox sender's part and marks the console
deliveries sent), a few people answer in the terminal with scripted answers, the rest answer
quietly, and then an employee's and a manager's view show the result. The user's own data is
never touched: the demo uses a temporary database unless `--database` names a new file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Optional

import typer
from sqlalchemy import update

from bot.checkin_form import CheckInForm, prompt_context as checkin_prompt_context
from bot.cli import app, fail, run_async
from bot.config import AppConfig, Organisation
from bot.console.io import scripted
from bot.console.launch import load_sample_org
from bot.console.session import ConsoleChat
from bot.platform import MessageReceived, Sender, ShowForm
from bot.router import Router
from cadences.outbox import enqueue_for_person
from messages.filters import number
from storage import migrate
from storage.db import Database
from storage.models import Delivery, DeliveryStatus, utcnow
from storage.repositories.people import active_people

SHOWN_IN_FULL = ("priya.sharma@example.com", "emily.clark@example.com", "jonas.weber@example.com")
EMPLOYEE, MANAGER, REPORT = "jonas.weber@example.com", "lars.becker@example.com", "priya.sharma@example.com"
BLOCKERS = {"priya.sharma@example.com": "The staging cluster is shared with load tests, so deploys queue for hours"}
WINS = {"emily.clark@example.com": ("Two trial teams converted after the new onboarding call", True)}


def scripted_answers(form: CheckInForm, email: str, step: int) -> list[str]:
    """What this person types: each key result a bit closer to target, then blockers and wins."""
    lines = ["checkin"]
    for n, kr in enumerate(form.key_results):
        share = 0.2 + 0.1 * ((step + n) % 5)
        start = kr.baseline if kr.current is None else kr.current
        lines += [number(round(start + (kr.target - kr.baseline) * share, 1)), str(5 + (step + n) % 4), ""]
    if email in BLOCKERS:
        lines += [BLOCKERS[email], "1" if form.key_results else ""]
    lines.append("")
    if email in WINS:
        text, share_it = WINS[email]
        lines += [text, "y" if share_it else "n"]
    lines.append("")
    lines += [""] * len(form.questions)
    return lines


def prompt_context(form: CheckInForm, person) -> dict:
    return {**checkin_prompt_context(form), "person": {"name": person.name, "email": person.email}}


async def send_prompts(router: Router) -> list:
    """Open this week's check-in for everyone and put a sent prompt in their console inbox."""
    async with router.db.session() as session:
        people = await active_people(session)
    forms = []
    for person in people:
        [intent] = await router.dispatch(MessageReceived(Sender("console", person.email), "checkin"))
        if not isinstance(intent, ShowForm):
            continue
        forms.append((person, intent.form))
        async with router.db.transaction() as session:
            key = f"demo:prompt:{intent.form.checkin_id}"
            await enqueue_for_person(session, person, key=key, template="checkin_prompt", context=prompt_context(intent.form, person),
                                     now=router.clock())
            await session.execute(
                update(Delivery).where(Delivery.idempotency_key == key).values(status=DeliveryStatus.sent.value, sent_at=utcnow())
            )
    return forms


async def play_week(db: Database, config: AppConfig) -> None:
    await load_sample_org(config, db)
    router = Router(config, db)
    echo = typer.echo
    echo("Loaded the sample organisation: two teams (Platform, Growth), their managers and OKRs.\n")
    echo("━━ Monday 09:00 in each person's timezone: the weekly check-in prompts go out ━━\n")
    forms = await send_prompts(router)
    for step, (person, form) in enumerate(forms):
        out: list[str] = []
        chat = ConsoleChat(router, person.email, read=scripted(scripted_answers(form, person.email, step), out), write=out.append)
        await chat.run()
        if person.email in SHOWN_IN_FULL:
            echo(f"── {person.name} opens the terminal ──")
            echo("\n".join(out[:-3]) + "\n")
        else:
            count = len(form.key_results)
            echo(f"✓ {person.name} checked in ({count} key result{'' if count == 1 else 's'})")
    echo("\n━━ The result ━━\n")
    for email, command, title in (
        (EMPLOYEE, "okrs", "An employee's view"),
        (MANAGER, "blockers", "The manager's view: blockers across the team"),
        (MANAGER, f"okrs @{REPORT}", "The manager looks at a report's OKRs"),
        (EMPLOYEE, "outcomes", "Everyone: the company outcomes"),
    ):
        out = []
        await ConsoleChat(router, email, read=scripted([command], out), write=out.append).run()
        echo(f"── {title} ──")
        echo("\n".join(out[1:-3]) + "\n")


@app.command()
def demo(
    database: Annotated[
        Optional[Path], typer.Option(help="Keep the demo in this NEW SQLite file (default: a temporary one).")
    ] = None,
) -> None:
    """Create a sample organisation in a fresh database and play one weekly check-in cycle."""
    if database is not None and database.exists():
        raise fail(f"{database} already exists; the demo only writes a new database. Choose a new file name.")
    with tempfile.TemporaryDirectory(prefix="outcomebot-demo-") as folder:
        path = database or Path(folder) / "demo.db"
        url = f"sqlite:///{path.resolve()}"
        migrate.upgrade(url)
        config = AppConfig(organisation=Organisation(name="Example Co (demo)"), database_url=url)

        async def run() -> None:
            db = Database(url)
            try:
                await play_week(db, config)
            finally:
                await db.dispose()

        run_async(run())
    where = f"The demo database is kept in {database}" if database else "The demo used a temporary database, now removed"
    typer.echo(f"{where}. Try it yourself: `outcomebot start`, or `outcomebot chat --as EMAIL` after importing your org.")
