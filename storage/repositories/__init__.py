"""Queries and writes the handlers need, one module per part of the domain (no SQL in handlers).

Every function takes an open `AsyncSession` and never commits: the caller owns the transaction
(`Database.transaction()`), so a command's reads and writes succeed or fail together.
"""
