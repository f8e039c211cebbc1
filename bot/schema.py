"""The schema check at start-up: SQLite upgrades itself, an outdated PostgreSQL schema stops the bot.

Kept apart from bot.app so that command-line tools check the schema without importing aiogram.
"""

from __future__ import annotations

import logging

from bot.config import ConfigError
from models.database import Database
from models.migrate import HEAD_REVISION, current_revision, upgrade

log = logging.getLogger(__name__)


class SchemaOutdatedError(ConfigError):
    """The database schema is behind the code."""


async def ensure_schema(database: Database, auto_upgrade: bool) -> None:
    """Upgrade an embedded SQLite database automatically; refuse to run on an outdated PostgreSQL one."""
    current = await current_revision(database)
    if current == HEAD_REVISION:
        return
    if database.is_sqlite and auto_upgrade:
        log.info("upgrading the database schema", extra={"from_revision": current, "to_revision": HEAD_REVISION})
        await upgrade(database)
        return
    raise SchemaOutdatedError(f"The database schema is at {current or 'nothing'} but this version needs "
                              f"{HEAD_REVISION}: run `p2c-bot db upgrade`.")
