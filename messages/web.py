"""The dashboard's HTML pages: Jinja2 with autoescaping always on (every value people typed
— notes, blockers, wins, names — is escaped), templates in `messages/templates/web/`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from messages.filters import number, percent
from messages.render import TEMPLATES_DIR


def short_day(moment: datetime | None) -> str:
    return "—" if moment is None else f"{moment.day} {moment:%b %Y}"


@lru_cache(maxsize=None)
def web_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR / "web")), autoescape=True, undefined=StrictUndefined,
                      auto_reload=False,  # templates ship with the package; no stat() per page
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update({"num": number, "pct": percent, "day": short_day})
    return env


def render_page(name: str, context: Mapping[str, Any]) -> str:
    return web_environment().get_template(f"{name}.html.j2").render(**context)


def trusted_svg(svg: str) -> Markup:
    """An SVG plot we built ourselves (bot/web/plots.py escapes every label it writes)."""
    return Markup(svg)
