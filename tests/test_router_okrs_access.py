"""`okrs @person`: the person, their whole manager chain and admins see it; nobody else."""

from __future__ import annotations

import pytest

from bot.fake import FakeChat
from bot.router import Router
from storage.db import Database
from tests.orgchart import ADA, ALICE, BOB, CORA, IVAN, MAYA, NOW, OSCAR, SAM, make_org, org_config

def refusal(asked_about: str) -> str:
    return (f"Sorry, I can't show you anything about {asked_about}. A person's OKRs and check-ins are visible to "
            "them, their manager chain and admins only; name people by their email, like `okrs @alice@example.com`.")


@pytest.fixture
async def chat(db: Database) -> FakeChat:
    await make_org(db)
    return FakeChat(Router(org_config(), db, clock=lambda: NOW))


@pytest.mark.parametrize(
    ("viewer", "why"),
    [(ALICE, "themself"), (MAYA, "manager"), (CORA, "skip-level"), (IVAN, "admin flag"), (ADA, "admin in app.yaml")],
)
async def test_allowed_viewers_see_alices_okrs(chat: FakeChat, viewer: str, why: str) -> None:
    reply = await chat.say(viewer, f"okrs @{ALICE}")
    header = "Your OKRs, Alice" if viewer == ALICE else "OKRs of Alice <alice@x.com>"
    assert reply.startswith(header), why
    assert "Median days to first value" in reply


@pytest.mark.parametrize(("viewer", "why"), [(BOB, "peer"), (OSCAR, "manager outside the chain"), (SAM, "other team")])
async def test_others_get_a_polite_refusal_that_reveals_nothing(chat: FakeChat, viewer: str, why: str) -> None:
    reply = await chat.say(viewer, f"okrs @{ALICE}")
    assert reply == refusal(f"@{ALICE}"), why


async def test_a_report_cannot_see_their_managers_okrs(chat: FakeChat) -> None:
    assert await chat.say(ALICE, f"okrs {MAYA}") == refusal(MAYA)


@pytest.mark.parametrize("mention", ["<@UALICE>", "<@UALICE|alice>", "UALICE", "aad-alice", "@ALICE@X.COM", "alice@x.com"])
async def test_every_platform_mention_form_names_the_same_person(chat: FakeChat, mention: str) -> None:
    assert (await chat.say(MAYA, f"okrs {mention}")).startswith("OKRs of Alice <alice@x.com>")


async def test_someone_unknown_and_someone_you_may_not_see_get_the_same_answer(chat: FakeChat) -> None:
    """Asking cannot tell who exists: only the name typed differs between the two answers."""
    unknown = await chat.say(BOB, "okrs @zed@x.com")
    hidden = await chat.say(BOB, f"okrs @{ALICE}")
    assert unknown == refusal("@zed@x.com") and hidden == refusal(f"@{ALICE}")
    assert unknown.replace("@zed@x.com", "@someone") == hidden.replace(f"@{ALICE}", "@someone")
