"""The database: async engine, sessions and the unit of work that commits or rolls back."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, Self

import aiosqlite
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from models.statements import prepare_all


def normalize_url(url: str) -> str:
    """Return the URL with an async driver (sqlite → aiosqlite, postgresql → asyncpg)."""
    parsed = make_url(url)
    driver = parsed.drivername
    if driver in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif driver in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    """True when the URL points at an embedded SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers proceed while one writer commits; foreign keys are off by default in SQLite."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


UPDATES_AT_ONCE = 12
"""Updates one process handles at the same time (each holds a connection for its transaction); others wait
their turn in memory (bot.app.App.on_incoming)."""
POOL_SIZE = UPDATES_AT_ONCE + 4
"""PostgreSQL connections kept open per process: the updates', the scheduler's lock, delivery's claims and
records, and one to spare. A pool smaller than what runs at once opens and closes a connection (a server
process) for each update beyond it, at the busiest moments: that was most of PostgreSQL's worst latencies."""


class _RunNow:
    """Stands in for aiosqlite's queue to its worker thread: each call runs as it is queued."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # handed to the awaiting caller, as aiosqlite's thread does
            if future is not None and not future.done():
                future.set_exception(error)
        else:
            if future is not None and not future.done():
                future.set_result(result)


class InlineSQLite(aiosqlite.Connection):
    """aiosqlite's connection, running each call in the event loop's thread instead of a worker thread.

    A statement on a local SQLite file takes microseconds; handing it to a thread and back (a queue,
    two thread switches, a wake-up of the event loop) costs more than the statement, and SQLAlchemy
    makes several such calls per statement. The price: a long statement, or SQLite waiting for
    another process's write lock (busy_timeout), holds the event loop for that time. Deployments
    large enough for that to matter run on PostgreSQL.
    """

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    def run_now(self, sql: str, arguments: Sequence[Any]) -> tuple[int, list[Any]]:
        """Execute one statement at once on the sqlite3 connection: rows changed and rows returned."""
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        cursor = self._connection.execute(sql, arguments)
        try:
            rows = cursor.fetchall()
            return cursor.rowcount, rows
        finally:
            cursor.close()

    def __await__(self) -> Any:
        return self._connect().__await__()  # no worker thread to start

    async def _connect(self) -> InlineSQLite:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def stop(self) -> None:
        """Close at once (what aiosqlite does by stopping its thread)."""
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def inline_sqlite(url: str) -> Callable[[], Awaitable[InlineSQLite]]:
    """SQLAlchemy's `async_creator` for an SQLite URL, with the arguments its aiosqlite dialect would use."""
    args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    open_file: Callable[..., sqlite3.Connection] = sqlite3.connect

    async def connect() -> InlineSQLite:
        connection: InlineSQLite = await InlineSQLite(lambda: open_file(*args, **kwargs))
        return connection

    return connect


class Database:
    """Owns the engine and hands out units of work; created once in build_app."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalize_url(url)
        kwargs: dict[str, Any] = {"echo": echo}
        if is_sqlite(self.url):
            # SQLite has one writer at a time; queueing on one connection in asyncio is fair and fast,
            # where several connections would sleep in SQLite's busy handler (tens of milliseconds).
            kwargs.update(pool_size=1, max_overflow=0, pool_timeout=60, async_creator=inline_sqlite(self.url))
        else:
            # No ping before each use (it cost ~0.4 ms of CPU per transaction, a third of a small
            # one): a connection found dead fails its transaction, the pool replaces every older
            # connection, and the caller handles the update again (bot.app.handle_reconnecting).
            kwargs.update(pool_size=POOL_SIZE, max_overflow=20, pool_recycle=1800)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if is_sqlite(self.url):
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, class_=AsyncSession)

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite backend."""
        return is_sqlite(self.url)

    async def open_pool(self) -> None:
        """Open the pool's connections now, with the hot-path statements compiled and (on PostgreSQL)
        prepared on each, so the first updates after a start wait neither for a connection of their own
        nor for their statements."""
        held = [await self.engine.connect() for _ in range(1 if self.is_sqlite else POOL_SIZE)]
        for connection in held:
            await prepare_all(connection)
            await connection.close()  # back to the pool, still open

    def uow(self) -> UnitOfWork:
        """Return a new unit of work."""
        return UnitOfWork(self)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


class UnitOfWork:
    """`async with uow:` opens a session; it rolls back unless commit() was called."""

    session: AsyncSession

    def __init__(self, database: Database) -> None:
        self.database = database

    async def __aenter__(self) -> Self:
        self.session = self.database.sessions()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() rolls back whatever was not committed, and leaves loaded objects readable (detached).
        await self.session.close()

    async def commit(self) -> None:
        """Make the work of this unit durable."""
        await self.session.commit()

    async def flush(self) -> None:
        """Send pending changes so generated ids are known."""
        await self.session.flush()
