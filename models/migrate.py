"""Apply and inspect the Alembic migration chain from code (used by the CLI, the app and tests).

Alembic is imported only when migrations run: a bot that starts on an up-to-date schema only
reads the revision table and compares it with HEAD_REVISION (a test keeps that constant true).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from models.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD_REVISION = "0025"
"""The newest revision of the chain; tests/integration/test_migrations.py checks it against Alembic."""


def is_newer_revision(revision: str | None) -> bool:
    """Whether `revision` comes from a later release: a number above HEAD_REVISION.

    Revision ids are the zero-padded numbers of one linear chain, so a higher number is a migration written after
    this code, and migrations only add before they remove (docs/operations.md, "Upgrading"). Any other id this
    code does not know (not a number) tells nothing of the kind.
    """
    return (revision is not None and revision.isascii() and revision.isdigit()
            and int(revision) > int(HEAD_REVISION))


def alembic_config(url: str) -> Config:
    """Return an Alembic configuration for the migrations shipped with this package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision of the chain, as Alembic computes it from the scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


async def current_revision(database: Database) -> str | None:
    """The revision the database is at, or None for an empty database."""

    def read(connection: Connection) -> str | None:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()

    async with database.engine.connect() as connection:
        return await connection.run_sync(read)


async def _alembic(database: Database, verb: str, revision: str) -> None:
    """Run `alembic <verb> <revision>` on the database, in one transaction."""
    from alembic import command

    def run(connection: Connection) -> None:
        config = alembic_config(database.url)
        config.attributes["connection"] = connection
        getattr(command, verb)(config, revision)

    if not database.is_sqlite:
        async with database.engine.begin() as connection:
            await connection.run_sync(run)
        return
    async with database.engine.connect() as connection:
        # SQLite changes a table by copying it and dropping the old one (Alembic's batch mode), which its foreign
        # keys refuse once another table's rows point at it; they are checked again, whole, before the commit. The
        # pragma is read outside a transaction only, and the DDL joins a transaction only when one is begun.
        await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            await connection.exec_driver_sql("BEGIN")
            await connection.run_sync(run)
            broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
            if broken:
                raise MigrationError(f"the migration would leave rows pointing at nothing: {broken[:5]}")
            await connection.commit()
        finally:
            await connection.rollback()  # nothing left of a migration that failed (not even its copied tables)
            await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            await connection.commit()


class MigrationError(RuntimeError):
    """A migration that would break the database's integrity; nothing of it was kept."""


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the database schema up to `revision`."""
    await _alembic(database, "upgrade", revision)


async def downgrade(database: Database, revision: str) -> None:
    """Take the database schema back to `revision` (used by tests of the chain)."""
    await _alembic(database, "downgrade", revision)
