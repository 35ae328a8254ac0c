"""The OutcomeBot process: CLI, configuration, HTTP server, router, handlers and adapters."""

# The chat platform registry is filled in whenever bot/ is imported, so every entry point
# (serve, tick, chat, tests) sees the same platforms (bot/platforms.py).
import bot.platforms  # noqa: E402,F401
