"""One bot process per SQLite file (bot.one_process): a second `run` or `sandbox` on the file is refused in one line."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import ConfigError
from bot.one_process import only_process


def held_elsewhere(path: Path) -> int:
    """The lock taken as another process holds it (another open file, so that this process conflicts with it)."""
    fd = os.open(f"{path}.p2c-lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.pwrite(fd, b"4242", 0)
    return fd


def test_a_second_bot_on_the_file_is_refused_naming_the_first(tmp_path: Path) -> None:
    database = tmp_path / "p2c.db"
    fd = held_elsewhere(database)
    try:
        with pytest.raises(ConfigError, match=r"another p2c-bot \(process 4242\) already runs on .*p2c\.db"), \
                only_process(f"sqlite+aiosqlite:///{database}"):
            pass
    finally:
        os.close(fd)
    with only_process(f"sqlite+aiosqlite:///{database}"):  # free again once the first ended
        assert Path(f"{database}.p2c-lock").read_text() == str(os.getpid())
        with only_process(f"sqlite+aiosqlite:///{database}"):  # the sandbox holds it, then the bot it runs
            pass
        with pytest.raises(BlockingIOError):
            os.close(held_elsewhere(database))


def test_postgresql_and_memory_take_no_lock(tmp_path: Path) -> None:
    for url in ("postgresql+asyncpg://p2c@localhost/p2c", "sqlite+aiosqlite://", "sqlite+aiosqlite:///:memory:"):
        with only_process(url), only_process(url):
            pass
    assert not list(tmp_path.iterdir())


def test_a_second_sandbox_on_the_database_is_refused_before_it_starts(tmp_path: Path) -> None:
    """Operator tester: `p2c-bot sandbox --port 8081` on the database of a sandbox running on 8080 started a second
    bot on it."""
    database = tmp_path / "p2c.db"
    fd = held_elsewhere(database)
    try:
        refused = CliRunner().invoke(app, ["sandbox", "--port", "0", "--no-clock", "--database-url",
                                           f"sqlite+aiosqlite:///{database}"])
    finally:
        os.close(fd)
    assert refused.exit_code == 2 and "already runs on" in refused.output, refused.output
    assert refused.output.strip().count("\n") == 0 and not database.exists()
