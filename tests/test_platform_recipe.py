"""Adding a chat platform is a folder under bot/, one registry entry and its templates
(docs/platforms.md): a toy platform registered here gets its people's prompts from the
ordinary tick and outbox, and its people are recognised by the router, with no change to
cadences/ or storage/."""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlmodel import select

from bot import platforms
from bot.config import Secrets
from bot.platform import MessageReceived, Sender
from bot.platforms import PlatformEntry, default_platforms, outbound_platforms
from bot.router import Router
from bot.runtime import Runtime
from bot.ticker import Ticker
from cadences.chat_platforms import ChatAddressing
from cadences.notifier import OutboundMessage, Sent
from cadences.wins import approve_win
from messages.render import Renderer
from storage.identities import ChatIdentity
from storage.models import Delivery, Person, Win
from storage.repositories.identities import set_identity
from storage.repositories.team_channels import set_team_channel
from tests.orgchart import NOW, org_config

ROOT = Path(__file__).resolve().parent.parent
MONDAY_AFTER_NINE_BERLIN = datetime(2026, 11, 30, 8, 1, tzinfo=timezone.utc)


class ToyChat:
    """The toy platform's ChatPlatform: renders the text surface and keeps what it sent."""

    name = "toy"

    def __init__(self) -> None:
        self.renderer = Renderer("text")
        self.sent: list[tuple[str, str, str]] = []  # (address, template, text)

    async def deliver(self, message: OutboundMessage) -> Sent:
        self.sent.append((message.address, message.template, self.renderer.render(message.template, message.context)))
        return Sent(message_ref=f"toy:{len(self.sent)}")


def toy_address(identity: ChatIdentity) -> str | None:
    return f"dm/{identity.external_id}" if identity.external_id else None


@pytest.fixture
def toy() -> AsyncIterator[ToyChat]:
    chat = ToyChat()

    @asynccontextmanager
    async def outbound(runtime: Runtime) -> AsyncIterator[ToyChat]:
        yield chat

    # The one registration a new platform adds (its folder would hold ToyChat and this entry).
    platforms.register(PlatformEntry(
        name="toy", surface="text", configured_by="TOY_TOKEN", enabled=lambda runtime: True, outbound=outbound,
        addressing=ChatAddressing(name="toy", dm_address=toy_address, how_to_enable="set TOY_TOKEN",
                                  how_to_link="have them say hello to the toy bot"),
    ))
    yield chat
    platforms.unregister("toy")


async def test_a_registered_platform_gets_its_peoples_prompts_through_the_ordinary_tick(db, toy: ToyChat) -> None:
    from tests.orgchart import make_org

    ids = await make_org(db)
    async with db.transaction() as session:  # Sam (Berlin) said hello on the toy platform
        await set_identity(session, ids["sam"], "toy", external_id="T-SAM")
    runtime = Runtime(config=org_config(), secrets=Secrets(), db=db)
    async with outbound_platforms(runtime) as chosen:
        assert chosen["toy"] is toy and set(default_platforms()) <= set(chosen)
        ticker = Ticker(runtime.config, db, chosen)
        await ticker.tick(NOW)  # schedules everyone's first prompt: Monday 09:00 in their timezone
        await ticker.tick(MONDAY_AFTER_NINE_BERLIN)

    [(address, template, text)] = [sent for sent in toy.sent if sent[1] == "checkin_prompt"]
    assert (address, template) == ("dm/T-SAM", "checkin_prompt") and text.startswith("Hi Sam, time for your weekly check-in")
    async with db.session() as session:
        row = (await session.exec(select(Delivery).where(Delivery.person_id == ids["sam"]))).first()
    assert (row.platform, row.address, row.status) == ("toy", "dm/T-SAM", "sent")


async def test_the_router_knows_a_person_by_their_identity_on_a_registered_platform(db, toy: ToyChat) -> None:
    from tests.orgchart import make_org

    ids = await make_org(db)
    async with db.transaction() as session:
        await set_identity(session, ids["sam"], "toy", external_id="T-SAM")
    router = Router(org_config(), db, now=NOW)
    [known] = await router.dispatch(MessageReceived(Sender(platform="toy", user_ref="T-SAM"), "okrs"))
    [stranger] = await router.dispatch(MessageReceived(Sender(platform="toy", user_ref="T-NOBODY"), "okrs"))
    assert known.template == "okrs" and known.context["person"]["email"] == "sam@x.com"
    assert stranger.template == "unknown_person"


async def test_a_registered_platform_gets_its_teams_win_announcements_in_the_teams_channel_there(db, toy: ToyChat) -> None:
    from tests.orgchart import make_org

    ids = await make_org(db)
    async with db.transaction() as session:  # the toy bot was added to the Platform team's room
        sam = await session.get(Person, ids["sam"])
        await set_team_channel(session, sam.team_id, "toy", address="room/platform")
        win = Win(person_id=sam.id, text="Acme went live", created_at=NOW)
        session.add(win)
        await session.flush()
        assert await approve_win(session, win, sam, now=NOW) == 2  # its Slack channel and the toy room
    runtime = Runtime(config=org_config(), secrets=Secrets(), db=db)
    async with outbound_platforms(runtime) as chosen:
        await Ticker(runtime.config, db, chosen).tick(NOW)

    [(address, text)] = [(address, text) for address, template, text in toy.sent if template == "win_announcement"]
    assert address == "room/platform" and text.startswith("🎉 A win from Sam: Acme went live")


def _platform_names_in(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in ("slack", "teams")]


# Where cadences/ and storage/ may still say "slack" or "teams": the people CSV's columns (its
# format is fixed), the migrations that moved those columns, and the operator's defaults.
NAMED_ON_PURPOSE = {"storage/importers/people.py", "cadences/settings.py"}


def test_cadences_and_storage_name_no_chat_platform_so_a_new_one_touches_neither() -> None:
    for package in ("cadences", "storage"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in NAMED_ON_PURPOSE or rel.startswith("storage/migrations/"):
                continue
            assert not _platform_names_in(path), f"{rel} names a chat platform on lines {_platform_names_in(path)}"


def test_the_recipe_lists_the_files_a_new_platform_touches() -> None:
    recipe = (ROOT / "docs" / "platforms.md").read_text(encoding="utf-8")
    section = recipe[recipe.index("## Adding a platform"):]
    for touched in ("bot/matrix/", "bot/platforms.py", "messages/templates/<surface>/", "bot/config.py", "tests/"):
        assert touched in section, touched
    assert "Nothing in `cadences/` or `storage/` changes" in section
