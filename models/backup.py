"""An online copy of the SQLite database (`p2c-bot db backup FILE`), taken while the bot runs."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy `source` to the new file `target` with SQLite's backup API; how many pages were copied.

    The copy is consistent (one moment of the database, WAL included) and the bot keeps writing meanwhile.
    Refuses to overwrite an existing file, and to copy a file that is not there. The copy is readable by its owner
    alone (0600): it holds what the database holds, people's names and what they wrote.
    """
    if not source.exists():
        raise ValueError(f"{source} does not exist")
    if not target.parent.is_dir():
        raise ValueError(f"the folder {target.parent} does not exist: create it first")
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # SQLite then writes into it
    except FileExistsError:
        raise ValueError(f"{target} exists already: give a new file") from None
    try:
        with closing(sqlite3.connect(source)) as reading, closing(sqlite3.connect(target)) as writing:
            reading.backup(writing)  # one step: one read snapshot (WAL lets the bot write meanwhile)
            pages = int(writing.execute("PRAGMA page_count").fetchone()[0])
            if writing.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise ValueError(f"the copy {target} failed SQLite's integrity check")
    except BaseException:
        target.unlink(missing_ok=True)  # no half-written copy left to refuse the next attempt
        raise
    return pages
