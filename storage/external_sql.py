"""One number from somebody else's database: the `sql` pull source.

Synchronous SQLAlchemy (run it in a thread): any database the deployment has a driver for
(`sqlite:///…`, `postgresql+psycopg://…`, `mysql+pymysql://…`). A fresh engine per fetch,
disposed afterwards: fetches are hourly, and no connection is held between them.
"""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError


class ExternalQueryError(Exception):
    """The query could not give a number; the message is safe to show (no password)."""


def scalar_from(url: str, query: str, *, timeout_seconds: float = 30) -> object:
    """The first column of the first row `query` returns."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ExternalQueryError("the url is not a database URL like postgresql+psycopg://user@host/db") from None
    connect_args = {"timeout": timeout_seconds} if parsed.get_backend_name() == "sqlite" else {}
    try:
        engine = create_engine(parsed, connect_args=connect_args, hide_parameters=True, pool_pre_ping=False)
    except (NoSuchModuleError, ImportError) as exc:
        raise ExternalQueryError(f"no driver for {parsed.drivername} is installed ({type(exc).__name__}); "
                                 "install one, e.g. pip install psycopg[binary]") from None
    try:
        with engine.connect() as connection:
            row = connection.execute(text(query)).first()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).strip().splitlines()[0]
        raise ExternalQueryError(f"the query failed: {reason}") from None
    finally:
        engine.dispose()
    if row is None:
        raise ExternalQueryError("the query returned no rows")
    return row[0]
