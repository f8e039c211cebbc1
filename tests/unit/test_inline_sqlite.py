"""SQLite in the event loop's thread: aiosqlite's interface, no worker thread (models.database.InlineSQLite)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from models.database import Database, InlineSQLite


async def test_calls_run_in_the_calling_thread_and_errors_reach_the_caller(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    connection = await InlineSQLite(lambda: sqlite3.connect(tmp_path / "t.db"))
    try:
        threads: list[int] = []
        await connection.create_function("where_am_i", 0, lambda: threads.append(threading.get_ident()) or 1)
        cursor = await connection.execute("SELECT where_am_i()")
        assert await cursor.fetchall() == [(1,)]
        assert threads == [threading.get_ident()]
        assert set(threading.enumerate()) <= before, "no worker thread was started"
        with pytest.raises(sqlite3.OperationalError):
            await connection.execute("SELECT * FROM nowhere")
    finally:
        await connection.close()
    await connection.close()  # twice is harmless
    with pytest.raises(ValueError, match="connection"):
        await connection.execute("SELECT 1")


async def test_run_now_gives_rows_changed_and_rows_returned(tmp_path: Path) -> None:
    connection = await InlineSQLite(lambda: sqlite3.connect(tmp_path / "t.db"))
    try:
        assert connection.run_now("CREATE TABLE t (n INTEGER PRIMARY KEY, w TEXT)", ()) == (-1, [])
        assert connection.run_now("INSERT INTO t (w) VALUES (?), (?) RETURNING n", ("a", "b")) == (2, [(1,), (2,)])
        assert connection.run_now("UPDATE t SET w = ? WHERE n > ?", ("c", 5)) == (0, [])
        with pytest.raises(sqlite3.IntegrityError):
            connection.run_now("INSERT INTO t (n, w) VALUES (?, ?)", (1, "again"))
    finally:
        await connection.close()
    with pytest.raises(ValueError, match="closed"):
        connection.run_now("SELECT 1", ())


async def test_sqlalchemy_drives_it_in_transactions_and_in_autocommit(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    database = Database(f"sqlite:///{tmp_path / 'p2c.db'}")
    try:
        async with database.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (n INTEGER)"))
            await connection.execute(text("INSERT INTO t VALUES (1)"))
        async with database.engine.connect() as connection:
            await connection.execute(text("INSERT INTO t VALUES (2)"))
            await connection.rollback()
        async with database.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("INSERT INTO t VALUES (3)"))
        async with database.engine.connect() as connection:
            assert (await connection.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all() == [1, 3]
            mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
            assert mode == "wal"
    finally:
        await database.dispose()
    assert set(threading.enumerate()) <= before, "no worker thread was left behind"
