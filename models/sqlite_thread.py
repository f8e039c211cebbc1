"""SQLite in a thread of its own: the event loop never waits for SQLite, and an update costs one hand-over.

Every use of the SQLite file goes through one thread (`DatabaseThread`) holding one sqlite3 connection
(SQLite has one writer at a time: updates queue for that thread fairly in asyncio, where several connections
would sleep in SQLite's busy handler). A busy wait or a commit's fsync holds that thread, never the event loop.

A unit of work is used in one of two ways (models.database.UnitOfWork):
- **whole**: a coroutine that does only database work (handling an update: `Database.whole`) runs from start to
  end in the database thread; its session calls SQLAlchemy's synchronous `Session` directly. One hand-over per
  unit of work, where an async driver (aiosqlite) hands every call over (a cursor, its statement, its rows, its
  closing: about 15 per update, which was a quarter of the bot's CPU).
- **from the event loop**: `async with database.uow()` code, which may await other things between statements,
  hands each session call over to the thread and gets its rows back already read.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, CursorResult, Engine, Executable, Result, Row
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session as SyncSession

from models.session import AnyRows, Params

T = TypeVar("T")

GATE_TIMEOUT = 60.0
"""Seconds a session waits for the connection before giving up, as a pool's `pool_timeout` (the error is the
pool's, which the bot treats as the database being busy)."""


class AwaitedOutsideDatabase(RuntimeError):
    """A unit of work run whole in the database thread awaited something other than its session."""


class DatabaseThread:
    """The one thread that uses the SQLite connection; calls run in the order they were handed over.

    It starts with the first call and ends when the Database is disposed (a later call starts it again).
    """

    def __init__(self) -> None:
        self.executor: ThreadPoolExecutor | None = None
        self.queued: list[_Unit[Any]] = []
        """Units of work run whole waiting for the next batch to go over (`whole`)."""
        self.batches: set[asyncio.Task[None]] = set()

    async def call(self, function: Callable[[], T]) -> T:
        """Run `function` in the database thread and return what it returns (or raise what it raises), in the
        caller's context (its log lines name the update being handled)."""
        if self.executor is None:
            self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="p2c-sqlite")
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(self.executor, context.run, function)

    def stop(self) -> None:
        """Let the thread end once what was handed over is done (a later call starts another)."""
        if self.executor is not None:
            self.executor.shutdown(wait=False)
            self.executor = None

    async def whole(self, work: Callable[[], Coroutine[Any, Any, T]], gate: asyncio.Lock) -> T:
        """Make and run a coroutine that awaits only a `ThreadSession`, in the database thread, from start to end
        (made there: a call cancelled before its turn leaves no coroutine behind, never awaited), once `gate` is
        free.

        The units that wait for the gate meanwhile go over with it, one hand-over for all: each runs to its end
        in its caller's context, one after another, in the order they came. Under load (a hundred people at
        once) the thread is woken for a batch of updates rather than for each, and the event loop once for their
        outcomes: a hand-over cost about a tenth of the bot's CPU per update. A caller cancelled before its
        unit's batch goes over leaves it undone; after, the unit still runs to its end (its transaction whole).
        """
        loop = asyncio.get_running_loop()
        unit: _Unit[T] = _Unit(work, loop.create_future(), contextvars.copy_context())
        self.queued.append(unit)
        if len(self.queued) == 1:  # the first to wait: its batch goes over when the gate is free
            batch = loop.create_task(self._hand_over(gate))
            self.batches.add(batch)
            batch.add_done_callback(self.batches.discard)
        return await unit.future

    async def _hand_over(self, gate: asyncio.Lock) -> None:
        units: list[_Unit[Any]] = []
        try:
            async with gate:
                units, self.queued = [unit for unit in self.queued if not unit.future.done()], []
                if units:
                    outcomes = await self.call(lambda: [unit.run() for unit in units])
                    for unit, (returned, value) in zip(units, outcomes, strict=True):
                        if unit.future.done():  # its caller was cancelled meanwhile
                            continue
                        if returned:
                            unit.future.set_result(value)
                        else:
                            unit.future.set_exception(value)
        except BaseException as error:  # the batch itself cancelled (the loop ending) or failed: nobody waits for ever
            if not units:  # cancelled before it went over: what it would have taken goes with it, and the next unit
                units, self.queued = self.queued, []  # to come is the first again (it starts a batch of its own)
            for unit in units:
                if unit.future.done():
                    continue
                if isinstance(error, Exception):
                    unit.future.set_exception(error)
                else:
                    unit.future.cancel()
            raise


class _Unit(Generic[T]):
    """A unit of work run whole, waiting for its batch (`DatabaseThread.whole`): the caller's context and future."""

    def __init__(self, work: Callable[[], Coroutine[Any, Any, T]], future: asyncio.Future[T],
                 context: contextvars.Context) -> None:
        self.work = work
        self.future = future
        self.context = context

    def run(self) -> tuple[bool, Any]:
        """In the database thread: run the unit to its end; whether it returned, and what (or what it raised)."""
        try:
            return True, self.context.run(lambda: drive(self.work()))
        except Exception as error:
            return False, error


def drive(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (its awaits all complete at once) to its end, in this thread."""
    try:
        awaited = work.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]  # the coroutine's own return value, typed T
    work.close()
    raise AwaitedOutsideDatabase(f"a unit of work run whole in the database thread awaited {awaited!r}")


class ThreadStreamed:
    """The rows of a streamed query, read in the database thread a part at a time (by `call`: its session's)."""

    def __init__(self, result: Result[*AnyRows], call: Callable[[Callable[[], Any]], Awaitable[Any]]) -> None:
        self.result = result
        self.call = call

    async def partitions(self, size: int | None = None) -> AsyncIterator[Sequence[Row[*AnyRows]]]:
        """The rows, `size` at a time."""
        parts: Iterator[Sequence[Row[*AnyRows]]] = self.result.partitions(size)
        while True:
            part = await self.call(partial(next, parts, None))
            if part is None:
                return
            yield part


def _read(result: Result[*AnyRows], read_rows: bool) -> Result[*AnyRows]:
    """The result with its rows read (when it has rows and `read_rows`), else as it is."""
    if not read_rows or (isinstance(result, CursorResult) and not result.returns_rows):
        return result
    return result.freeze()()


class ThreadSession:
    """A unit of work's session on SQLite (models.session.Session): SQLAlchemy's synchronous Session, whose
    calls are made directly inside the database thread (`thread` None) or handed over to it.

    Handed over, the session holds `gate` from its first use of the database until it commits or closes, as an
    AsyncSession holds a pooled connection: one session at a time uses the thread's connection, and a session
    opened but not using it (yet, or any more) keeps no one else waiting.
    """

    def __init__(self, session: SyncSession, thread: DatabaseThread | None, gate: asyncio.Lock | None = None) -> None:
        self.session = session
        self.thread = thread
        self.gate = gate
        self.holding = False

    @property
    def info(self) -> dict[Any, Any]:
        """Free-form data of this session."""
        return self.session.info

    async def _call(self, function: Callable[[], T]) -> T:
        if self.thread is None:
            return function()
        if not self.holding and self.gate is not None:
            try:
                async with asyncio.timeout(GATE_TIMEOUT):
                    await self.gate.acquire()
            except TimeoutError:
                raise PoolTimeout(f"no SQLite connection free after {GATE_TIMEOUT:.0f} s") from None
            self.holding = True
        return await self.thread.call(function)

    def _release(self) -> None:
        if self.holding and self.gate is not None:
            self.holding = False
            self.gate.release()

    async def execute(self, statement: Executable, params: Params = None) -> Result[*AnyRows]:
        """Run a statement.

        A change's RETURNING rows are read at once, here or handed over: sqlite3 counts the rows changed only
        as they are read, and a statement with rows left unread makes the COMMIT fail. Handed over, a query's
        rows are read in the thread too (sqlite3 steps through a query as its rows are fetched: fetching them
        on the event loop would run the query there). Either way they come back as a result with the same
        interface (scalars, mappings, one...). A change without rows stays as it is, with its row count.
        """
        if self.thread is None:
            return _read(self.session.execute(statement, params), statement.is_dml)
        return await self._call(lambda: _read(self.session.execute(statement, params), True))

    async def stream(self, statement: Executable, params: Params = None) -> ThreadStreamed:
        """Run a query whose rows are read a part at a time (its `yield_per` sets the parts' size)."""
        return ThreadStreamed(await self._call(partial(self.session.execute, statement, params)), self._call)

    async def get(self, entity: type[T], ident: Any, *, with_for_update: bool | None = None) -> T | None:
        """The object with this primary key, or None (SQLite locks the whole file for a writer: no row locks)."""
        return await self._call(partial(self.session.get, entity, ident, with_for_update=with_for_update))

    def add(self, instance: object) -> None:
        """Have the object inserted at the next flush (no database work now)."""
        self.session.add(instance)

    def add_all(self, instances: Iterable[object]) -> None:
        """Have the objects inserted at the next flush."""
        self.session.add_all(instances)

    @property
    def dirty(self) -> Any:
        """The loaded objects changed since they were read."""
        return self.session.dirty

    def expunge_all(self) -> None:
        """Forget every loaded object (no database work)."""
        self.session.expunge_all()

    async def flush(self) -> None:
        """Send pending changes."""
        await self._call(self.session.flush)

    async def refresh(self, instance: Any) -> None:
        """Read the object's columns again."""
        await self._call(partial(self.session.refresh, instance))

    async def commit(self) -> None:
        """Commit the transaction; the connection goes back (a later statement takes it again)."""
        await self._call(self.session.commit)
        self._release()

    async def close(self) -> None:
        """End the session, rolling back what was not committed, and give the connection back.

        Handed over, it runs even if the caller is cancelled meanwhile, and whatever the next session hands over
        runs after it (the thread runs calls in order): that session may have the gate at once.
        """
        if self.thread is None:
            self.session.close()
            return
        try:
            if self.holding:
                await asyncio.shield(self.thread.call(self.session.close))
            else:
                self.session.close()  # it holds no connection: nothing reaches the database
        finally:
            self._release()

    def get_bind(self) -> Engine | Connection:
        """The synchronous engine on the SQLite file."""
        return self.session.get_bind()
