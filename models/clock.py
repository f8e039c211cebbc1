"""Time as the database stores it: timezone-aware UTC datetimes (SQLModel's UTCDateTime).

`utcnow()` is the one clock of the bot. For end-to-end tests only, it can run ahead of the real time:
when the environment variable P2C_TEST_CLOCK_FILE names a file, the number of seconds written in it
is added (re-read whenever the file changes), so a test (or the sandbox's "advance" control) moves a
running bot days ahead without sleeping or editing its database. It is off unless that variable is
set; bot.config refuses it against the real Telegram and bot.app logs it loudly at start.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

TEST_CLOCK_ENV = "P2C_TEST_CLOCK_FILE"


def utcnow() -> datetime:
    """Return the current time, aware, in UTC (moved by the test clock's offset when one is enabled)."""
    path = os.environ.get(TEST_CLOCK_ENV)
    return utcnow_with(path) if path else datetime.now(UTC)


def clock_offset(path: str) -> float:
    """The seconds the test clock file says to add (0 when it is missing or unreadable)."""
    try:
        stat = os.stat(path)
    except OSError:
        return 0.0
    return _read_offset(path, stat.st_mtime_ns, stat.st_ino, stat.st_size)


@lru_cache(maxsize=8)
def _read_offset(path: str, _mtime_ns: int, _inode: int, _size: int) -> float:
    """The file's number, read once per version of the file (its mtime, inode and size are the cache key)."""
    try:
        return float(Path(path).read_text(encoding="utf-8").strip() or 0)
    except (OSError, ValueError):
        return 0.0


def advance_test_clock(path: str, seconds: float) -> float:
    """Move the test clock in `path` ahead by `seconds`; its new offset (written whole, then renamed in place)."""
    offset = clock_offset(path) + seconds
    temporary = Path(f"{path}.{os.getpid()}.tmp")
    temporary.write_text(f"{offset}\n", encoding="utf-8")
    os.replace(temporary, path)
    return offset


def move_test_clock_to(path: str, when: datetime) -> float:
    """Move the test clock in `path` so that `utcnow()` reads `when` now (and runs on from there); its new offset."""
    return advance_test_clock(path, (when - utcnow_with(path)).total_seconds())


def utcnow_with(path: str) -> datetime:
    """What `utcnow()` reads with the test clock in `path`, enabled or not in this process's environment."""
    return datetime.now(UTC) + timedelta(seconds=clock_offset(path))
