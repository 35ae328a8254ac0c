"""The dependency direction of docs/architecture.md, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _sources(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def test_storage_imports_no_higher_layer() -> None:
    for path in _sources("storage"):
        assert not _imports(path) & {"bot", "cadences", "messages"}, path


def test_cadences_and_messages_never_import_bot() -> None:
    for package in ("cadences", "messages"):
        for path in _sources(package):
            assert "bot" not in _imports(path), path


def test_chat_sdks_are_imported_only_inside_their_platform_package() -> None:
    for package in ("bot", "cadences", "storage", "messages"):
        for path in _sources(package):
            rel = path.relative_to(ROOT).as_posix()
            imported = _imports(path)
            if not rel.startswith("bot/slack/"):
                assert not imported & {"slack_bolt", "slack_sdk"}, rel
            if not rel.startswith("bot/teams/"):
                assert not imported & {"botbuilder", "botframework"}, rel


def _bot_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and n.level == 0}
    found |= {alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names}
    return {".".join(name.split(".")[:2]) for name in found if name.startswith("bot.")}


def test_chat_platform_packages_do_not_import_each_other() -> None:
    """Shared pieces (like inbound dedupe) live in bot/, so Teams runs without the Slack package."""
    for package, other in (("bot/slack", "bot.teams"), ("bot/teams", "bot.slack")):
        for path in _sources(package):
            assert other not in _bot_modules(path), path.relative_to(ROOT).as_posix()
