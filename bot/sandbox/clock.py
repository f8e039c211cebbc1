"""The time the sandbox stamps on messages: the bot's test clock when it runs (P2C_TEST_CLOCK_FILE, models.clock reads
the same file: seconds to add to the real time), so that a reminder sent at 09:00 of the moved day does not show the
real hour on the page; the real time otherwise. The sandbox keeps its own few lines for it, since it imports nothing
of the bot's model."""

from __future__ import annotations

import os
import time
from pathlib import Path

TEST_CLOCK_ENV = "P2C_TEST_CLOCK_FILE"

_read: tuple[tuple[str, int, int, int], float] | None = None
"""The clock file last read: its version (path, modification time in ns, inode, size) and the offset it held."""
SETTLED_NS = 100_000_000
"""A file's modification time is kept in coarse ticks (a few milliseconds): one written again within the tick of
the last read would look unchanged. A version is remembered only once older than this (0.1 s), when any later
write has a later time."""


def clock_file() -> str | None:
    """The test clock's file, or None when the clock is the real one."""
    return os.environ.get(TEST_CLOCK_ENV) or None


def clock_offset(path: str) -> float:
    """The seconds the file adds to the real time (0 for a file missing or unreadable); read again only once it
    changed, as messages are stamped by the thousand."""
    global _read
    try:
        stat = os.stat(path)
    except OSError:
        return 0.0
    version = (path, stat.st_mtime_ns, stat.st_ino, stat.st_size)  # each write renames a new file in place
    if _read is not None and _read[0] == version:
        return _read[1]
    try:
        offset = float(Path(path).read_text(encoding="utf-8").strip() or 0)
    except (OSError, ValueError):
        offset = 0.0
    _read = (version, offset) if time.time_ns() - stat.st_mtime_ns > SETTLED_NS else None
    return offset


def now() -> int:
    """The Unix time of a message or an event in the sandbox (its `date`, `edit_date`)."""
    path = clock_file()
    return int(time.time() + (clock_offset(path) if path else 0.0))
