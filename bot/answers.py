"""Showing the router's answer: the one loop every surface runs over its intents.

A surface (Slack, Teams, the console, the test fake, a new platform) implements `AnswerView`
for one conversation turn — how it shows a reply, opens a form, and points at a form's
errors — and calls `show_intents`. What the intents say, and for whom, is decided once in the
handlers; a surface only decides how it looks there (docs/architecture.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Protocol

from bot.checkin_form import CheckInForm
from bot.platform import FormRejected, Intent, Reply, ShowForm

log = logging.getLogger(__name__)


class AnswerView(Protocol):
    """How one surface shows each kind of intent, for the turn it was built for."""

    async def reply(self, reply: Reply) -> None: ...

    async def show_form(self, shown: ShowForm) -> None: ...

    async def reject_form(self, rejected: FormRejected) -> None: ...


async def show_intents(intents: Iterable[Intent], view: AnswerView) -> None:
    """Show each intent in order; an intent kind this build does not know is logged and skipped."""
    for intent in intents:
        if isinstance(intent, Reply):
            await view.reply(intent)
        elif isinstance(intent, ShowForm):
            await view.show_form(intent)
        elif isinstance(intent, FormRejected):
            await view.reject_form(intent)
        else:
            log.warning("unknown intent %r ignored", type(intent).__name__)


def describe_form(form: Any) -> str:
    """A one-line stand-in for a form on a surface that cannot show it."""
    if isinstance(form, CheckInForm):
        krs = ", ".join(kr.key for kr in form.key_results) or "no key results"
        questions = f"; {len(form.questions)} reflection questions" if form.questions else ""
        editing = " (your answers, to edit)" if form.editing else ""
        return f"[check-in form for {form.period_label}{editing}: {krs}{questions}]"
    return f"[form {form!r}]"
