"""The database: async engine, sessions and the unit of work that commits or rolls back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import AsyncAdaptedQueuePool

from models.session import Session as Session  # journeys and repositories take it from here
from models.sqlite_thread import DatabaseThread, ThreadSession

T = TypeVar("T")


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


def missing_folder(url: str) -> Path | None:
    """The folder of an SQLite file URL when it does not exist (SQLite creates a file, never its folder)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    folder = Path(str(parsed.database)).parent
    return None if folder.is_dir() else folder


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers proceed while one writer commits; foreign keys are off by default in SQLite."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _end_transaction(dbapi_connection: Any, _record: Any) -> None:
    """A connection goes back to the pool outside any transaction. SQLite leaves a transaction open when its
    COMMIT fails (a deferred foreign key, say) while SQLAlchemy counts it as ended: without this, the next unit of
    work would run inside it, see what failed and commit it. (A connection ended normally is not in one: no cost.)"""
    if dbapi_connection is not None and dbapi_connection.in_transaction:
        dbapi_connection.rollback()


UPDATES_AT_ONCE = 12
"""Updates one process handles at the same time (each holds a connection for its transaction); others wait
their turn in memory (bot.app.App.on_incoming)."""
POOL_SIZE = UPDATES_AT_ONCE + 4
"""PostgreSQL connections kept open per process: the updates', the scheduler's lock, delivery's claims and
records, and one to spare. A pool smaller than what runs at once opens and closes a connection (a server
process) for each update beyond it, at the busiest moments: that was most of PostgreSQL's worst latencies."""


REHEARSAL_LOCK_WAIT = "500ms"
REHEARSAL_STATEMENT = "5s"
"""PostgreSQL's limits on the start-up rehearsal (Database.rehearse): how long it waits for a lock, how long a
statement of it runs."""

PREPARED_STATEMENTS = 256
"""Statements asyncpg keeps prepared on each PostgreSQL connection (SQLAlchemy's asyncpg dialect drives this
cache: a statement seen before on a connection is executed without being parsed and planned again). The
bot runs a few dozen distinct statements; the default of 100 would do, the margin is for the scheduler's."""


INSTANCE = "p2c.instance"
"""Key of a session's `info` holding the instance's identity (rows it takes for sending carry it)."""


def passing_identity() -> str:
    """An identity no other process shares, and that this one loses when it stops: host, process id, random."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def unique_statement_name() -> str:
    """A prepared statement's name no other client of a PgBouncer can have used on the same server connection."""
    return f"__asyncpg_{uuid.uuid4().hex}__"


PGBOUNCER_CONNECT_ARGS: dict[str, Any] = {"statement_cache_size": 0, "prepared_statement_cache_size": 0,
                                          "prepared_statement_name_func": unique_statement_name}
"""Behind PgBouncer in transaction mode, consecutive transactions of one connection may run on different
server connections: no statement may stay prepared between them (asyncpg's and SQLAlchemy's caches off),
and the statements asyncpg prepares within one get names unique to them (SQLAlchemy's documented settings
for PgBouncer). Every statement is then parsed and planned each time it runs."""


KEEPALIVES = {"tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "3"}
"""PostgreSQL probes an idle connection after 10 s and drops it after three unanswered probes: an instance whose
host died or was cut off loses its session (and the scheduler's advisory lock with it) within about 25 s, not
after the system's default of two hours. (Not sent through PgBouncer, which refuses unknown start-up settings.)"""


def create_private(path: str | None) -> None:
    """Create an SQLite file that does not exist yet readable by its owner alone (0600): SQLite would create it 0644
    with the usual umask, and it holds people's names and words (an operator found it world-readable while backups
    and exports are 0600). Its -wal and -shm files take its permissions. An empty file is an empty database; an
    existing file and a folder that does not exist (said at start, bot.app.until_database) are left alone."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    with contextlib.suppress(OSError):  # there already, no such folder, not allowed: SQLite says what it finds
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


class Database:
    """Owns the engine and hands out units of work; created once in build_app."""

    def __init__(self, url: str, *, echo: bool = False, instance: str | None = None, pgbouncer: bool = False,
                 election_url: str | None = None) -> None:
        self.url = normalize_url(url)
        self._sqlite = is_sqlite(self.url)  # asked for every pushed reply (delivery): the URL parsed once
        if self._sqlite:
            create_private(make_url(self.url).database)
        self.instance = instance or passing_identity()
        """Who this process is, for the outbox rows it takes: stable across restarts only when configured."""
        # a failing statement's log line and exception show its SQL, never its values: they hold what
        # people wrote (a pledge's description, a name)
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True,
                                  # every user of a connection ends its transaction (a unit of work commits or
                                  # rolls back as it closes; a Connection rolls back as it closes): a ROLLBACK
                                  # on the way back to the pool would be a round trip (SQLite: a hop to
                                  # aiosqlite's thread) per transaction, finding nothing to undo
                                  "pool_reset_on_return": None}
        if self._sqlite:
            # Units of work use the SQLite file through `thread_engine` (below). This async engine serves what
            # takes a connection of its own, briefly: migrations, the readiness probe, tests' set-up.
            # (named: SQLAlchemy 2.0 gives a file database no pool by default, 2.1 a queue pool)
            kwargs.update(poolclass=AsyncAdaptedQueuePool, pool_size=1, max_overflow=0, pool_timeout=60)
        else:
            # No ping before each use (it cost ~0.4 ms of CPU per transaction, a third of a small
            # one): a connection found dead fails its transaction, the pool replaces every older
            # connection, and the caller handles the update again (bot.app.handle_retrying).
            kwargs.update(pool_size=POOL_SIZE, max_overflow=20, pool_recycle=1800,
                          connect_args=dict(PGBOUNCER_CONNECT_ARGS) if pgbouncer
                          else {"prepared_statement_cache_size": PREPARED_STATEMENTS,
                                "server_settings": KEEPALIVES})
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        self.election: AsyncEngine = self.engine
        """Where the scheduler's advisory lock is taken (bot.scheduler): a session-level lock needs a connection
        of its own to the server, which PgBouncer in transaction mode does not give (P2C_ELECTION_DATABASE_URL)."""
        if election_url is not None and not self._sqlite:
            self.election = create_async_engine(normalize_url(election_url), hide_parameters=True, pool_size=1,
                                                max_overflow=1, pool_recycle=1800,
                                                connect_args={"server_settings": KEEPALIVES})
        self.thread: DatabaseThread | None = None
        """SQLite's own thread (models.sqlite_thread): every unit of work uses the file there, one at a time."""
        self.gate = asyncio.Lock()
        """Held by the SQLite session that has the thread's connection; the others wait for it in turn."""
        if self._sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            # aiosqlite logs every call with its arguments at DEBUG: never what people wrote, whatever the level
            logging.getLogger("aiosqlite").setLevel(logging.INFO)
            # one connection, used only in `thread` (so sqlite3's same-thread check has nothing to add)
            self.thread_engine = create_engine(
                make_url(self.url).set(drivername="sqlite+pysqlite"), hide_parameters=True, echo=echo,
                pool_size=1, max_overflow=0, pool_timeout=60, pool_reset_on_return=None,
                connect_args={"check_same_thread": False})
            event.listen(self.thread_engine, "connect", _sqlite_pragmas)
            event.listen(self.thread_engine, "checkin", _end_transaction)
            self.thread_sessions = sessionmaker(self.thread_engine, expire_on_commit=False)
            self.thread = DatabaseThread()
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, class_=AsyncSession)

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite backend."""
        return self._sqlite

    async def open_pool(self) -> None:
        """Open the pool's connections now, so the first updates after a start do not each wait for one."""
        if self.thread is not None:
            async with self.gate:  # the one connection may be in use already (a start after an outage, say)
                await self.thread.call(lambda: self.thread_engine.connect().close())  # back to the pool, still open
            return
        held = [await self.engine.connect() for _ in range(POOL_SIZE)]
        for connection in held:
            await connection.close()  # back to the pool, still open

    @contextlib.asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A pooled PostgreSQL connection whose statements each stand alone (SQLAlchemy's AUTOCOMMIT isolation level):
        no BEGIN before them, no ROLLBACK after, two round trips fewer than a unit of work around a single read. A lone
        statement sees what was committed when it began, as the first statement of a transaction would. Not on SQLite,
        whose units of work share one connection in its own thread."""
        if self.thread is not None:
            raise RuntimeError("an autocommit connection is for PostgreSQL only")
        async with self.engine.connect() as connection:
            yield await connection.execution_options(isolation_level="AUTOCOMMIT")

    def uow(self) -> UnitOfWork:
        """Return a new unit of work, for `async with` on the event loop."""
        return UnitOfWork(self)

    async def whole(self, work: Callable[[UnitOfWork], Coroutine[Any, Any, T]]) -> T:
        """`await work(uow)` for a unit of work that awaits nothing but its session (handling an update).

        On SQLite it runs from start to end in the database thread, with one hand-over in all
        (models.sqlite_thread); on PostgreSQL it runs here. `work` must not await anything else:
        on SQLite that raises `AwaitedOutsideDatabase`.
        """
        if self.thread is None:
            return await work(self.uow())
        # a cancelled caller stops waiting, not the work: it ends in the thread before the next one starts
        return await self.thread.whole(lambda: work(UnitOfWork(self, inside_thread=True)), self.gate)

    async def rehearse(self, work: Callable[[Callable[[], UnitOfWork]], Coroutine[Any, Any, T]]) -> T:
        """`await work(units)`, where every unit of work that `units()` gives shares one transaction, rolled back at
        the end: their commit() only flushes. Nothing is written. bot.rehearsal runs the journeys so at start, for
        SQLAlchemy to compile their statements before the first people wait for it. As under `whole`, `work`
        awaits nothing but the session.

        Its transaction keeps every lock it takes until the end, which real units of work may be waiting for (on
        PostgreSQL, another instance serving): there, a lock not had within REHEARSAL_LOCK_WAIT, or a statement
        running longer than REHEARSAL_STATEMENT, fails the rehearsal instead of making anyone wait (on SQLite, the
        file's busy timeout bounds a wait)."""
        async def dry(outer: UnitOfWork) -> T:
            async with outer:  # closing its session at the end rolls everything back
                if not self.is_sqlite:
                    await outer.session.execute(text(f"SET LOCAL lock_timeout = '{REHEARSAL_LOCK_WAIT}'"))
                    await outer.session.execute(text(f"SET LOCAL statement_timeout = '{REHEARSAL_STATEMENT}'"))
                return await work(lambda: _Rehearsed(outer))
        return await self.whole(dry)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        if self.thread is not None:
            async with self.gate:
                await self.thread.call(self.thread_engine.dispose)
                self.thread.stop()
        await self.engine.dispose()
        if self.election is not self.engine:
            await self.election.dispose()


class UnitOfWork:
    """`async with uow:` opens a session; it rolls back unless commit() was called.

    On SQLite its session takes `Database.gate` while it uses the database (models.sqlite_thread.ThreadSession);
    inside the thread, under `Database.whole`, the gate is held for it.
    """

    session: Session

    def __init__(self, database: Database, *, inside_thread: bool = False) -> None:
        self.database = database
        self.inside_thread = inside_thread

    async def __aenter__(self) -> Self:
        database = self.database
        if database.thread is None:
            self.session = database.sessions()
        elif self.inside_thread:
            self.session = ThreadSession(database.thread_sessions(), None)
        else:
            self.session = ThreadSession(database.thread_sessions(), database.thread, database.gate)
        self.session.info[INSTANCE] = database.instance
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


class _Rehearsed(UnitOfWork):
    """A unit of work inside `Database.rehearse`: on the rehearsal's session, already open; commit() flushes and lets
    go of the loaded objects, as a session closed after its commit would have, but commits nothing."""

    def __init__(self, outer: UnitOfWork) -> None:
        super().__init__(outer.database, inside_thread=outer.inside_thread)
        self.session = outer.session

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.session.expunge_all()  # the rehearsal's transaction ends with the rehearsal; the objects go, as on close

    async def commit(self) -> None:
        """Flush, and forget the objects loaded so far (the next unit of work reads them again)."""
        await self.session.flush()
        self.session.expunge_all()
