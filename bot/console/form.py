"""The check-in form as questions in a terminal, one field at a time.

Each answer is checked as it is typed, with the same messages as the Slack and Teams forms
(bot.checkin_form), and asked again until it is valid. Enter keeps a key result's last value
and confidence when it has them, and skips optional answers. End of input (Ctrl-D) cancels:
the caller gets None and nothing is submitted.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.checkin_form import CheckInForm, KRField, check_confidence, check_text, check_value
from bot.console.io import LineReader, Writer
from messages.filters import number
from storage.models import NOTE_MAX, TEXT_MAX

_YES = {"y", "yes", "true", "on", "1"}
_NO = {"", "n", "no", "false", "off", "0"}


class FormQuestions:
    def __init__(self, read: LineReader, write: Writer) -> None:
        self.read = read
        self.write = write

    async def ask(self, prompt: str, check: Callable[[str], str | None], *, default: str = "") -> str:
        """Ask until `check` accepts (returns None); Enter means `default`."""
        while True:
            typed = (await self.read(prompt)).strip()
            answer = typed or default
            problem = check(answer)
            if problem is None:
                return answer
            self.write(f"    ⚠ {problem}")

    async def fill(self, form: CheckInForm) -> dict[str, str] | None:
        """Every field's answer by field name, or None when input ended before the end."""
        try:
            return await self._fill(form)
        except EOFError:
            self.write("")
            self.write("Check-in cancelled; nothing was saved. Type `checkin` to start again.")
            return None

    async def _fill(self, form: CheckInForm) -> dict[str, str]:
        values: dict[str, str] = {}
        self.write(
            f"Your {form.cadence} check-in for {form.period_label}. Enter keeps the value in [brackets] "
            "and skips optional questions; Ctrl-D cancels without saving."
        )
        total = len(form.key_results)
        for n, kr in enumerate(form.key_results, start=1):
            values.update(await self._key_result(n, total, kr))
        await self._blockers(form, values)
        await self._wins(form, values)
        if form.questions:
            self.write("")
            self.write("A few questions to reflect on (Enter to skip):")
        for n, question in enumerate(form.questions, start=1):
            self.write(f"  {question}")
            values[f"reflection.{n}"] = await self.ask("  > ", lambda text: check_text(text, TEXT_MAX, "an answer")[1])
        return values

    async def _key_result(self, n: int, total: int, kr: KRField) -> dict[str, str]:
        unit = "" if not kr.unit else kr.unit if kr.unit == "%" else f" {kr.unit}"
        last = "no value yet" if kr.current is None else f"last {number(kr.current)}{unit}"
        if kr.current is not None and kr.current_source:
            last += f" (from {kr.current_source})"
        self.write("")
        self.write(f"{n}/{total} {kr.title} [{kr.key}]: {number(kr.baseline)} → {number(kr.target)}{unit}, {last}")
        last_value = "" if kr.current is None else number(kr.current)
        last_confidence = "" if kr.confidence is None else str(kr.confidence)
        value = await self.ask(_with_default("  new value", last_value), lambda text: check_value(text, kr)[1], default=last_value)
        confidence = await self.ask(
            _with_default("  confidence 0–10", last_confidence), lambda text: check_confidence(text)[1], default=last_confidence
        )
        note = await self.ask("  note (optional): ", lambda text: check_text(text, NOTE_MAX, "a note")[1])
        return {f"kr.{kr.id}.value": value, f"kr.{kr.id}.confidence": confidence, f"kr.{kr.id}.note": note}

    async def _blockers(self, form: CheckInForm, values: dict[str, str]) -> None:
        self.write("")
        self.write("Anything blocking you? One at a time; Enter when there is nothing (more).")
        for n in range(1, form.max_blockers + 1):
            text = await self.ask(f"  blocker {n}: ", lambda text: check_text(text, TEXT_MAX, "a blocker")[1])
            if not text:
                return
            values[f"blocker.{n}.text"] = text
            values[f"blocker.{n}.kr"] = await self._key_result_choice(form, "which key result?")

    async def _key_result_choice(self, form: CheckInForm, question: str) -> str:
        """The id of the key result picked from a numbered menu, or "" for none."""
        choices = {str(n): kr for n, kr in enumerate(form.key_results, start=1)}
        if not choices:
            return ""
        menu = ", ".join(f"{n}) {kr.key}" for n, kr in choices.items())
        pick = await self.ask(
            f"    {question} {menu} (Enter for none): ",
            lambda text: None if not text or text in choices else f"type a number from 1 to {len(choices)}, or press Enter",
        )
        return str(choices[pick].id) if pick else ""

    async def _wins(self, form: CheckInForm, values: dict[str, str]) -> None:
        self.write("")
        self.write("Any wins this time? One at a time; Enter when done.")
        for n in range(1, form.max_wins + 1):
            text = await self.ask(f"  win {n}: ", lambda text: check_text(text, TEXT_MAX, "a win")[1])
            if not text:
                return
            values[f"win.{n}.text"] = text
            values[f"win.{n}.kr"] = await self._key_result_choice(form, "which key result did it move?")
            share = await self.ask(
                "    share it in your team's channel? (y/N): ",
                lambda text: None if text.lower() in _YES | _NO else f"answer y or n; you typed '{text}'",
            )
            values[f"win.{n}.share"] = "yes" if share.lower() in _YES else "no"


def _with_default(label: str, default: str) -> str:
    return f"{label} [{default}]: " if default else f"{label}: "
