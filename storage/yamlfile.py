"""A YAML loader for people-edited files: YAML 1.2 booleans and line numbers for error messages.

PyYAML follows YAML 1.1, where `on:` and `no` are booleans — a cadence's `on: monday` would
become `True: monday`. Only true/false are booleans here.
"""

from __future__ import annotations

import re
from typing import Any

import yaml


class LineMap(dict):
    """A mapping that remembers the 1-based line each key was written on."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = 0
        self.key_lines: dict[Any, int] = {}


class _Loader(yaml.SafeLoader):
    pass


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    result = LineMap()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class YamlError(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


# What PyYAML says when lines are indented wrongly (or with tabs).
_INDENTATION_SIGNS = ("mapping values are not allowed here", "expected <block end>", "cannot start any token",
                      "could not find expected ':'", "did not find expected key", "did not find expected '-' indicator")


def load_yaml(text: str) -> Any:
    """Parse YAML; raise YamlError naming the line on a syntax error or a duplicate key."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = str(exc.problem or exc.context)
        if any(sign in problem for sign in _INDENTATION_SIGNS):
            problem += (" — this is usually indentation: keys inside another key need more spaces than it, "
                        "keys side by side the same number, and tabs are not allowed")
        raise YamlError(problem, mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise YamlError(str(exc), None) from None


def plain(value: Any) -> Any:
    """Strip LineMap wrappers (for pydantic, which wants plain dicts)."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value
