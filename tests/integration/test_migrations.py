"""The migration chain on SQLite and PostgreSQL: up, down, up again, and in step with the models."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel, col, select

from models.database import Database
from models.migrate import HEAD_REVISION, current_revision, downgrade, head_revision, upgrade
from models.tables import Country


async def test_chain_goes_up_down_and_up_again(empty_database: Database) -> None:
    assert await current_revision(empty_database) is None
    await upgrade(empty_database)
    assert await current_revision(empty_database) == HEAD_REVISION
    await downgrade(empty_database, "base")
    assert await current_revision(empty_database) is None
    await upgrade(empty_database)
    assert await current_revision(empty_database) == head_revision()


def test_the_runtime_knows_the_head_revision() -> None:
    assert head_revision() == HEAD_REVISION


async def test_an_outdated_postgresql_schema_stops_the_bot(empty_database: Database) -> None:
    from bot.schema import SchemaOutdatedError, ensure_schema

    await upgrade(empty_database, "0001")
    if empty_database.is_sqlite:
        await ensure_schema(empty_database, auto_upgrade=True)
        assert await current_revision(empty_database) == HEAD_REVISION
    else:
        with pytest.raises(SchemaOutdatedError, match="p2c-bot db upgrade"):
            await ensure_schema(empty_database, auto_upgrade=True)


async def test_schema_matches_the_models(database: Database) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))

    async with database.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_country_table_is_seeded_with_its_groups(database: Database) -> None:
    async with database.uow() as uow:
        total = (await uow.session.execute(select(func.count()).select_from(Country))).scalar_one()
        ldc = (await uow.session.execute(select(func.count()).where(col(Country.ldc)))).scalar_one()
        lldc = (await uow.session.execute(select(func.count()).where(col(Country.lldc)))).scalar_one()
        sids = (await uow.session.execute(select(func.count()).where(col(Country.sids)))).scalar_one()
        senegal = await uow.session.get(Country, "SEN")
    assert (total, ldc, lldc, sids) == (248, 44, 32, 53)
    assert senegal is not None and senegal.ldc and senegal.itu_region == "africa"


def _fill(connection: Connection, table: str, ids: dict[str, int]) -> None:
    """One row in `table` as the schema of the moment has it: every column that may not be empty given a value of its
    type, a foreign key the row of its table made before (`ids`)."""
    from sqlalchemy import inspect, text

    inspector = inspect(connection)
    targets = {key["constrained_columns"][0]: key["referred_table"] for key in inspector.get_foreign_keys(table)}
    primary = set(inspector.get_pk_constraint(table)["constrained_columns"])
    values: dict[str, object] = {}
    for column in inspector.get_columns(table):
        name, kind = column["name"], str(column["type"]).upper()
        if name in primary or column["nullable"]:
            continue
        if name in targets:
            values[name] = ids[targets[name]]
        elif "BOOL" in kind:
            values[name] = False
        elif "INT" in kind or "NUMERIC" in kind or "FLOAT" in kind:
            values[name] = 0
        elif "DATE" in kind or "TIME" in kind:
            values[name] = datetime(2025, 1, 1)
        elif "JSON" in kind:
            values[name] = "[]"
        else:
            values[name] = "x"
    names = ", ".join(values)
    connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + n for n in values)})"), values)
    ids[table] = connection.execute(text(f"SELECT max(id) FROM {table}")).scalar_one()


async def test_a_database_with_reports_upgrades_from_an_old_revision(empty_database: Database) -> None:
    """Operator's test: a real SQLite database of revision 0010 (pledges with reports) failed to upgrade, "FOREIGN
    KEY constraint failed" when migration 0011 rebuilt the pledge table, and a retry found its half-made copy; the
    bot, which upgrades SQLite by itself, then could not start. Every row is kept, on both backends."""
    await upgrade(empty_database, "0010")

    def seed(connection: Connection) -> None:
        ids: dict[str, int] = {}
        for table in ("entity", "contact", "pledge", "progress_report"):
            _fill(connection, table, ids)

    async with empty_database.engine.begin() as connection:
        await connection.run_sync(seed)
    await upgrade(empty_database)
    assert await current_revision(empty_database) == HEAD_REVISION
    async with empty_database.engine.connect() as connection:
        for table in ("entity", "contact", "pledge", "progress_report"):
            count = (await connection.exec_driver_sql(f"SELECT count(*) FROM {table}")).scalar_one()
            assert count == 1, table


async def test_a_newer_schema_keeps_the_old_version_running_and_ready(database: Database,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    """Rolling upgrade (docs/operations.md): `db upgrade` with the new version must not stop the instances still on
    the old one, nor keep one from restarting; it is said once in the log, not at every probe."""
    from bot.metrics import Health
    from bot.schema import ensure_schema

    newer = f"{int(HEAD_REVISION) + 1:04d}"
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = :newer"), {"newer": newer})

    async def answers() -> object:
        return {"id": 1}

    health = Health(database, answers)
    with caplog.at_level(logging.WARNING, logger="bot.schema"):
        await ensure_schema(database, auto_upgrade=False, check=health.schema_check)
        assert (await health.readiness())["schema"] == "ok"
        assert (await health.readiness())["schema"] == "ok"
    told = [record for record in caplog.records if "newer than this version" in record.getMessage()]
    assert len(told) == 1 and vars(told[0])["schema_revision"] == newer
    assert await current_revision(database) == newer, "nothing was done to it"


@pytest.mark.parametrize("unknown", ["0000", "abc123", "0016a", "٠٠٩٩"])
async def test_an_unknown_revision_that_is_not_a_later_number_is_refused(database: Database, unknown: str) -> None:
    from bot.schema import SchemaOutdatedError, ensure_schema

    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = :unknown"), {"unknown": unknown})
    with pytest.raises(SchemaOutdatedError, match=f"at {unknown} but this version needs {HEAD_REVISION}"):
        await ensure_schema(database, auto_upgrade=False)
