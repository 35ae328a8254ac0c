"""Realistic sample contexts for every template, shared by `outcomebot preview` and the tests.

Each context has exactly the shape the router and handlers (or the cadences/manager areas)
produce for that template, so a template that renders here renders in production.
"""

from __future__ import annotations

import copy
from typing import Any

PERSON = {"name": "Alice Ortega", "email": "alice@example.com"}
MANAGER = {"name": "Maya Chen", "email": "maya@example.com"}

KEY_RESULTS = [
    {
        "id": 11, "key": "onboarding-days", "title": "Median days to first value", "unit": "days",
        "baseline": 30.0, "target": 14.0, "current": 21.0, "confidence": 7, "progress": 0.5625,
        "direction": "decrease",
    },
    {
        "id": 12, "key": "activation-rate", "title": "Accounts active in week two", "unit": "%",
        "baseline": 40.0, "target": 70.0, "current": None, "confidence": None, "progress": 0.0,
        "direction": "increase",
    },
]

BLOCKERS = [
    {"id": 5, "text": "Waiting for SSO access from IT <script>", "status": "open", "age_days": 9,
     "key_result": {"key": "onboarding-days", "title": "Median days to first value"}},
    {"id": 6, "text": "No data export from the billing tool", "status": "acknowledged", "age_days": 1,
     "key_result": None},
]

_CHECKIN = {
    "checkin_id": 42, "person": PERSON, "cadence": "weekly", "kind": "week", "period": "2026-W48",
    "period_label": "week 48 of 2026", "reminder": False, "key_results": KEY_RESULTS,
}

SAMPLES: dict[str, dict[str, Any]] = {
    "help": {
        "person": PERSON,
        "unknown": None,
        "commands": [
            {"usage": "okrs", "summary": "your objectives and key results, with progress", "slash": True},
            {"usage": "okrs @person", "summary": "someone's OKRs — for their managers, skip-levels and admins", "slash": True},
            {"usage": "checkin", "summary": "start this week's check-in now", "slash": True},
            {"usage": "win TEXT", "summary": "record a win", "slash": True},
            {"usage": "blockers", "summary": "open blockers", "slash": True},
            {"usage": "outcomes", "summary": "the company outcomes", "slash": True},
            {"usage": "help", "summary": "this list", "slash": False},
        ],
    },
    "okrs": {
        "person": PERSON,
        "own": True,
        "objectives": [
            {
                "title": "Onboard every new account within 14 days", "period": "2026-Q4",
                "outcome": {"key": "retention", "title": "Customers stay because they succeed"},
                "key_results": KEY_RESULTS,
            }
        ],
        "blockers": BLOCKERS[:1],
    },
    "not_allowed": {"asked_about": "@bob@example.com"},
    "person_not_found": {"mention": "@bobby@example.com"},
    "unknown_person": {"platform": "slack", "user_ref": "U0123ABCD"},
    "checkin_prompt": _CHECKIN,
    "checkin_reminder": {**_CHECKIN, "reminder": True},
    "checkin_done": {"checkin_id": 42, "person": PERSON, "period_label": "week 48 of 2026"},
    "checkin_recorded": {
        "checkin_id": 42, "person": PERSON, "period": "2026-W48", "period_label": "week 48 of 2026",
        "updated": False, "key_results": KEY_RESULTS[:1],
        "blockers": ["Waiting for SSO access from IT"],
        "wins": [{"id": 3, "text": "Acme went live in 9 days", "status": "approved", "share": True}],
        "reflections": 0,
    },
    "already_checked_in": {
        "checkin_id": 42, "person": PERSON, "cadence": "weekly", "period": "2026-W48",
        "period_label": "week 48 of 2026", "update_command": "checkin weekly update",
    },
    "blockers": {
        "person": MANAGER, "own": [], "manages": True,
        "reports": [{"person": PERSON, "blockers": BLOCKERS}],
    },
    "outcomes": {
        "outcomes": [
            {
                "key": "retention", "title": "Customers stay because they succeed", "period": "2026-Q4",
                "indicators": ["Weekly active teams per account"], "progress": 0.28,
                "objectives": [
                    {"title": "Onboard every new account within 14 days", "progress": 0.28, "key_results": 2}
                ],
            }
        ]
    },
    "win_recorded": {
        "person": PERSON, "win": {"id": 3, "text": "Acme went live in 9 days", "status": "draft", "share": False}
    },
    "win_rejected": {"problem": None},
}


def sample_context(name: str) -> dict[str, Any]:
    """A copy of the sample context for `name` (KeyError when there is none)."""
    return copy.deepcopy(SAMPLES[name])
