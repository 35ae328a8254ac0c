"""Build Jinja2 environments (one per surface, no global state) and render templates.

Templates live in `messages/templates/<surface>/<name>.<ext>.j2`: `.txt` for text, `.json`
for Slack Block Kit and Teams Adaptive Cards. JSON templates get values only through
`tojson` (and `mrkdwn` first for Slack), so user text cannot break the JSON or the markup.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from messages.filters import FILTERS

Surface = Literal["text", "slack", "teams"]
SURFACES: tuple[Surface, ...] = ("text", "slack", "teams")
TEMPLATES_DIR = Path(__file__).parent / "templates"
_EXTENSION = {"text": "txt", "slack": "json", "teams": "json"}


class TemplateNotFound(LookupError):
    pass


def make_environment(surface: Surface, templates_dir: Path = TEMPLATES_DIR) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir / surface)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(FILTERS)
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False}
    return env


class Renderer:
    """Renders one surface's templates; text → str, slack/teams → parsed JSON."""

    def __init__(self, surface: Surface, templates_dir: Path = TEMPLATES_DIR) -> None:
        if surface not in SURFACES:
            raise ValueError(f"unknown surface {surface!r}; choose one of {', '.join(SURFACES)}")
        self.surface = surface
        self.templates_dir = templates_dir

    @cached_property
    def environment(self) -> Environment:
        return make_environment(self.surface, self.templates_dir)

    def template_names(self) -> list[str]:
        suffix = f".{_EXTENSION[self.surface]}.j2"
        folder = self.templates_dir / self.surface
        return sorted(p.name.removesuffix(suffix) for p in folder.glob(f"*{suffix}") if not p.name.startswith("_"))

    def render_source(self, name: str, context: Mapping[str, Any]) -> str:
        filename = f"{name}.{_EXTENSION[self.surface]}.j2"
        if not (self.templates_dir / self.surface / filename).exists():
            known = ", ".join(self.template_names()) or "none"
            raise TemplateNotFound(f"no {self.surface} template {name!r}; known: {known}")
        return self.environment.get_template(filename).render(**context)

    def render(self, name: str, context: Mapping[str, Any]) -> Any:
        source = self.render_source(name, context)
        if self.surface == "text":
            return source.strip("\n")
        return json.loads(source)
