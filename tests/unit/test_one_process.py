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


def test_one_file_by_another_name_is_the_same_file(tmp_path: Path) -> None:
    """A review: /srv/p2c.db linked to /data/p2c.db made two lock files, and neither bot was refused."""
    real = tmp_path / "data" / "p2c.db"
    real.parent.mkdir()
    real.write_bytes(b"")
    alias = tmp_path / "p2c.db"
    alias.symlink_to(real)
    fd = held_elsewhere(real)
    try:
        with pytest.raises(ConfigError, match="already runs on"), only_process(f"sqlite+aiosqlite:///{alias}"):
            pass
    finally:
        os.close(fd)


def test_a_lock_file_that_is_a_link_is_not_written_through(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A review: the lock file was opened through a symbolic link and truncated: a link to the database emptied it."""
    database = tmp_path / "p2c.db"
    database.write_bytes(b"SQLite format 3\x00 and the rest")
    Path(f"{database}.p2c-lock").symlink_to(database)
    with only_process(f"sqlite+aiosqlite:///{database}"):
        pass
    assert database.read_bytes() == b"SQLite format 3\x00 and the rest"
    assert "cannot hold" in caplog.text
