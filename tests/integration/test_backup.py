"""`p2c-bot db backup`: a consistent copy of the SQLite file while the bot writes to it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from models.backup import backup_sqlite
from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade
from models.repositories.outbox import BULK, OutboxRows


async def test_a_backup_taken_while_the_bot_writes_holds_every_committed_row(tmp_path: Path) -> None:
    path = tmp_path / "p2c.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade(database)
    async with database.uow() as uow:  # the bot's connection stays open (WAL, rows in the -wal file)
        for number in range(200):
            await OutboxRows(uow.session).enqueue(f"k{number}", number, None, {"text": "x"}, priority=BULK,
                                                  now=utcnow())
        await uow.commit()
    writing = asyncio.create_task(more_rows(database))
    pages = await asyncio.to_thread(backup_sqlite, path, tmp_path / "copy.db")
    await writing
    await database.dispose()
    assert pages > 0
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        rows = copy.execute("SELECT count(*) FROM outbox").fetchone()[0]
        revision = copy.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert 200 <= rows <= 250
    assert revision


async def more_rows(database: Database) -> None:
    for number in range(50):
        async with database.uow() as uow:
            await OutboxRows(uow.session).enqueue(f"m{number}", number, None, {"text": "x"}, priority=BULK,
                                                  now=utcnow())
            await uow.commit()


def test_a_backup_never_overwrites_and_needs_a_source(tmp_path: Path) -> None:
    (tmp_path / "there.db").write_bytes(b"")
    with pytest.raises(ValueError, match="exists already"):
        backup_sqlite(tmp_path / "there.db", tmp_path / "there.db")
    with pytest.raises(ValueError, match="does not exist"):
        backup_sqlite(tmp_path / "missing.db", tmp_path / "copy.db")


def test_the_command_copies_sqlite_and_sends_postgresql_to_pg_dump(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with sqlite3.connect(tmp_path / "p2c.db") as source:
        source.execute("CREATE TABLE t (x)")
    monkeypatch.setenv("P2C_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}")
    done = CliRunner().invoke(app, ["db", "backup", str(tmp_path / "copy.db")])
    assert done.exit_code == 0, done.output
    assert "pages copied" in done.output
    monkeypatch.setenv("P2C_DATABASE_URL", "postgresql+asyncpg://p2c@127.0.0.1/p2c")
    refused = CliRunner().invoke(app, ["db", "backup", str(tmp_path / "other.db")])
    assert refused.exit_code != 0
    assert "pg_dump" in refused.output


def test_a_backup_into_a_missing_folder_is_one_line_and_a_copy_is_its_owners_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with sqlite3.connect(tmp_path / "p2c.db") as source:
        source.execute("CREATE TABLE t (x)")
    monkeypatch.setenv("P2C_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}")
    missing = CliRunner().invoke(app, ["db", "backup", str(tmp_path / "nodir" / "x.db")])
    assert missing.exit_code == 2 and not missing.stdout.strip()
    assert f"the folder {tmp_path / 'nodir'} does not exist" in missing.output
    assert missing.output.strip().count("\n") == 0
    done = CliRunner().invoke(app, ["db", "backup", str(tmp_path / "copy.db")])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "copy.db").stat().st_mode & 0o777 == 0o600, "the copy holds people's names"
