"""`okrs @person`: the person, their whole manager chain and admins see it; nobody else."""

from __future__ import annotations

import pytest

from bot.fake import FakeChat
from bot.router import Router
from storage.db import Database
from tests.orgchart import ADA, ALICE, BOB, CORA, IVAN, MAYA, NOW, OSCAR, SAM, make_org, org_config

REFUSAL = (
    "Sorry, I can't show that. A person's OKRs and check-ins are visible to them, "
    "their manager chain and admins only."
)


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
    assert reply == REFUSAL, why


async def test_a_report_cannot_see_their_managers_okrs(chat: FakeChat) -> None:
    assert await chat.say(ALICE, f"okrs {MAYA}") == REFUSAL


@pytest.mark.parametrize("mention", ["<@UALICE>", "<@UALICE|alice>", "UALICE", "aad-alice", "@ALICE@X.COM", "alice@x.com"])
async def test_every_platform_mention_form_names_the_same_person(chat: FakeChat, mention: str) -> None:
    assert (await chat.say(MAYA, f"okrs {mention}")).startswith("OKRs of Alice <alice@x.com>")


async def test_an_unknown_person_is_named_back(chat: FakeChat) -> None:
    await chat.verify_dialog(
        MAYA,
        [("okrs @zed@x.com", "I don't know anyone called @zed@x.com. Name people by their email, like `okrs @alice@example.com`.")],
    )
