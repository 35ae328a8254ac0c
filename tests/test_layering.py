"""The dependency direction of docs/architecture.md, checked on the source."""

from __future__ import annotations

import ast
import re
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


# -- SQL only in storage ------------------------------------------------------------------------
# What code outside storage/ may take from SQLAlchemy/SQLModel: the session type and the errors.
_ALLOWED_FROM_DATABASE_LIBRARIES = {"AsyncSession", "IntegrityError", "OperationalError", "SQLAlchemyError",
                                    "DBAPIError", "ArgumentError", "exc", "make_url"}  # types, errors, URL parsing
_SQL_TEXT = re.compile(r"^\s*(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|WITH\s+\w+(\s*\([^)]*\))?\s+AS\s*\(|PRAGMA)\b",
                       re.IGNORECASE | re.DOTALL)
_RUNS_STATEMENTS = {"exec", "execute", "exec_driver_sql", "scalars", "scalar", "stream"}


def _sql_outside_storage(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("sqlalchemy", "sqlmodel"):
            found += [f"imports {alias.name} from {node.module}" for alias in node.names
                      if alias.name not in _ALLOWED_FROM_DATABASE_LIBRARIES]
        elif isinstance(node, ast.Import):
            found += [f"imports {alias.name}" for alias in node.names if alias.name.split(".")[0] in ("sqlalchemy", "sqlmodel")]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL_TEXT.match(node.value):
            found.append(f"SQL text at line {node.lineno}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in _RUNS_STATEMENTS and isinstance(node.func.value, ast.Name)
              and node.func.value.id in ("session", "connection", "s", "conn")):
            found.append(f"runs a statement at line {node.lineno}")
    return found


def test_sql_lives_only_in_storage() -> None:
    offenders = {}
    for package in ("bot", "cadences", "messages"):
        for path in _sources(package):
            rel = path.relative_to(ROOT).as_posix()
            found = _sql_outside_storage(path)
            if found:
                offenders[rel] = found
    assert offenders == {}
