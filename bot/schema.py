"""The schema check at start-up and in /readyz: SQLite upgrades itself, an outdated PostgreSQL schema stops the bot.

A schema newer than this code's is accepted: during a rolling upgrade (docs/operations.md) `db upgrade` runs with
the new version while the old instances still serve, and its migrations only add what the old code ignores.

Kept apart from bot.app so that command-line tools check the schema without importing aiogram.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import ConfigError
from models.database import Database
from models.migrate import HEAD_REVISION, current_revision, is_newer_revision, upgrade

log = logging.getLogger(__name__)


class SchemaOutdatedError(ConfigError):
    """The database schema is behind the code."""


@dataclass
class SchemaCheck:
    """Whether this code runs on the database's schema; a newer schema is said once in the log, not at every probe."""

    told: str | None = None
    """The newer revision already said."""

    def verdict(self, current: str | None) -> str:
        """"ok" for this code's revision or a newer one of the chain; otherwise why not, as /readyz shows it."""
        if current == HEAD_REVISION:
            return "ok"
        if is_newer_revision(current):
            if current != self.told:
                self.told = current
                log.warning("the database schema is newer than this version's; going on, since migrations only add "
                            "before they remove: replace this instance with the new version",
                            extra={"schema_revision": current, "code_revision": HEAD_REVISION})
            return "ok"
        return f"at {current or 'nothing'}, needs {HEAD_REVISION}"


async def ensure_schema(database: Database, auto_upgrade: bool, check: SchemaCheck | None = None) -> None:
    """Upgrade an embedded SQLite database automatically; refuse to run on an outdated PostgreSQL one."""
    current = await current_revision(database)
    if (check or SchemaCheck()).verdict(current) == "ok":
        return
    if database.is_sqlite and auto_upgrade:
        log.info("upgrading the database schema", extra={"from_revision": current, "to_revision": HEAD_REVISION})
        await upgrade(database)
        return
    raise SchemaOutdatedError(f"The database schema is at {current or 'nothing'} but this version needs "
                              f"{HEAD_REVISION}: run `p2c-bot db upgrade`.")
