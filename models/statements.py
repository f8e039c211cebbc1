"""Statements built once and executed with parameters, for the paths every update takes.

SQLAlchemy caches the compiled SQL of a statement by a key it derives from the statement's
structure; a statement built anew on each call is walked again to find that key, and values put in
the statement itself (rather than passed as parameters) are walked too. The statements here are
built at import, so each execution only binds its parameters.

`Prepared` goes one step further for the handful of statements that every update runs. SQLAlchemy's
execution path (the ORM session, an execution context, a result object, a greenlet for each call)
costs 0.3-0.6 ms of CPU per statement, where the driver needs 0.05 ms (SQLite) to 0.2 ms
(PostgreSQL, the round trip included): with four statements an update, that was half of the bot's
CPU. A `Prepared` statement is compiled by SQLAlchemy, once per backend, with SQLAlchemy's own
conversions of each parameter; each execution then hands SQL and values to the driver's connection
of the session's transaction, and turns the driver's errors into SQLAlchemy's, as its execution
path would (a dead connection is invalidated and reported by `DBAPIError.connection_invalidated`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NoReturn, TypeVar, cast

from sqlalchemy import Table, bindparam, inspect
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Mapper, make_transient_to_detached
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter

S = TypeVar("S")
M = TypeVar("M")

Insert = Callable[[Table], Any]
"""`insert` of one dialect: PostgreSQL's and SQLite's both know ON CONFLICT, each in its own construct."""
_INSERTS: dict[str, Insert] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class PerDialect(Generic[S]):
    """A statement built once for each backend, chosen by the session's."""

    def __init__(self, build: Callable[[Insert], S]) -> None:
        self.statements = {name: build(insert) for name, insert in _INSERTS.items()}

    def __call__(self, session: AsyncSession) -> S:
        """The statement for the session's backend."""
        return self.statements[session.get_bind().dialect.name]


def table_of(model: Any) -> Table:
    """The Core table of a SQLModel class (Core statements on it skip the ORM's bookkeeping)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def bound(*names: str) -> dict[str, BindParameter[Any]]:
    """`{name: bindparam(name)}` for the columns an INSERT or UPDATE writes (`.values(bound(...))`)."""
    return {name: bindparam(name) for name in names}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a prepared statement did: the rows it changed, and the rows it returned."""

    rowcount: int
    rows: Sequence[tuple[Any, ...]]

    def scalar(self) -> Any:
        """The first column of the first row, or None."""
        return self.rows[0][0] if self.rows else None


Converter = Callable[[Any], Any] | None


class _Compiled:
    """One statement's SQL for one backend, with the order and conversions of its values."""

    __slots__ = ("dialect", "from_driver", "given", "names", "sql", "to_driver", "types")

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=[]))
        if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
            raise ValueError("a prepared statement must give every column it writes (Python-side defaults "
                             "are applied by SQLAlchemy's execution path)")
        binds = compiled.binds
        self.sql: str = compiled.string
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        # values written in the statement itself (a LIMIT, say) rather than given with each call
        self.given = {name: binds[name].value for name in self.names if not binds[name].required}
        self.to_driver: tuple[Converter, ...] = tuple(
            binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in self.names)
        # what the rows will hold, as SQLAlchemy's result objects read it: the columns of a SELECT or
        # RETURNING, including the primary key an INSERT returns implicitly (PostgreSQL, SQLite)
        self.types = [entry.type for entry in compiled._result_columns]
        self.dialect = dialect
        self.from_driver: tuple[Converter, ...] | None = None

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        given = self.given
        values = [params[name] if name in params or name not in given else given[name] for name in self.names]
        return [value if convert is None else convert(value)
                for value, convert in zip(values, self.to_driver, strict=True)]

    def rows(self, raw: Sequence[Sequence[Any]], types: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Rows as Python values; `types` are the driver's type codes of the columns, which some
        conversions need (PostgreSQL's NUMERIC comes as Decimal or float depending on them)."""
        if self.from_driver is None:
            dialect = self.dialect
            self.from_driver = tuple(kind.dialect_impl(dialect).result_processor(dialect, code)
                                     for kind, code in zip(self.types, types or [None] * len(self.types),
                                                           strict=True))
        converters = self.from_driver
        if not any(converters):
            return [tuple(row) for row in raw]
        return [tuple(value if convert is None else convert(value)
                      for value, convert in zip(row, converters, strict=True)) for row in raw]


class Prepared:
    """A Core statement that runs on the driver's connection of the session's transaction (see above).

    Built like `PerDialect`, from a function of the dialect's `insert`, once, at import (for the
    `dialects` named: a statement only PostgreSQL knows is built for it alone); compiled with
    the engine's own dialect at first use or by `prepare_all`. An INSERT or UPDATE names the columns it
    writes with `bound()`; the result is an `Outcome` (rows changed, rows returned by RETURNING or
    SELECT, converted to Python values as SQLAlchemy would). ORM objects loaded in the session do not
    see what it changed.
    """

    def __init__(self, build: Callable[[Insert], ClauseElement],
                 dialects: Sequence[str] = ("postgresql", "sqlite")) -> None:
        self.statements = {name: build(_INSERTS[name]) for name in dialects}
        self._compiled: dict[str, _Compiled] = {}
        _ALL.append(self)

    def compiled(self, dialect: Dialect) -> _Compiled:
        """The statement compiled for this dialect (and driver)."""
        key = f"{dialect.name}+{dialect.driver}"
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _Compiled(self.statements[dialect.name], dialect)
        return found

    async def run(self, session: AsyncSession, params: Mapping[str, Any]) -> Outcome:
        """Execute in the session's transaction (begun if it was not)."""
        connection, adapted = await _driver_connection(session)
        dialect = connection.dialect
        compiled = self.compiled(dialect)
        arguments = compiled.arguments(params)
        driver = _DRIVERS[dialect.driver]
        try:
            rowcount, rows, types = await driver(adapted, compiled.sql, arguments)
        except dialect.loaded_dbapi.Error as error:
            await connection.run_sync(_report, error, compiled.sql, arguments)
            raise  # not reached: _report raises
        return Outcome(rowcount, compiled.rows(rows, types) if rows else [])


_ALL: list[Prepared] = []
"""Every prepared statement, for `prepare_all`."""
_HELD = "p2c.driver_connection"


def _report(connection: Connection, error: Exception, sql: str, arguments: list[Any]) -> NoReturn:
    """Raise the driver's error as SQLAlchemy's execution path does, with what it does on the way: a lost
    connection is invalidated, with every connection of the pool opened before it, and reported as such."""
    connection._handle_dbapi_exception(error, sql, arguments, None, None)


async def _driver_connection(session: AsyncSession) -> tuple[AsyncConnection, Any]:
    """The session's connection and the DBAPI connection under it, remembered until the transaction ends."""
    held: tuple[AsyncConnection, Any] | None = session.info.get(_HELD)
    if held is not None and not (held[0].closed or held[0].invalidated):
        return held
    connection = await session.connection()  # begins the session's transaction if need be
    held = connection, (await connection.get_raw_connection()).dbapi_connection
    session.info[_HELD] = held
    return held


def loaded(session: AsyncSession, model: type[M], values: Sequence[Any]) -> M:
    """The object of `model` for the values of its table's columns (in order) read by a prepared statement,
    in the session as if the ORM had loaded it: changes to it are flushed as UPDATEs."""
    keys = _attributes(model)
    known = session.identity_map.get(identity_key(model, values[keys.index("id")]))
    if known is not None:  # loaded before in this session: the ORM, too, keeps the object it has
        found: M = known
        return found
    instance: M = inspect(model).class_manager.new_instance()
    instance.__dict__.update(zip(keys, values, strict=True))
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


def _attributes(model: type) -> tuple[str, ...]:
    """The model's attribute for each column of its table, in the table's order."""
    keys = _ATTRIBUTES.get(model)
    if keys is None:
        mapper: Mapper[Any] = inspect(model)
        keys = _ATTRIBUTES[model] = tuple(mapper.get_property_by_column(column).key for column in mapper.local_table.c)
    return keys


_ATTRIBUTES: dict[type, tuple[str, ...]] = {}


class ByKey(Prepared, Generic[M]):
    """`session.get` of one model by a prepared statement (declared once per model, at import)."""

    def __init__(self, model: type[M]) -> None:
        table = table_of(model)
        (primary,) = table.primary_key.columns
        super().__init__(lambda _: core_select(table).where(primary == bindparam("key")))
        self.model = model

    async def get(self, session: AsyncSession, key: int) -> M | None:
        """The object already in the session, else its row read and loaded; None when there is none."""
        known = session.identity_map.get(identity_key(self.model, key))
        if known is not None:
            found: M = known
            return found
        rows = (await self.run(session, {"key": key})).rows
        return loaded(session, self.model, rows[0]) if rows else None


class Adding(Prepared, Generic[M]):
    """Inserting new objects of one model by a prepared statement (declared once per model, at import)."""

    def __init__(self, model: type[M]) -> None:
        table = table_of(model)
        self.written = [(column.key, key) for column, key in zip(table.c, _attributes(model), strict=True)
                        if not column.primary_key]
        columns = [column for column, _ in self.written]
        super().__init__(lambda insert: insert(table).values(bound(*columns)).returning(*table.primary_key.columns))

    async def add(self, session: AsyncSession, instance: M) -> None:
        """Insert the object's row at once, its id set from RETURNING. The object stays out of the session:
        for rows written once per update (a new pledge, an audit row), which nothing changes after."""
        outcome = await self.run(session, {column: getattr(instance, key) for column, key in self.written})
        instance.id = outcome.scalar()  # type: ignore[attr-defined]


async def prepare_all(connection: AsyncConnection) -> None:
    """Compile every prepared statement for this connection's backend and, on PostgreSQL, have the server
    prepare each on this connection, so that the first people after a start wait for neither."""
    dialect = connection.dialect
    compiled = [statement.compiled(dialect) for statement in _ALL if dialect.name in statement.statements]
    if dialect.driver == "asyncpg":
        adapted: Any = (await connection.get_raw_connection()).dbapi_connection
        for each in compiled:
            await adapted._prepare(each.sql, 0)  # what its cursor does on first use of a statement


Driven = tuple[int, Sequence[Sequence[Any]], Sequence[Any]]
"""Rows changed, rows returned, and the driver's type code of each column returned."""


async def _on_asyncpg(adapted: Any, sql: str, arguments: list[Any]) -> Driven:
    # SQLAlchemy's asyncpg cursor, without the DBAPI facade around it: it begins the transaction when
    # none is open, reuses the connection's prepared statements, and raises the dialect's DBAPI errors
    cursor = adapted.cursor()
    await cursor._prepare_and_execute(sql, arguments)
    return cursor.rowcount, cursor._rows, [column[1] for column in cursor.description or ()]


async def _on_sqlite(adapted: Any, sql: str, arguments: list[Any]) -> Driven:
    run_now = adapted.driver_connection.run_now  # models.database.InlineSQLite, as Database opens them
    rowcount, rows = run_now(sql, arguments)
    return rowcount, rows, ()  # sqlite3 knows no column types


_DRIVERS: dict[str, Callable[[Any, str, list[Any]], Awaitable[Driven]]] = {"asyncpg": _on_asyncpg,
                                                                          "aiosqlite": _on_sqlite}
