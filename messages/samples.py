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
    "dashboard_link": {"name": "Priya Sharma", "minutes": 15,
                       "url": "https://outcomebot.example.com/dash/login?token=sample-one-time-token"},
}


def sample_context(name: str) -> dict[str, Any]:
    """A copy of the sample context for `name` (KeyError when there is none)."""
    return copy.deepcopy(SAMPLES[name])


# --- The manager loop (digests, nudges, wins, blocker actions) -------------------------------

_BLOCKER_ITEM = {
    "id": 5, "person": PERSON["name"], "manager": MANAGER["name"], "text": "Waiting for SSO access from IT <script>",
    "status": "open", "opened": "2026-11-13", "age_days": 10, "key_result": "Median days to first value",
    "outcome": "Customers stay because they succeed",
}
_NUDGE_SUMMARY = (
    "“Median days to first value” did not move toward its target of 14 over two check-ins: "
    "21 days on 2 Nov 2026, 21 days on 9 Nov 2026, 21 days on 16 Nov 2026."
)
_NUDGE_QUESTION = "What is getting in the way of this key result, and what would you try differently this week?"
_WIN = {"id": 3, "text": "Acme went live in 9 days", "key_result": "Median days to first value",
        "outcome": "Customers stay because they succeed"}

SAMPLES.update({
    "digest": {
        "manager": MANAGER, "period": "2026-W48", "period_label": "week 48 of 2026", "since": "2026-11-16",
        "checked_in": ["Alice Ortega", "Bruno Silva"], "checked_in_more": 0,
        "not_checked_in": ["Dana Kim"], "not_checked_in_more": 0,
        "skipped": ["Eli Park (on leave)"], "skipped_more": 0,
        "not_asked": ["Gus Lee"], "not_asked_more": 0,
        "away": ["Farah Nasser (away until 4 January 2027)"], "away_more": 0,
        "blockers": [_BLOCKER_ITEM, {**_BLOCKER_ITEM, "id": 6, "person": "Bruno Silva", "status": "acknowledged",
                                     "text": "No data export from the billing tool", "age_days": 3,
                                     "opened": "2026-11-20", "key_result": None, "outcome": None}],
        "blockers_more": 0,
        "at_risk": [{"person": "Bruno Silva", "key_result": "Accounts active in week two",
                     "outcome": "Customers stay because they succeed", "confidence": 3, "previous_confidence": 7,
                     "value": 48.0, "target": 70.0, "unit": "%", "progress": 0.27}],
        "at_risk_more": 0,
        "wins": [{**_WIN, "person": PERSON["name"]}], "wins_more": 0,
        "nudges": [{"id": 17, "rule": "stuck", "title": "Stuck", "person": PERSON["name"],
                    "key_result": "Median days to first value", "summary": _NUDGE_SUMMARY, "question": _NUDGE_QUESTION}],
        "nudges_more": 0,
        "rollup": [{**_BLOCKER_ITEM, "id": 9, "person": "Emil Novak", "manager": "Farah Haddad", "age_days": 23,
                    "opened": "2026-10-31", "text": "Legal has not approved the pricing page copy",
                    "key_result": "Trial-to-paid conversion", "outcome": "Trials turn into paying customers"}],
        "rollup_more": 0,
    },
    "win_draft": {"win": _WIN, "person": PERSON, "reason": "command"},
    "win_announcement": {"win": _WIN, "person": PERSON, "team": "Onboarding"},
    "blocker_acknowledged": {"blocker": {"id": 5, "text": "Waiting for SSO access from IT <script>",
                                         "key_result": "Median days to first value"},
                             "manager": MANAGER, "action": "acknowledged"},
    "blocker_details_requested": {"blocker": {"id": 5, "text": "Waiting for SSO access from IT <script>",
                                              "key_result": "Median days to first value"}, "manager": MANAGER},
    "manager_action_done": {"action": "acknowledged", "subject": {"id": 5, "person": PERSON["name"]}},
    "nudges": {"person": PERSON, "own": False, "nudges": [
        {"id": 17, "title": "Stuck", "sent": "2026-11-23", "summary": _NUDGE_SUMMARY, "question": _NUDGE_QUESTION,
         "dismissed": False},
    ]},
})

# --- Slack-only views -------------------------------------------------------------------------

SAMPLES.update({
    "checkin_modal": {
        "form": {
            "checkin_id": 42, "person_name": PERSON["name"], "cadence": "weekly", "kind": "week", "period": "2026-W48",
            "period_label": "week 48 of 2026",
            "key_results": [{k: kr[k] for k in ("id", "key", "title", "unit", "baseline", "target", "current", "confidence")}
                            for kr in KEY_RESULTS],
            "questions": [], "max_blockers": 3, "max_wins": 3,
        },
        "metadata": '{"form": "checkin", "checkin_id": "42"}', "compact": False, "win_pickers": True,
    },
    "slack_form_too_large": {"reason": "120 key results do not fit in one Slack form; ask an admin to split them across cadences"},
    "app_home": {
        "known": True, "person": {"name": MANAGER["name"], "timezone": "Europe/Berlin"},
        "key_results": [{k: kr[k] for k in ("key", "title", "unit", "current", "target", "progress", "confidence")}
                        for kr in KEY_RESULTS],
        "blockers": [{"text": "Waiting for SSO access from IT <script>", "status": "open", "age_days": 9,
                      "key_result": "Median days to first value"}],
        "next_checkin": "Monday 30 November at 09:00 (Europe/Berlin)",
        "open_checkin": {"id": 42, "period_label": "week 48 of 2026"},
        "team": {"cadence": "weekly", "period_label": "week 48 of 2026", "answered": 2, "total": 3,
                 "members": [{"name": "Alice Ortega", "status": "answered"}, {"name": "Bruno Silva", "status": "answered"},
                             {"name": "Dana Kim", "status": "prompted"}], "more": 0},
    },
})

# --- Putting a check-in off, being away (bot/handlers/pauses.py, bot/handlers/away.py) --------

SAMPLES.update({
    "checkin_snoozed": {"person": PERSON, "period_label": "week 48 of 2026", "status": "prompted",
                        "when": "today at 14:00"},
    "checkin_skipped": {"person": PERSON, "period_label": "week 48 of 2026", "status": "skipped",
                        "reason": "on leave <b>until Friday</b>"},
    "snooze_too_late": {"person": PERSON, "period_label": "week 48 of 2026", "status": "prompted"},
    "snooze_help": {"typed": "next year please"},
    "nothing_to_put_off": {"person": PERSON, "period_label": "week 48 of 2026", "status": "answered"},
})

SAMPLES.update({
    "away_added": {"person": PERSON, "starts_on": "Mon 21 Dec 2026", "ends_on": "Mon 4 Jan 2027",
                   "back_on": "Tue 5 Jan 2027"},
    "away_list": {"person": PERSON, "leave": [{"starts_on": "Mon 21 Dec 2026", "ends_on": "Mon 4 Jan 2027"}],
                  "pick": False},
    "away_cancelled": {"person": PERSON, "starts_on": "Mon 21 Dec 2026", "ends_on": "Mon 4 Jan 2027"},
    "away_help": {"problem": "dates", "typed": "after christmas"},
})

SAMPLES.update({
    "checkin_closed": {"person": PERSON, "period_label": "week 47 of 2026"},
})

SAMPLES.update({
    "welcome": {"person": PERSON, "period_label": "week 48 of 2026",
                "cadences": [{"name": "weekly", "when": "every Monday at 09:00"},
                             {"name": "monthly", "when": "every month on the last working day at 09:00"}]},
})
