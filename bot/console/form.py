"""The check-in form as questions in a terminal, one field at a time.

Each answer is checked as it is typed, with the same messages as the Slack and Teams forms
(bot.checkin_form), and asked again until it is valid. Enter keeps the answer in [brackets]
(a key result's last value and confidence, or what was submitted when the check-in is being
edited; `-` clears such an answer) and skips optional ones. `quit` or `cancel` typed at any
question, or the end of input (Ctrl-D), cancels: the caller gets None and nothing is submitted.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.checkin_form import CheckInForm, KRField, check_confidence, check_text, check_value
from bot.console.io import LineReader, Writer
from messages.filters import number
from storage.models import NOTE_MAX, TEXT_MAX

_YES = {"y", "yes", "true", "on", "1"}
_NO = {"", "n", "no", "false", "off", "0"}
CANCEL_WORDS = {"quit", "cancel", "/quit", "/cancel", "exit"}
CLEAR = "-"


class FormCancelled(Exception):
    """The person typed `quit` or `cancel` inside the form."""


class FormQuestions:
    def __init__(self, read: LineReader, write: Writer) -> None:
        self.read = read
        self.write = write
        self.prefill: dict[str, str] = {}
        self.input_ended = False  # set when Ctrl-D (not `cancel`) left the form

    async def ask(self, prompt: str, check: Callable[[str], str | None], *, default: str = "") -> str:
        """Ask until `check` accepts (returns None); Enter means `default`."""
        while True:
            typed = (await self.read(prompt)).strip()
            if typed.lower() in CANCEL_WORDS:
                raise FormCancelled
            answer = "" if typed == CLEAR else typed or default
            problem = check(answer)
            if problem is None:
                return answer
            self.write(f"    ⚠ {problem}")

    async def fill(self, form: CheckInForm) -> dict[str, str] | None:
        """Every field's answer by field name, or None when input ended before the end."""
        try:
            return await self._fill(form)
        except (EOFError, FormCancelled) as stopped:
            self.input_ended = isinstance(stopped, EOFError)
            self.write("")
            self.write("Check-in cancelled; nothing was saved. Type `checkin` to start again.")
            return None

    async def _fill(self, form: CheckInForm) -> dict[str, str]:
        values: dict[str, str] = {}
        self.prefill = form.prefill
        editing = " (your answers so far; `-` clears one)" if form.editing else ""
        self.write(
            f"Your {form.cadence} check-in for {form.period_label}{editing}. Enter keeps the value in [brackets] "
            "and skips optional questions; `cancel` (or Ctrl-D) leaves without saving."
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
            before = self.prefill.get(f"reflection.{n}", "")
            values[f"reflection.{n}"] = await self.ask(_with_default("  >", before),
                                                       lambda text: check_text(text, TEXT_MAX, "an answer")[1], default=before)
        return values

    async def _key_result(self, n: int, total: int, kr: KRField) -> dict[str, str]:
        unit = "" if not kr.unit else kr.unit if kr.unit == "%" else f" {kr.unit}"
        last = "no value yet" if kr.current is None else f"last {number(kr.current)}{unit}"
        if kr.current is not None and kr.current_source:
            last += f" (from {kr.current_source})"
        self.write("")
        self.write(f"{n}/{total} {kr.title} [{kr.key}]: {number(kr.baseline)} → {number(kr.target)}{unit}, {last}")
        last_value = self.prefill.get(f"kr.{kr.id}.value") or ("" if kr.current is None else number(kr.current))
        last_confidence = self.prefill.get(f"kr.{kr.id}.confidence") or ("" if kr.confidence is None else str(kr.confidence))
        last_note = self.prefill.get(f"kr.{kr.id}.note", "")
        value = await self.ask(_with_default("  new value", last_value), lambda text: check_value(text, kr)[1], default=last_value)
        confidence = await self.ask(
            _with_default("  confidence 0–10", last_confidence), lambda text: check_confidence(text)[1], default=last_confidence
        )
        note = await self.ask(_with_default("  note (optional)", last_note), lambda text: check_text(text, NOTE_MAX, "a note")[1],
                              default=last_note)
        return {f"kr.{kr.id}.value": value, f"kr.{kr.id}.confidence": confidence, f"kr.{kr.id}.note": note}

    async def _blockers(self, form: CheckInForm, values: dict[str, str]) -> None:
        self.write("")
        for blocker in form.open_blockers:
            answer = await self.ask(
                f"  still blocking you: “{blocker.text}”? (Y/n, n = resolved): ",
                lambda text: None if text.lower() in _YES | _NO else f"answer y or n; you typed '{text}'", default="y")
            values[f"blocker.open.{blocker.id}"] = "still" if answer.lower() in _YES else "resolved"
        self.write("Anything new blocking you? One at a time; Enter when there is nothing (more)."
                   if form.open_blockers else "Anything blocking you? One at a time; Enter when there is nothing (more).")
        for n in range(1, form.max_blockers + 1):
            before = self.prefill.get(f"blocker.{n}.text", "")
            text = await self.ask(_with_default(f"  blocker {n}", before),
                                  lambda text: check_text(text, TEXT_MAX, "a blocker")[1], default=before)
            if not text:
                return
            values[f"blocker.{n}.text"] = text
            values[f"blocker.{n}.kr"] = await self._key_result_choice(
                form, "which key result?", self.prefill.get(f"blocker.{n}.kr", ""))
        self.write(f"  That is {form.max_blockers} blockers, the most one check-in holds; "
                   "tell your manager about any more.")

    async def _key_result_choice(self, form: CheckInForm, question: str, before: str = "") -> str:
        """The id of the key result picked from a numbered menu, or "" for none."""
        choices = {str(n): kr for n, kr in enumerate(form.key_results, start=1)}
        if not choices:
            return ""
        menu = ", ".join(f"{n}) {kr.key}" for n, kr in choices.items())
        kept = next((n for n, kr in choices.items() if str(kr.id) == before), "")
        pick = await self.ask(
            f"    {question} {menu} ({'Enter keeps ' + kept if kept else 'Enter for none'}): ",
            lambda text: None if not text or text in choices else f"type a number from 1 to {len(choices)}, or press Enter",
            default=kept,
        )
        return str(choices[pick].id) if pick else ""

    async def _wins(self, form: CheckInForm, values: dict[str, str]) -> None:
        self.write("")
        self.write("Any wins this time? One at a time; Enter when done.")
        for n in range(1, form.max_wins + 1):
            before = self.prefill.get(f"win.{n}.text", "")
            text = await self.ask(_with_default(f"  win {n}", before), lambda text: check_text(text, TEXT_MAX, "a win")[1],
                                  default=before)
            if not text:
                return
            values[f"win.{n}.text"] = text
            values[f"win.{n}.kr"] = await self._key_result_choice(
                form, "which key result did it move?", self.prefill.get(f"win.{n}.kr", ""))
            shared = self.prefill.get(f"win.{n}.share") == "true"
            share = await self.ask(
                f"    share it in your team's channel? ({'Y/n' if shared else 'y/N'}): ",
                lambda text: None if text.lower() in _YES | _NO else f"answer y or n; you typed '{text}'",
                default="y" if shared else "",
            )
            values[f"win.{n}.share"] = "yes" if share.lower() in _YES else "no"
        self.write(f"  That is {form.max_wins} wins, the most one check-in holds.")


def _with_default(label: str, default: str) -> str:
    return f"{label} [{default}]: " if default else f"{label}: "
