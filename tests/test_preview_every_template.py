"""`outcomebot preview NAME --platform P` works for every template on every surface that has it,
with the realistic samples in messages/samples.py."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bot.cli import app
from messages.render import Renderer
from messages.samples import SAMPLES

SURFACES = ("text", "slack", "teams")
CASES = [(name, surface) for surface in SURFACES for name in sorted(Renderer(surface).template_names())]
runner = CliRunner()


@pytest.mark.parametrize(("name", "surface"), CASES)
def test_preview_shows_every_template_with_its_sample(name: str, surface: str) -> None:
    result = runner.invoke(app, ["preview", name, "--platform", surface])
    assert result.exit_code == 0, result.output
    shown = result.stdout.strip()
    assert shown and "{{" not in shown
    if surface != "text":
        assert isinstance(json.loads(shown), dict)  # Block Kit or an Adaptive Card, as JSON


def test_every_template_has_a_sample() -> None:
    names = {name for surface in SURFACES for name in Renderer(surface).template_names()}
    assert names - set(SAMPLES) == set()
