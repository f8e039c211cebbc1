"""SQLite in its own thread (models.sqlite_thread): the event loop never waits for SQLite, units of work take
the one connection in turn, and a unit of work that fails or is cancelled gives it back."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from bot.logs import update_id_var
from models.clock import utcnow
from models.database import Database, UnitOfWork
from models.repositories.updates import ProcessedUpdates
from models.sqlite_thread import AwaitedOutsideDatabase
from models.tables import Contact, Draft, ProcessedUpdate


async def mark(uow: UnitOfWork, key: int) -> bool:
    async with uow:
        fresh = await ProcessedUpdates(uow.session).mark(key, utcnow())
        await uow.commit()
        return fresh


async def ticking(stop: asyncio.Event) -> int:
    ticks = 0
    while not stop.is_set():
        await asyncio.sleep(0.01)
        ticks += 1
    return ticks


async def test_a_write_lock_held_by_another_process_never_stops_the_event_loop(sqlite_database: Database,
                                                                              tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "p2c.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process (a CLI command, a backup) is writing
    threading.Timer(0.6, other.execute, ("COMMIT",)).start()
    stop = asyncio.Event()
    ticker = asyncio.create_task(ticking(stop))
    started = time.perf_counter()
    # it waits in SQLite's busy handler, in the database thread
    assert await sqlite_database.whole(lambda uow: mark(uow, 1))
    waited = time.perf_counter() - started
    stop.set()
    ticks = await ticker
    other.close()
    assert waited >= 0.5, "the write waited for the other writer"
    assert ticks >= 10, f"the event loop went on meanwhile ({ticks} ticks of 10 ms in {waited:.2f} s)"


async def test_a_unit_of_work_run_whole_may_await_only_its_session(sqlite_database: Database) -> None:
    async def strays(uow: UnitOfWork) -> None:
        async with uow:
            await ProcessedUpdates(uow.session).mark(2, utcnow())
            await asyncio.sleep(0)  # not the database: refused, and what it did is rolled back

    with pytest.raises(AwaitedOutsideDatabase):
        await sqlite_database.whole(strays)
    assert await sqlite_database.whole(lambda uow: mark(uow, 2)), "the connection was given back and nothing was kept"


async def test_sessions_take_the_connection_in_turn_and_give_it_back_when_they_commit(
        sqlite_database: Database) -> None:
    first_wrote, first_may_commit, second_done = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with sqlite_database.uow() as uow:
            await ProcessedUpdates(uow.session).mark(3, utcnow())
            first_wrote.set()
            await first_may_commit.wait()
            await uow.commit()

    async def second() -> None:
        await first_wrote.wait()
        assert await mark(sqlite_database.uow(), 4)
        second_done.set()

    async with sqlite_database.uow() as idle:  # a session that has not used the database holds no one back
        tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
        await first_wrote.wait()
        await asyncio.sleep(0.05)
        assert not second_done.is_set(), "the second waits while the first has the connection"
        first_may_commit.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 5)
        marked = (await idle.session.execute(select(ProcessedUpdate.update_key))).scalars().all()
        assert sorted(marked) == [3, 4], "then it reads what both committed"


async def test_a_cancelled_unit_of_work_gives_the_connection_back(sqlite_database: Database) -> None:
    holding = asyncio.Event()

    async def stuck() -> None:
        async with sqlite_database.uow() as uow:
            await ProcessedUpdates(uow.session).mark(5, utcnow())
            holding.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(stuck())
    await holding.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.wait_for(mark(sqlite_database.uow(), 5), 5), "the cancelled unit of work was rolled back"
    # a unit of work run whole waits for the connection, and is cancelled meanwhile
    async with sqlite_database.uow() as holder:
        await ProcessedUpdates(holder.session).mark(8, utcnow())
        cancelled = asyncio.create_task(sqlite_database.whole(lambda uow: mark(uow, 6)))
        await asyncio.sleep(0.05)
        cancelled.cancel()
        await holder.commit()
    await asyncio.gather(cancelled, return_exceptions=True)
    assert cancelled.cancelled()
    assert await asyncio.wait_for(mark(sqlite_database.uow(), 6), 5), "the cancelled one did nothing"


async def test_a_failed_commit_leaves_nothing_to_the_next_unit_of_work(sqlite_database: Database) -> None:
    async with sqlite_database.uow() as uow:
        await uow.session.execute(text("PRAGMA defer_foreign_keys = ON"))  # checked at COMMIT, which fails
        await ProcessedUpdates(uow.session).mark(9, utcnow())
        await uow.session.execute(insert(Draft).values(contact_id=424242, form_id="pledge", step_id="title",
                                                       state={}, version=1, created_at=utcnow(),
                                                       updated_at=utcnow()))
        with pytest.raises(IntegrityError):
            await uow.commit()
    assert await sqlite_database.whole(lambda uow: mark(uow, 10))
    async with sqlite_database.uow() as uow:
        marked = (await uow.session.execute(select(ProcessedUpdate.update_key))).scalars().all()
        drafts = (await uow.session.execute(select(Draft))).all()
    assert marked == [10] and drafts == [], "the failed transaction was rolled back, not carried into the next"


async def test_rows_handed_over_are_read_in_the_thread_and_a_change_keeps_its_count(sqlite_database: Database) -> None:
    async with sqlite_database.uow() as uow:
        uow.session.add_all([Contact(telegram_id=n, chat_id=n, first_name=f"P{n}") for n in (1, 2, 3)])
        await uow.commit()
    async with sqlite_database.uow() as uow:
        result = await uow.session.execute(select(Contact.telegram_id).order_by(Contact.telegram_id))
        changed = await uow.session.execute(update(Contact).where(Contact.telegram_id > 1).values(blocked=True)
                                            .execution_options(synchronize_session=False))
        await uow.commit()
    assert result.scalars().all() == [1, 2, 3], "read before the session closed, readable after"
    assert changed.rowcount == 2  # type: ignore[attr-defined]
    async with sqlite_database.uow() as uow:
        returned = await uow.session.execute(update(Contact).where(Contact.telegram_id < 3).values(blocked=True)
                                             .returning(Contact.telegram_id)
                                             .execution_options(synchronize_session=False))
        await uow.commit()  # would fail with the RETURNING rows left unread ("SQL statements in progress")
    assert sorted(returned.scalars().all()) == [1, 2]


async def test_a_unit_of_work_in_the_thread_sees_the_callers_context(sqlite_database: Database) -> None:
    async def reads(uow: UnitOfWork) -> int | None:
        return update_id_var.get()

    token = update_id_var.set(4242)
    try:
        assert await sqlite_database.whole(reads) == 4242, "its log lines name the update"
    finally:
        update_id_var.reset(token)


async def test_units_of_work_waiting_for_the_connection_go_over_together(sqlite_database: Database) -> None:
    """Under load, units run whole that wait for the connection are handed to the thread in one batch (each woke the
    thread and then the event loop, about a tenth of the bot's CPU an update), each in its caller's context and
    with its own outcome: one that fails, or whose caller gave up before the batch went, leaves the others alone."""
    assert sqlite_database.thread is not None
    await mark(sqlite_database.uow(), 1)  # the thread started
    calls = 0
    call = sqlite_database.thread.call

    async def counted(function: Any) -> Any:
        nonlocal calls
        calls += 1
        return await call(function)

    async def as_update(update_id: int, key: int) -> tuple[int | None, bool]:
        update_id_var.set(update_id)
        return await sqlite_database.whole(lambda uow: named(uow, key))

    async def named(uow: UnitOfWork, key: int) -> tuple[int | None, bool]:
        if key == 13:
            raise ValueError("unlucky")
        return update_id_var.get(), await mark(uow, key)

    sqlite_database.thread.call = counted  # type: ignore[method-assign]
    async with sqlite_database.uow() as holder:  # the connection taken: the units wait for it
        await ProcessedUpdates(holder.session).mark(100, utcnow())
        calls = 0
        units = [asyncio.create_task(as_update(1000 + key, key)) for key in (10, 11, 12, 13, 14, 10)]
        given_up = asyncio.create_task(as_update(1015, 15))
        await asyncio.sleep(0.05)
        given_up.cancel()
        await holder.commit()
    outcomes = await asyncio.gather(*units, return_exceptions=True)
    assert calls == 2, "the holder's commit, then the six units at once"
    assert outcomes[:3] == [(1010, True), (1011, True), (1012, True)]
    assert isinstance(outcomes[3], ValueError)
    assert outcomes[4:] == [(1014, True), (1010, False)], "in order: the second 10 found the first's key"
    assert await mark(sqlite_database.uow(), 15), "the unit given up never ran"


async def test_a_batch_cancelled_before_it_went_over_leaves_the_next_units_served(sqlite_database: Database) -> None:
    """A batch waiting for the connection is cancelled (a task group ending, the loop closing on a stop): the units
    it would have taken are cancelled with it, and the next units of work get a batch of their own. Before, the
    cancelled units stayed queued, so no later unit was first in the queue and none started a batch: every update
    after that waited for ever."""
    thread = sqlite_database.thread
    assert thread is not None
    await mark(sqlite_database.uow(), 1)  # the thread started
    async with sqlite_database.uow() as holder:  # the connection taken: the unit waits for it
        await ProcessedUpdates(holder.session).mark(100, utcnow())
        waiting = asyncio.create_task(sqlite_database.whole(lambda uow: mark(uow, 2)))
        await asyncio.sleep(0.05)
        assert len(thread.batches) == 1
        for batch in list(thread.batches):
            batch.cancel()
        await asyncio.sleep(0.01)
        await holder.commit()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await asyncio.wait_for(sqlite_database.whole(lambda uow: mark(uow, 3)), 5), "the next unit is served"
    assert await mark(sqlite_database.uow(), 2), "the cancelled unit never ran"


def modes_in(folder: Path) -> dict[str, str]:
    return {p.name: oct(p.stat().st_mode & 0o777) for p in folder.iterdir()}


async def test_the_file_and_its_journals_are_readable_by_their_owner_alone(tmp_path: Path) -> None:
    """An operator: p2c.db, -wal and -shm were created 0644 (world-readable: names and what people wrote), while
    backups and exports are 0600."""
    path = tmp_path / "p2c.db"
    widest = os.umask(0o022)  # the usual umask, whatever the runner's (under 077 the test could not fail)
    try:
        database = Database(f"sqlite+aiosqlite:///{path}")
    finally:
        os.umask(widest)
    try:
        async with database.uow() as uow:
            await uow.session.execute(text("CREATE TABLE note (said TEXT)"))
            await uow.session.execute(text("INSERT INTO note VALUES ('hello')"))
            await uow.commit()
        modes = modes_in(tmp_path)
        assert "p2c.db-wal" in modes and set(modes.values()) == {"0o600"}, modes
    finally:
        await database.dispose()
    kept = tmp_path / "kept"
    kept.mkdir()
    sqlite3.connect(kept / "p2c.db").close()
    (kept / "p2c.db").chmod(0o640)  # a file there already is the operator's: left as it is
    await Database(f"sqlite+aiosqlite:///{kept / 'p2c.db'}").dispose()
    assert modes_in(kept) == {"p2c.db": "0o640"}
