"""One bot process per SQLite file: `p2c-bot run` and `p2c-bot sandbox` hold a lock beside the file while they run.

The bot on SQLite is one process by design (PostgreSQL is for several instances, which elect one scheduler and share
their sending). Two processes on one file each ran the scheduled jobs and each sent the outbox: two sandboxes on two
ports and one database (an operator tester) answered nobody twice only by luck. The lock is the operating system's
(`flock` on `<file>.p2c-lock`, holding the process id): it goes with the process, however it ends. The commands an
operator runs beside the bot (`admin`, `invite`, `export`…) do not take it.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import ConfigError

try:
    import fcntl
except ImportError:  # Windows: no flock; the lock is not taken there
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

_HELD: set[str] = set()
"""The files this process holds the lock of: the sandbox takes it before seeding, the bot it runs then finds it."""


def sqlite_file(url: str) -> Path | None:
    """The SQLite file a database URL names, absolute; None for PostgreSQL or an in-memory database."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database)).resolve()  # one file by any of its names (a symbolic link, "..")


@contextlib.contextmanager
def only_process(database_url: str) -> Iterator[None]:
    """Hold the lock of the SQLite file `database_url` names while the block runs, or raise a ConfigError of one line
    naming the process that holds it. Nothing for PostgreSQL, where several instances are the design."""
    path = sqlite_file(database_url)
    if path is None or fcntl is None or str(path) in _HELD:
        yield
        return
    lock = f"{path}.p2c-lock"
    try:  # never through a symbolic link: the lock file is written to
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileNotFoundError:  # no such folder: opening the database says so in its own words
        yield
        return
    except OSError as error:  # another user's file, a link: said, and the bot runs unguarded as before
        log.warning("cannot hold %s (%s): a second bot on this file would not be refused", lock,
                    error.strerror or type(error).__name__)
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 20, 0).decode("ascii", "replace").strip() or "?"
            raise ConfigError(f"another p2c-bot (process {holder}) already runs on {path}: stop it first (one bot "
                              "per SQLite file; several instances need PostgreSQL).") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        _HELD.add(str(path))
        try:
            yield
        finally:
            _HELD.discard(str(path))
    finally:
        os.close(fd)  # and with it the lock
