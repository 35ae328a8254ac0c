"""The weeks `outcomebot demo` plays: the real scheduler, terminal and digests on a pretend clock.

Three weeks of 2026-Q4 (the sample OKRs' quarter; no public holiday in the sample countries
on those Mondays). Each Monday the same `Ticker` as `outcomebot tick` runs at 09:00 in every
person's timezone and the planner sends the weekly prompts to the console inbox; at 09:30
their time each person opens the terminal and answers with the check-in form, typing the
lines in `SCRIPTS`. The first two weeks give the coaching rules a history; the third is shown
in full. On its Friday, each manager's digest (with its nudges) goes out at 16:00 their time. A shared win goes to the Growth team's channel, which the demo shows on screen in place
of Slack.

A scripted answer the form refuses, or a person who is not prompted or whose check-in is not
recorded, stops the demo with `DemoScriptError` naming the person and the question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.config import AppConfig, Channels, Organisation, TeamChannels
from bot.console.platform import ConsolePlatform
from bot.console.session import ConsoleChat
from bot.platform import Intent, Reply
from bot.router import Router
from cadences.settings import DigestSchedule
from bot.ticker import Ticker
from cadences.notifier import OutboundMessage, Sent
from messages.filters import number
from messages.render import Renderer
from storage.db import Database
from storage.models import Person
from storage.repositories.deliveries import unseen_console_messages
from storage.repositories.people import active_people

WEEKS = (date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23))  # Mondays
DIGEST_DAY, DIGEST_AT = date(2026, 11, 27), time(16, 0)  # the last week's Friday afternoon
PROMPT_AT, ANSWER_AT = time(9, 0), time(9, 30)
WIN_CHANNEL_TEAM, WIN_CHANNEL = "Growth", "C0GROWTH"  # the stand-in channel's id
SHOWN_IN_FULL = ("priya.sharma@example.com", "jonas.weber@example.com", "emily.clark@example.com")


@dataclass(frozen=True, slots=True)
class Script:
    """What a person types each week: each key result `pace` of the way closer to target per
    week, a confidence per week; in the last week a blocker and a win (text, key result key)."""

    pace: float
    confidence: tuple[int, int, int]
    blocker: tuple[str, str] | None = None
    win: tuple[str, str] | None = None


SCRIPTS: dict[str, Script] = {
    "maya.chen@example.com": Script(0.1, (7, 7, 7)),
    "lars.becker@example.com": Script(0.15, (6, 7, 7)),
    "priya.sharma@example.com": Script(
        0.1, (7, 6, 6), blocker=("The staging cluster is shared with load tests, so deploys queue for hours", "deploys-per-week")
    ),
    "jonas.weber@example.com": Script(0.15, (6, 7, 8)),
    "sam.okafor@example.com": Script(0.0, (6, 5, 4)),
    "dana.ortiz@example.com": Script(0.1, (6, 6, 7)),
    "arjun.mehta@example.com": Script(0.1, (5, 6, 6)),
    "emily.clark@example.com": Script(
        0.1, (6, 7, 7), win=("Two trial teams converted after the new onboarding call", "trial-conversion")
    ),
    "lea.fischer@example.com": Script(0.1, (6, 6, 6)),
}


class DemoScriptError(Exception):
    """The demo cannot go on: a scripted person was not prompted, or the form refused an answer."""


def demo_config(url: str) -> AppConfig:
    return AppConfig(
        organisation=Organisation(name="Example Co (demo)"), database_url=url,
        digest=DigestSchedule(weekday=DIGEST_DAY.strftime("%A").lower(), at=DIGEST_AT.strftime("%H:%M")),
        channels=Channels(teams={WIN_CHANNEL_TEAM: TeamChannels(slack=WIN_CHANNEL)}),
    )


def local_moment(day: date, at: time, zone: str) -> datetime:
    return datetime.combine(day, at, ZoneInfo(zone)).astimezone(timezone.utc)


class ScriptedChat(ConsoleChat):
    """A terminal session where the person types `checkin` and answers each question the form
    asks from their `Script`; a refused answer or an unexpected question raises DemoScriptError."""

    def __init__(self, router: Router, person: Person, script: Script | None, week: int, prompt: dict | None,
                 *, last_week: bool) -> None:
        self.person, self.script, self.week, self.last_week = person, script, week, last_week
        self.key_results = {kr["key"]: kr for kr in (prompt or {}).get("key_results", ())}
        self.output: list[str] = []
        self.recorded, self.typed_checkin = False, False
        self.question = self.answer = ""
        super().__init__(router, person.email, read=self._read, write=self._write)

    async def _read(self, prompt: str) -> str:
        answer = self._answer(prompt)
        self.output.append(prompt + (answer or ""))
        if answer is None:
            raise EOFError
        self.question, self.answer = prompt.strip(), answer
        return answer

    def _answer(self, prompt: str) -> str | None:
        if prompt == self.prompt:  # the command line: check in once, then leave
            if self.script is None or self.typed_checkin:
                return None
            self.typed_checkin = True
            return "checkin"
        script, question = self.script, prompt.strip()
        if script is None:  # a manager reading their inbox is never inside a form
            raise DemoScriptError(f"{self.person.name} has no scripted answer to “{question}”")
        kr = self._key_result_asked()
        if question.startswith("new value") and kr is not None:
            value = kr["baseline"] + (kr["target"] - kr["baseline"]) * script.pace * (self.week + 1)
            return number(round(value, 1))
        if question.startswith("confidence"):
            return str(script.confidence[self.week])
        if question.startswith(("note", ">")):
            return ""
        if question.startswith(("blocker ", "win ")):
            said = script.blocker if question.startswith("blocker") else script.win
            return said[0] if said and self.last_week and question.split()[1] == "1:" else ""
        if question.startswith("which key result"):
            said = script.win if question.startswith("which key result did it move") else script.blocker
            return _menu_number(question, said[1]) if said else ""
        if question.startswith("share it"):
            return "y"
        raise DemoScriptError(f"{self.person.name} has no scripted answer to “{question}”")

    def _key_result_asked(self) -> dict | None:
        """The key result whose questions are being asked: the last `n/total Title [key]: …` line."""
        for line in reversed(self.output):
            if "/" in line[:4] and "[" in line and "]:" in line:
                return self.key_results.get(line[line.index("[") + 1:line.index("]:")])
        return None

    def _write(self, text: str) -> None:
        self.output.append(text)
        if text.lstrip().startswith("⚠"):
            raise DemoScriptError(
                f"{self.person.name}'s scripted answer {self.answer!r} to “{self.question}” was refused by the "
                f"check-in form: {text.strip().lstrip('⚠ ')}"
            )

    async def show(self, intents: list[Intent]) -> bool:
        self.recorded |= any(isinstance(i, Reply) and i.template == "checkin_recorded" for i in intents)
        return await super().show(intents)

    def screen(self) -> str:
        """What the person saw, without the greeting and the goodbye."""
        lines = self.output[1:]
        while lines and lines[-1].strip() in {"", "Bye!", self.prompt.strip()}:
            lines.pop()
        return "\n".join(lines)


def _menu_number(question: str, key: str) -> str:
    """The number of `key` in a menu like `… 1) trial-conversion, 2) activation-rate (Enter …`;
    the key itself when it is not there (the form then refuses it, and the demo stops)."""
    for choice in question.split(", "):
        number_, _, rest = choice.rpartition(") ")
        if rest.split(" (")[0] == key:
            return number_.split()[-1]
    return key


class ChannelScreen:
    """The Growth team's channel, shown on screen. The demo config gives the team a Slack
    channel id so the real outbox addresses the announcement to it; this platform takes that
    row (and no one's direct messages: the Ticker's `direct_messages_on=()`)."""

    name = "slack"

    def __init__(self) -> None:
        self.renderer = Renderer("text")
        self.posts: list[str] = []

    async def deliver(self, message: OutboundMessage) -> Sent:
        self.posts.append(self.renderer.render(message.template, message.context).strip())
        return Sent()


class DemoWeeks:
    """Plays the weeks; `show(text)` receives what people saw, in order."""

    def __init__(self, config: AppConfig, db: Database, show: Callable[[str], None]) -> None:
        self.db, self.show = db, show
        self.now = local_moment(WEEKS[0], time(0, 0), "UTC")
        self.router = Router(config, db, clock=lambda: self.now)
        self.channel = ChannelScreen()
        self.ticker = Ticker(config, db, {"console": ConsolePlatform(), "slack": self.channel}, direct_messages_on=())
        self.recorded: dict[str, int] = {}  # email → check-ins recorded
        self.prompted = 0

    async def tick(self, moment: datetime) -> None:
        self.now = moment
        self.prompted += (await self.ticker.tick(moment)).plan.prompted
        for post in self.channel.posts:
            self.show(f"── #{WIN_CHANNEL_TEAM.lower()}, the {WIN_CHANNEL_TEAM} team's channel ──\n{post}\n")
        self.channel.posts.clear()

    async def play(self) -> None:
        async with self.db.session() as session:
            people = await active_people(session)
        for week, monday in enumerate(WEEKS):
            await self.play_monday(week, monday, people, last_week=week == len(WEEKS) - 1)
        await self.digests(people)

    async def play_monday(self, week: int, monday: date, people: list[Person], *, last_week: bool) -> None:
        moments = sorted({local_moment(monday, PROMPT_AT, p.timezone) for p in people})
        visits = sorted(((local_moment(monday, ANSWER_AT, p.timezone), p.email), p) for p in people)
        if last_week:
            self.show(f"━━ Monday {monday.day} {monday:%B %Y}, 09:00 in each person's timezone: the weekly prompts go out ━━\n")
        else:
            self.show(f"Week of Monday {monday.day} {monday:%B}: prompts at 09:00 local time, everyone checks in at 09:30 …")
        self.prompted, recorded_before = 0, sum(self.recorded.values())
        for (at, _), person in visits:
            while moments and moments[0] <= at:
                await self.tick(moments.pop(0))
            self.now = at
            await self.check_in(week, person, last_week=last_week)
        await self.tick(local_moment(monday, time(18, 0), "UTC"))  # the evening tick sends what is left
        if not last_week:
            recorded = sum(self.recorded.values()) - recorded_before
            self.show(f"  {self.prompted} prompts sent, {recorded} check-ins recorded.\n")

    async def check_in(self, week: int, person: Person, *, last_week: bool) -> None:
        script = SCRIPTS.get(person.email)
        if script is None:
            raise DemoScriptError(f"{person.name} ({person.email}) has no scripted answers, so the demo cannot play their check-in")
        async with self.db.session() as session:
            inbox = await unseen_console_messages(session, person.email)
        prompts = [m.context for m in inbox if m.template == "checkin_prompt"]
        if not prompts:
            raise DemoScriptError(f"{person.name} got no check-in prompt on {self.now:%A %d %B} at 09:00 ({person.timezone})")
        chat = ScriptedChat(self.router, person, script, week, prompts[-1], last_week=last_week)
        await chat.run()
        if not chat.recorded:
            raise DemoScriptError(f"{person.name}'s check-in was not recorded; the terminal showed:\n{chat.screen()}")
        self.recorded[person.email] = self.recorded.get(person.email, 0) + 1
        if not last_week:
            return
        seen_at = f"{self.now.astimezone(ZoneInfo(person.timezone)):%H:%M} {person.timezone}"
        if person.email in SHOWN_IN_FULL:
            self.show(f"── {seen_at}: {person.name} opens the terminal ──\n{chat.screen()}\n")
        else:
            count = len(prompts[-1]["key_results"])
            self.show(f"✓ {seen_at}: {person.name} got the prompt and checked in ({count} key result{'' if count == 1 else 's'})\n")

    async def digests(self, people: list[Person]) -> None:
        managers = {p.manager_id for p in people}
        managers_by_moment: dict[datetime, list[Person]] = {}
        for person in people:
            if person.id in managers:
                managers_by_moment.setdefault(local_moment(DIGEST_DAY, DIGEST_AT, person.timezone), []).append(person)
        self.show(f"━━ {DIGEST_DAY:%A} {DIGEST_DAY.day} {DIGEST_DAY:%B}, {DIGEST_AT:%H:%M} in each manager's timezone: the weekly digests ━━\n")
        for moment in sorted(managers_by_moment):
            await self.tick(moment)
            for manager in managers_by_moment[moment]:
                chat = ScriptedChat(self.router, manager, None, 0, None, last_week=True)
                await chat.run()
                self.show(f"── {manager.name} opens the terminal ──\n{chat.screen()}\n")
