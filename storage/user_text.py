"""Text people write, cleaned on the way in.

Bidirectional control characters (LRE, RLE, PDF, LRO, RLO, the isolates LRI, RLI, FSI, PDI,
the LRM/RLM marks and the Arabic letter mark) make text display in an order other than the one
it is stored in: a name or a note with U+202E shown to a manager can read as something else. No
one needs them to write a check-in, so they are removed from everything people and import
files give the bot (the router's inbound events, the people and OKR imports).
"""

from __future__ import annotations

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_REMOVE = dict.fromkeys(map(ord, BIDI_CONTROLS))


def without_bidi_controls(text: str) -> str:
    return text.translate(_REMOVE)
