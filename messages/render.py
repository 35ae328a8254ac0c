"""Build Jinja2 environments (one per surface, no global state) and render templates.

Templates live in `messages/templates/<surface>/<name>.<ext>.j2`: `.txt` for text, `.json`
for Slack Block Kit and Teams Adaptive Cards. JSON templates get values only through
`tojson` (and `mrkdwn` first for Slack), so user text cannot break the JSON or the markup.
Teams reads TextBlock text as Markdown, so Teams templates put user text only in TextRuns
(`richtext` / `textrun` filters), which it shows literally.

Speed (a fan-out renders one prompt per person): one Environment per surface and folder per
process, shared by every Renderer, so compiled templates are reused; each Renderer keeps the
templates it already looked up, so a render neither touches the disk nor re-checks the file;
and `kr.title` on a plain dict reads the key directly instead of failing a getattr first.
Rendering goes through `Template.render` only (an earlier version called Jinja's low-level
render function to save about 5 µs a render; docs/architecture.md keeps to public APIs).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from messages.filters import FILTERS

Surface = Literal["text", "slack", "teams"] | str
SURFACES: tuple[Surface, ...] = ("text", "slack", "teams")
TEMPLATES_DIR = Path(__file__).parent / "templates"
# A surface is a folder of templates: `text` renders plain text (.txt.j2); any other surface
# (slack, teams, one a new chat platform adds) renders JSON (.json.j2).
_EXTENSION = {"text": "txt"}


def _extension(surface: str) -> str:
    return _EXTENSION.get(surface, "json")


_DICT_ATTRIBUTES = frozenset(dir(dict))


class TemplateNotFound(LookupError):
    pass


class _ContextEnvironment(Environment):
    """`x.name` on a plain dict: the key, without Jinja's failed getattr (same result); each
    template's globals a plain dict."""

    def make_globals(self, d: Mapping[str, Any] | None) -> dict[str, Any]:  # type: ignore[override]
        # Jinja returns a ChainMap over the environment's globals, which `Template.render`
        # copies into every render's context key by key in Python (twice), and a fan-out
        # renders a prompt per person: a text prompt took 24 µs that way, about 10 µs with a plain
        # dict. No global is added after start-up, so a copy made now sees them all.
        return {**self.globals, **(d or {})}

    def getattr(self, obj: Any, attribute: str) -> Any:
        # A plain dict has no attributes beyond dict's own, so this is exactly Jinja's order:
        # dict methods (`d.items`) still win, anything else is the key or undefined.
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def make_environment(surface: Surface, templates_dir: Path = TEMPLATES_DIR) -> Environment:
    env = _ContextEnvironment(
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


@lru_cache(maxsize=None)
def shared_environment(surface: Surface, templates_dir: Path = TEMPLATES_DIR) -> Environment:
    """The process-wide environment of one surface and folder (compiled templates cached)."""
    return make_environment(surface, templates_dir)


class Renderer:
    """Renders one surface's templates; text → str, slack/teams → parsed JSON."""

    def __init__(self, surface: Surface, templates_dir: Path = TEMPLATES_DIR) -> None:
        if surface not in SURFACES and not (Path(templates_dir) / surface).is_dir():
            raise ValueError(f"unknown surface {surface!r}; choose one of {', '.join(SURFACES)}")
        self.surface = surface
        self.templates_dir = templates_dir
        self.environment = shared_environment(surface, Path(templates_dir))
        self._templates: dict[str, Template] = {}
        self._present: dict[str, bool] = {}

    def template_names(self) -> list[str]:
        suffix = f".{_extension(self.surface)}.j2"
        folder = self.templates_dir / self.surface
        return sorted(p.name.removesuffix(suffix) for p in folder.glob(f"*{suffix}") if not p.name.startswith("_"))

    def has_template(self, name: str) -> bool:
        """Whether `name` is one of `template_names()`, without listing the folder each time."""
        return not name.startswith("_") and self._exists(name)

    def _exists(self, name: str) -> bool:
        present = self._present.get(name)
        if present is None:
            filename = f"{name}.{_extension(self.surface)}.j2"
            present = self._present[name] = (self.templates_dir / self.surface / filename).exists()
        return present

    def _template(self, name: str) -> Template:
        template = self._templates.get(name)
        if template is None:
            if not self._exists(name):
                known = ", ".join(self.template_names()) or "none"
                raise TemplateNotFound(f"no {self.surface} template {name!r}; known: {known}")
            filename = f"{name}.{_extension(self.surface)}.j2"
            template = self._templates[name] = self.environment.get_template(filename)
        return template

    def render_source(self, name: str, context: Mapping[str, Any]) -> str:
        return self._template(name).render(context)

    def render(self, name: str, context: Mapping[str, Any]) -> Any:
        source = self.render_source(name, context)
        if self.surface == "text":
            return source.strip("\n")
        return json.loads(source)
