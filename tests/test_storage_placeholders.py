"""One data layer (docs/architecture.md, "Dependency direction" and "Decisions"): statements in
storage/ use named parameters that SQLAlchemy compiles for each database, never `?` or `$1`
placeholders numbered by hand."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|VALUES|WHERE)\b")
_POSITIONAL = re.compile(r"\?|\$\d")


def _storage_modules():
    return sorted((ROOT / "storage").rglob("*.py"))


def test_no_sql_text_in_storage_uses_positional_placeholders() -> None:
    found = []
    for path in _storage_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL.search(node.value):
                if _POSITIONAL.search(node.value):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}")
    assert found == []


def test_no_module_in_storage_rewrites_placeholders_by_splitting_strings() -> None:
    found = []
    for path in _storage_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name == "_numbered":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: def _numbered")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "split"
                    and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in ("?", "$")):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: .split({node.args[0].value!r})")
    assert found == []
