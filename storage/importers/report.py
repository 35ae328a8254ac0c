"""What an import did (for the CLI to print) and why one was refused."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


KIND_ORDER = ["person", "team", "outcome", "objective", "key result"]


class ImportFailed(Exception):
    """The file was refused as a whole; `problems` lists every one, each naming its row or line."""

    def __init__(self, problems: list[str], *, source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        what = source or "the file"
        count = len(self.problems)
        super().__init__(f"{what} was not imported ({count} problem{'s' if count != 1 else ''}); nothing changed")


@dataclass
class ImportReport:
    """Counts per kind of record (e.g. "person", "team", "key result")."""

    source: str
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    # People already known whose timezone or country changed: their schedules need replanning.
    calendar_changed: list[int] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)  # emails whose `active` column turned no
    created_people: list[int] = field(default_factory=list)  # ids of people new in this import (welcomed)
    reactivated: list[str] = field(default_factory=list)

    def record(self, kind: str, *, created: bool = False, changed: bool = False) -> None:
        if created:
            self.created[kind] += 1
        elif changed:
            self.updated[kind] += 1
        else:
            self.unchanged[kind] += 1

    def kinds(self) -> list[str]:
        seen = set(self.created) | set(self.updated) | set(self.unchanged)
        return sorted(seen, key=lambda kind: (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), kind))

    def summary_lines(self) -> list[str]:
        """One line per kind: `people: 3 created, 1 updated, 5 unchanged`."""
        lines = [f"deactivated: {', '.join(self.deactivated)}"] if self.deactivated else []
        lines += [f"active again: {', '.join(self.reactivated)}"] if self.reactivated else []
        for kind in self.kinds():
            lines.append(
                f"{plural(kind)}: {self.created[kind]} created, {self.updated[kind]} updated, "
                f"{self.unchanged[kind]} unchanged"
            )
        return lines


def plural(kind: str) -> str:
    return {"person": "people"}.get(kind, kind + "s")
