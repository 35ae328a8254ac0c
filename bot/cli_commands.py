"""Imports every command module so each can register on `bot.cli.app`; one line per module."""
