"""Prepared statements run on the driver's connection: same values, same transaction, same errors as SQLAlchemy's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import object_session

from models.clock import utcnow
from models.database import Database
from models.statements import _ALL, Adding, ByKey, Prepared, bound, loaded, table_of
from models.tables import Contact, Draft, Entity, Pledge, ProcessedUpdate

_DRAFTS, _CONTACTS = table_of(Draft), table_of(Contact)
_ADD_DRAFT = Prepared(lambda _: insert(_DRAFTS).values(bound("contact_id", "form_id", "step_id", "state", "version",
                                                             "created_at", "updated_at")).returning(_DRAFTS.c.id))
_MARK = Prepared(lambda insert: insert(table_of(ProcessedUpdate)).values(bound("update_key", "processed_at"))
                 .on_conflict_do_nothing())
_STEP = Prepared(lambda _: update(_DRAFTS).values(bound("step_id")).where(_DRAFTS.c.id == bindparam("draft_id")))
_READ = Prepared(lambda _: select(_DRAFTS).where(_DRAFTS.c.id == bindparam("draft_id")))
_CONTACT = Prepared(lambda _: select(_CONTACTS).where(_CONTACTS.c.telegram_id == bindparam("telegram_id")))
_WHEN = datetime(2027, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
_ADD_PLEDGE, _PLEDGE = Adding(Pledge), ByKey(Pledge)


async def add_contact(database: Database, telegram_id: int = 5) -> int:
    async with database.uow() as uow:
        contact = Contact(telegram_id=telegram_id, chat_id=telegram_id, first_name="Awa", language="fr")
        uow.session.add(contact)
        await uow.commit()
        assert contact.id is not None
        return contact.id


async def test_values_go_in_and_come_back_as_the_orm_reads_them(database: Database) -> None:
    contact_id = await add_contact(database)
    state = {"answers": {"title": "Écoles connectées 🛰️", "countries": ["SEN", "MLI"]}, "stack": []}
    async with database.uow() as uow:
        added = await _ADD_DRAFT.run(uow.session, {"contact_id": contact_id, "form_id": "pledge", "step_id": "title",
                                                   "state": state, "version": 1, "created_at": _WHEN,
                                                   "updated_at": _WHEN})
        draft_id = added.scalar()
        assert isinstance(draft_id, int) and added.rowcount == 1
        await uow.commit()
    async with database.uow() as uow:
        (row,) = (await _READ.run(uow.session, {"draft_id": draft_id})).rows
        orm = await uow.session.get(Draft, draft_id)
        assert orm is not None
        assert row == tuple(getattr(orm, column.key) for column in _DRAFTS.c)
        assert row[list(_DRAFTS.c.keys()).index("state")] == state


async def test_a_pledge_added_and_read_back_is_what_the_orm_reads(database: Database) -> None:
    """Amounts (NUMERIC: Decimal on both backends), dates, lists as JSON, booleans, times."""
    async with database.uow() as uow:
        entity = Entity(name="Ministère", name_key="ministere", sector="government")
        uow.session.add(entity)
        await uow.commit()
    pledge = Pledge(entity_id=entity.id or 0, title="Écoles", description="Fibre 🛰️", focus_area="access",
                    pledge_type="financial", value_usd=Decimal("2500000.50"), countries=["SEN", "ITU:AFR"],
                    sdgs=[4, 9], target_value=Decimal("500"), target_date=date(2027, 12, 31), targets_ldc=True,
                    submitted_at=_WHEN)
    async with database.uow() as uow:
        await _ADD_PLEDGE.add(uow.session, pledge)
        assert isinstance(pledge.id, int) and not uow.session.new
        await uow.commit()
    async with database.uow() as uow:
        read = await _PLEDGE.get(uow.session, pledge.id)
        assert read is not None and await _PLEDGE.get(uow.session, pledge.id) is read
        values = {column.key: getattr(read, column.key) for column in table_of(Pledge).c}
    async with database.uow() as uow:
        orm = await uow.session.get(Pledge, pledge.id)
        assert values == {column.key: getattr(orm, column.key) for column in table_of(Pledge).c}
        assert values["value_usd"] == Decimal("2500000.50") and values["sdgs"] == [4, 9]
        assert values["target_date"] == date(2027, 12, 31) and values["submitted_at"] == _WHEN
        assert await _PLEDGE.get(uow.session, 10**6) is None


async def test_rows_changed_are_counted_and_a_conflict_changes_none(database: Database) -> None:
    contact_id = await add_contact(database)
    quiet = Prepared(lambda _: insert(_DRAFTS).values(bound("contact_id", "form_id", "step_id", "state", "version",
                                                            "created_at", "updated_at")))
    async with database.uow() as uow:
        # no RETURNING asked, but SQLAlchemy compiles one for the new primary key: its rows are read all the same
        added = await quiet.run(uow.session, {"contact_id": contact_id, "form_id": "f", "step_id": "s", "state": {},
                                              "version": 1, "created_at": _WHEN, "updated_at": _WHEN})
        assert added.rowcount == 1
        assert (await _MARK.run(uow.session, {"update_key": 7, "processed_at": utcnow()})).rowcount == 1
        assert (await _MARK.run(uow.session, {"update_key": 7, "processed_at": utcnow()})).rowcount == 0
        assert (await _STEP.run(uow.session, {"step_id": "x", "draft_id": 404})).rowcount == 0


async def test_it_runs_in_the_session_transaction(database: Database) -> None:
    async with database.uow() as uow:
        await _MARK.run(uow.session, {"update_key": 8, "processed_at": utcnow()})
        # not committed: closing the unit of work rolls it back
    async with database.uow() as uow:
        assert (await uow.session.execute(select(ProcessedUpdate))).all() == []
        await _MARK.run(uow.session, {"update_key": 9, "processed_at": utcnow()})
        await uow.commit()
        # after a commit the session takes a connection again, for a new transaction
        await _MARK.run(uow.session, {"update_key": 10, "processed_at": utcnow()})
        await uow.commit()
    async with database.uow() as uow:
        assert (await uow.session.execute(select(ProcessedUpdate.update_key))).scalars().all() == [9, 10]


async def test_driver_errors_arrive_as_sqlalchemys(database: Database) -> None:
    duplicate = Prepared(lambda _: insert(table_of(ProcessedUpdate)).values(bound("update_key", "processed_at")))
    async with database.uow() as uow:
        await duplicate.run(uow.session, {"update_key": 11, "processed_at": utcnow()})
        with pytest.raises(IntegrityError):
            await duplicate.run(uow.session, {"update_key": 11, "processed_at": utcnow()})


async def test_a_column_left_to_a_python_default_is_refused(database: Database) -> None:
    # SQLAlchemy's execution path fills such a column in; the driver's would not, so it is refused
    table = Table("with_default", MetaData(), Column("id", Integer, primary_key=True), Column("x", String, default="a"))
    statement = Prepared(lambda _: insert(table).values(bound("id")))
    _ALL.remove(statement)  # not one of the application's: the start must not prepare it
    async with database.uow() as uow:
        with pytest.raises(ValueError, match="every column"):
            await statement.run(uow.session, {"id": 1})


async def test_a_loaded_object_is_in_the_session_and_its_changes_are_saved(database: Database) -> None:
    contact_id = await add_contact(database, telegram_id=12)
    async with database.uow() as uow:
        (row,) = (await _CONTACT.run(uow.session, {"telegram_id": 12})).rows
        contact = loaded(uow.session, Contact, row)
        assert object_session(contact) is uow.session.sync_session and contact.id == contact_id
        assert not uow.session.dirty, "loading is not a change"
        assert loaded(uow.session, Contact, row) is contact, "one object per row in a session, as the ORM keeps"
        assert await uow.session.get(Contact, contact_id) is contact
        contact.language = "ar"
        await uow.commit()
    async with database.uow() as uow:
        again = await uow.session.get(Contact, contact_id)
        assert again is not None and again.language == "ar" and again.first_name == "Awa"


async def test_the_pool_opens_with_every_statement_ready(database: Database) -> None:
    """A statement that does not fit the schema fails the start, not the first person to need it."""
    await database.open_pool()
    dialect = database.engine.dialect
    mine = [statement for statement in _ALL if dialect.name in statement.statements]
    assert all(f"{dialect.name}+{dialect.driver}" in statement._compiled for statement in mine)
    if not database.is_sqlite:
        async with database.engine.connect() as connection:
            adapted: Any = (await connection.get_raw_connection()).dbapi_connection
            ready = set(adapted._prepared_statement_cache)  # SQL prepared on this connection
            assert {statement.compiled(dialect).sql for statement in mine} <= ready
