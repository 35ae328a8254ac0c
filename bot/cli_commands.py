"""Imports every command module so each can register on `bot.cli.app`; one line per module."""
from bot import cli_data  # noqa: F401  import, export
from bot import cli_slack  # noqa: F401
from bot import cli_run  # noqa: F401  serve, tick, status (cadences)
from bot import cli_chat  # noqa: F401  chat, start
from bot import cli_preview  # noqa: F401  preview
from bot import cli_demo  # noqa: F401  demo
from bot import cli_teams  # noqa: F401  teams package
from bot import cli_dashboard  # noqa: F401  dashboard link
from bot import cli_people  # noqa: F401  people list, deactivate, activate
from bot import cli_api  # noqa: F401  token, sources
from bot import cli_doctor  # noqa: F401  doctor
from bot import cli_backup  # noqa: F401  backup, restore (export all / import of it via cli_data)
