"""Persistence: SQLModel tables, the engine, repositories, migrations and importers.

This package imports none of bot/, cadences/ or messages/.
"""
