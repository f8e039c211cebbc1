"""The migration chain on SQLite and PostgreSQL: up, down, up again, and in step with the models."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func
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
