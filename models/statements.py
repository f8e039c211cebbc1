"""Statements built once and executed with parameters, for the paths every update takes.

SQLAlchemy caches the compiled SQL of a statement by a key it derives from the statement's
structure; a statement built anew on each call is walked again to find that key, and values put in
the statement itself (rather than passed as parameters) are walked too. The statements here are
built at import, so each execution only binds its parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

S = TypeVar("S")

Insert = Callable[[Table], Any]
"""`insert` of one dialect: PostgreSQL's and SQLite's both know ON CONFLICT, each in its own construct."""


class PerDialect(Generic[S]):
    """A statement built once for each backend, chosen by the session's."""

    def __init__(self, build: Callable[[Insert], S]) -> None:
        self.statements = {"postgresql": build(postgresql.insert), "sqlite": build(sqlite.insert)}

    def __call__(self, session: AsyncSession) -> S:
        """The statement for the session's backend."""
        return self.statements[session.get_bind().dialect.name]


def table_of(model: Any) -> Table:
    """The Core table of a SQLModel class (Core statements on it skip the ORM's bookkeeping)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
