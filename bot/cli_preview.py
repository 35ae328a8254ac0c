"""`outcomebot preview TEMPLATE --platform text|slack|teams`: render a message with sample data."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from bot.cli import app, fail


class Platform(StrEnum):
    text = "text"
    slack = "slack"
    teams = "teams"


@app.command()
def preview(
    template: Annotated[str, typer.Argument(help="Template name, e.g. okrs or checkin_prompt.", show_default=False)],
    platform: Annotated[Platform, typer.Option("--platform", "-p", help="Which surface to render for.")] = Platform.text,
) -> None:
    """Render a message template with realistic sample data, as a person would see it."""
    from messages.render import Renderer
    from messages.samples import SAMPLES, sample_context

    renderer = Renderer(platform.value)
    text = Renderer("text")
    known = sorted(set(renderer.template_names()) | set(text.template_names()))
    if template not in known:
        raise fail(f"No template named {template!r}. Known templates: {', '.join(known)}")
    if template not in SAMPLES:
        raise fail(f"No sample context for {template!r} yet (messages/samples.py). Samples exist for: {', '.join(sorted(SAMPLES))}")
    if template not in renderer.template_names():
        typer.echo(f"(no {platform.value} template {template!r}; {platform.value} shows the text version)", err=True)
        renderer = text
    rendered = renderer.render(template, sample_context(template))
    typer.echo(rendered if isinstance(rendered, str) else json.dumps(rendered, indent=2, ensure_ascii=False))
