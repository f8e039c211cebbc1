"""What the repositories share: the Core table of a model, and statements that differ by backend."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from models.session import Session

S = TypeVar("S")

Insert = Callable[[Table], Any]
"""`insert` of one dialect: PostgreSQL's and SQLite's both know ON CONFLICT, each in its own construct."""
INSERTS: dict[str, Insert] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class InsertedMeanwhileError(Exception):
    """Another transaction inserted the same unique row since this one looked for it (two people registering one
    organisation at once, on PostgreSQL): the update is handled again, and then finds that row."""


def table_of(model: Any) -> Table:
    """The Core table of a SQLModel class (Core statements on it skip the ORM's bookkeeping)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def dialect_of(session: Session) -> str:
    """The name of the session's backend: "postgresql" or "sqlite"."""
    return session.get_bind().dialect.name


def among(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """`column IN values`. On PostgreSQL one array parameter (`column = ANY($1)`): an IN list renders and binds one
    parameter a value at every execution, which for planning's lists of hundreds of ids cost more than the server's
    work; PostgreSQL plans the two alike. SQLite has no arrays: callers keep their lists under its limit of bound
    parameters."""
    if dialect_of(session) == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(list(values))


def listed(value: Any) -> Sequence[str]:
    """A JSON list column's items (a JSON text, as PostgreSQL's driver may hand it over; None: none)."""
    if isinstance(value, str):
        value = json.loads(value)
    return value or ()


def json_items(session: Session, column: Any) -> Any:
    """The items of a JSON list column as a table-valued function with a `value` column (one row each)."""
    if dialect_of(session) == "postgresql":
        return sa.func.json_array_elements_text(column).table_valued("value").alias("item")
    return sa.func.json_each(column).table_valued("value").alias("item")


class PerDialect(Generic[S]):
    """A statement built once for each backend that knows it (at import), chosen by the session's backend."""

    def __init__(self, build: Callable[[Insert], S], dialects: tuple[str, ...] = ("postgresql", "sqlite")) -> None:
        self.statements = {name: build(INSERTS[name]) for name in dialects}

    def __call__(self, session: Session) -> S:
        """The statement for the session's backend."""
        return self.statements[dialect_of(session)]
