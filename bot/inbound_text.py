"""Inbound events with what people typed cleaned the same way on every surface (see
storage/user_text.py): the router applies it once, before anything reads or stores the text."""

from __future__ import annotations

from dataclasses import replace

from bot.platform import ButtonClicked, FormSubmitted, InboundEvent, MemberJoined, MessageReceived
from storage.user_text import without_bidi_controls


def cleaned(event: InboundEvent) -> InboundEvent:
    if isinstance(event, MessageReceived):
        return replace(event, text=without_bidi_controls(event.text))
    if isinstance(event, FormSubmitted):
        return replace(event, values={k: without_bidi_controls(v) if isinstance(v, str) else v for k, v in event.values.items()})
    if isinstance(event, ButtonClicked):
        return replace(event, value=without_bidi_controls(event.value))
    if isinstance(event, MemberJoined) and event.name:
        return replace(event, name=without_bidi_controls(event.name))
    return event
