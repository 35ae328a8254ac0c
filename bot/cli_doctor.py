"""`outcomebot doctor`: every setup check, printed as ok or PROBLEM with what to do."""

from __future__ import annotations

import typer

from bot.cli import ConfigOption, app, run_async


@app.command()
def doctor(config: ConfigOption = None) -> None:
    """Check the setup: app.yaml, database, Slack/Teams credentials and channels, people, public URL."""
    from bot.doctor import diagnose

    async def run() -> int:
        problems = 0
        async for finding in diagnose(config):
            if finding.ok:
                typer.echo(f"ok       {finding.check}: {finding.detail}")
            else:
                problems += 1
                typer.secho(f"PROBLEM  {finding.check}: {finding.detail}", fg=typer.colors.RED)
                typer.echo(f"         what to do: {finding.fix}")
        return problems

    problems = run_async(run())
    if problems:
        typer.secho(f"{problems} problem{'s' if problems != 1 else ''} found.", err=True, fg=typer.colors.RED)
        raise typer.Exit(1)
    typer.echo("Everything checked is ready.")
