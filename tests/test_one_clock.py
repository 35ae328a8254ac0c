"""One clock: below the CLI and the server, time comes from the caller (docs/architecture.md).

The real clock is read only at the edges — the CLI commands, the server's scheduler job, the
router's and the adapters' default clocks. Cadence rules, handlers and repositories take `now`
as an argument, so `tick --now <instant>` and every test see one consistent instant whatever
the machine's date. This test fails on a new clock read in those rooms.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOCKLESS = ("cadences", "bot/handlers", "storage/repositories")
# Wall-clock reads. Monotonic clocks (rate limits, timeouts) measure durations, not dates.
CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"), ("time", "time")}


def _clock_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "utcnow":
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} utcnow()")
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if (func.value.id, func.attr) in CLOCK_READS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {func.value.id}.{func.attr}()")
    return found


def test_cadences_handlers_and_repositories_never_read_the_real_clock() -> None:
    reads = [read for room in CLOCKLESS for path in sorted((ROOT / room).rglob("*.py")) for read in _clock_reads(path)]
    assert reads == [], "take `now` from the caller instead:\n" + "\n".join(reads)


def test_the_guard_catches_a_clock_read(tmp_path: Path) -> None:
    sample = ROOT / "cadences" / "__sample_for_test.py"
    try:
        sample.write_text("from datetime import datetime\n\ndef due():\n    return datetime.now()\n", encoding="utf-8")
        assert _clock_reads(sample) == ["cadences/__sample_for_test.py:4 datetime.now()"]
    finally:
        sample.unlink()
