"""The migration chain on SQLite and PostgreSQL: up, down, up again, and in step with the models."""

from __future__ import annotations

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
