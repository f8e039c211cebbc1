"""Losing the database connection for a moment: no update is lost, the election is held again."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import select

from bot.app import handle_retrying
from handlers.conversation import Deps
from handlers.inputs import Incoming, Person
from models.clock import utcnow
from models.database import Database
from models.tables import Contact, Outbox, ProcessedUpdate


async def test_an_update_whose_connection_died_is_handled_once_on_a_new_one(database: Database, deps: Deps) -> None:
    if database.is_sqlite:
        pytest.skip("an SQLite file has no connection to lose")
    await database.open_pool()  # ten connections, all about to die
    await terminate_other_connections(database)
    person = Person(31, 31, "Lina", None, None, "es")
    incoming = Incoming.from_text(501, person, "/help", utcnow())
    conv = await handle_retrying(incoming, database, deps)
    assert conv is not None and conv.pushed, "the person is answered"
    async with database.uow() as uow:
        assert (await uow.session.execute(select(ProcessedUpdate.update_key))).scalars().all() == [incoming.key]
        assert len((await uow.session.execute(select(Contact))).scalars().all()) == 1
        assert len((await uow.session.execute(select(Outbox))).scalars().all()) == len(conv.pushed)


async def terminate_other_connections(database: Database) -> None:
    admin = create_async_engine(database.url)
    async with admin.connect() as connection:
        await connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                      "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    await admin.dispose()


class Scheduler:
    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.running = False

    def start(self) -> None:
        self.started.set()
        self.running = True

    def shutdown(self, wait: bool = True) -> None:
        self.running = False


async def test_the_scheduler_election_is_held_again_after_a_dead_connection(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite runs one process: no election")
    from bot.scheduler import run_when_elected

    await database.open_pool()
    await terminate_other_connections(database)
    scheduler, stop = Scheduler(), asyncio.Event()
    election = asyncio.create_task(run_when_elected(database, lambda: scheduler, stop, retry=0.05))  # type: ignore[arg-type,return-value]
    await asyncio.wait_for(scheduler.started.wait(), 10)
    stop.set()
    await election
