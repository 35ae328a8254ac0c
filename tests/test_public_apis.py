"""Only documented, public APIs of our dependencies: no `._private` access into another
package's objects and no monkeypatching of library modules or classes outside tests."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = ("bot", "cadences", "storage", "messages")
DOCUMENTED_UNDERSCORE_APIS = {"_replace", "_asdict", "_fields", "_make"}  # collections.namedtuple's


def _sources() -> list[Path]:
    return sorted(path for package in OURS for path in (ROOT / package).rglob("*.py"))


def _our_private_names() -> set[str]:
    """`_names` our own code defines: functions, classes, attributes set on self, module names."""
    names: set[str] = set()
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
    return {name for name in names if name.startswith("_")}


def _imported_libraries(tree: ast.AST) -> set[str]:
    """Local names bound to third-party modules or their members (`import x`, `from x import y`)."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top not in OURS and top not in sys.stdlib_module_names:
                    bound.add(alias.asname or top)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top = node.module.split(".")[0]
            if top not in OURS and top not in sys.stdlib_module_names:
                bound.update(alias.asname or alias.name for alias in node.names)
    return bound


def test_no_private_attribute_of_another_package_is_used() -> None:
    ours = _our_private_names()
    found = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and node.attr not in ours and node.attr not in DOCUMENTED_UNDERSCORE_APIS):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{node.attr}")
    assert found == []


def test_no_library_module_or_class_is_patched_outside_tests() -> None:
    found = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        libraries = _imported_libraries(tree)
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, (ast.AugAssign, ast.AnnAssign)) else []
            for target in targets:
                base = target
                while isinstance(base, ast.Attribute):
                    base = base.value
                if isinstance(target, ast.Attribute) and isinstance(base, ast.Name) and base.id in libraries:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(target)} = …")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr"
                    and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in libraries):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: setattr({node.args[0].id}, …)")
    assert found == []
