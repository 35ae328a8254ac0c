"""How the process logs: `--verbose` or app.yaml `log_level`, and never people's words.

Libraries log what they send and receive at DEBUG: slack_sdk the whole body of a Web API call
or a `response_url` post ("Saved your win: …"), msrest/botbuilder the activities and cards,
aiosqlite and SQLAlchemy's engine the statements' parameters (check-in notes, blockers). Those
loggers are held at INFO or above (SQLAlchemy's at WARNING) whatever the level, and a filter on the process's handlers
drops any DEBUG record from them that gets through anyway (a child logger given its own
level). Our own modules never log message content at any level (see SECURITY.md).
"""

from __future__ import annotations

import logging

# Logger → the lowest level it may log at. SQLAlchemy's engine logs statements at INFO (and
# keeps its namespace at WARNING unless told otherwise), so it stays at WARNING.
CONTENT_LOGGERS = {"slack_sdk": logging.INFO, "slack_bolt": logging.INFO, "msrest": logging.INFO,
                   "botbuilder": logging.INFO, "botframework": logging.INFO, "aiosqlite": logging.INFO,
                   "aiohttp.client": logging.INFO, "urllib3": logging.INFO,
                   "sqlalchemy.engine": logging.WARNING, "sqlalchemy.pool": logging.WARNING}
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_verbose = False


class ContentLoggersFilter(logging.Filter):
    """Drops records of the libraries that log request and response bodies below their floor."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, floor in CONTENT_LOGGERS.items():
            if record.name == name or record.name.startswith(name + "."):
                return record.levelno >= floor
        return True


def configure_logging(*, verbose: bool) -> None:
    """At start: DEBUG with `--verbose`, else INFO until app.yaml's `log_level` is read."""
    global _verbose
    _verbose = verbose
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format=FORMAT)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ContentLoggersFilter) for f in handler.filters):
            handler.addFilter(ContentLoggersFilter())
    set_level(logging.DEBUG if verbose else logging.INFO)
    # Library chatter ("Context impl SQLiteImpl", "Added job …", "Scheduler started") is noise
    # for people running a command; --verbose shows it.
    for name in ("alembic", "apscheduler"):
        logging.getLogger(name).setLevel(logging.NOTSET if verbose else logging.WARNING)


def apply_configured_level(level: str) -> None:
    """app.yaml `log_level` (DEBUG, INFO, WARNING, ERROR); `--verbose` wins over it."""
    if not _verbose:
        set_level(logging.getLevelName(level))


def set_level(level: int) -> None:
    logging.getLogger().setLevel(level)
    for name, floor in CONTENT_LOGGERS.items():
        logging.getLogger(name).setLevel(max(level, floor))
