"""Every package the code imports is declared in pyproject.toml, so a clean install runs it."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUR_PACKAGES = {"bot", "cadences", "storage", "messages"}


def _top_level_imports() -> dict[str, str]:
    """Import name → the first file importing it (imports inside functions included)."""
    found: dict[str, str] = {}
    for package in sorted(OUR_PACKAGES):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], path.relative_to(ROOT).as_posix())
    return found


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {_normalized(re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]) for requirement in project["dependencies"]}


def test_every_imported_package_is_a_declared_dependency() -> None:
    distributions = importlib.metadata.packages_distributions()
    declared = _declared()
    undeclared = []
    for name, where in sorted(_top_level_imports().items()):
        if name in OUR_PACKAGES or name in sys.stdlib_module_names:
            continue
        providers = {_normalized(dist) for dist in distributions.get(name, ())}
        assert providers, f"{name} (imported in {where}) is not installed"
        if not providers & declared:
            undeclared.append(f"{name} (imported in {where}; from {', '.join(sorted(providers))})")
    assert not undeclared, "declare in pyproject.toml: " + "; ".join(undeclared)


def test_aiosqlite_has_an_upper_bound() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    (aiosqlite,) = [requirement for requirement in project["dependencies"] if requirement.startswith("aiosqlite")]
    assert "<" in aiosqlite
