"""Losing the database for a moment: no update is lost, delivery carries on."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import select

from bot.app import handle_reconnecting
from bot.delivery import DeliveryWorker
from bot.i18n import Rendered, Renderer
from bot.pacing import PaceLimits, Pacer
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
    conv = await handle_reconnecting(Incoming.from_text(501, person, "/help", utcnow()), database, deps)
    assert conv is not None and conv.pushed, "the person is answered"
    async with database.uow() as uow:
        assert (await uow.session.execute(select(ProcessedUpdate.update_id))).scalars().all() == [501]
        assert len((await uow.session.execute(select(Contact))).scalars().all()) == 1
        assert len((await uow.session.execute(select(Outbox))).scalars().all()) == len(conv.pushed)


class Recorder:
    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send(self, chat_id: int, message: Rendered) -> int:
        self.sent.append(chat_id)
        return len(self.sent)

    async def edit(self, chat_id: int, message_id: int, message: Rendered) -> None:
        raise AssertionError("no edits here")

    async def acknowledge(self, callback_query_id: str) -> None:
        raise AssertionError("no buttons here")

    async def close(self) -> None:
        return None


async def test_delivery_keeps_running_when_a_claim_fails(sqlite_database: Database, renderer: Renderer,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from handlers import outbox
    from handlers.messages import Reply, Text

    async with sqlite_database.uow() as uow:
        contact = Contact(telegram_id=5, chat_id=5, first_name="Ana", language="es")
        uow.session.add(contact)
        await uow.flush()
        await outbox.enqueue(uow.session, contact, Reply((Text("Yes"),)), "t:1", priority=outbox.BULK)
        await uow.commit()
    telegram = Recorder()
    delivery = DeliveryWorker(sqlite_database, renderer, telegram, "en", Pacer(PaceLimits(1000, 1000, 1000)))
    claim = delivery._claim
    failures = []

    async def claim_failing_once() -> tuple[list[outbox.Queued], float]:
        if not failures:
            failures.append(1)
            raise ConnectionResetError("the database went away")
        return await claim()

    monkeypatch.setattr(delivery, "_claim", claim_failing_once)
    running = asyncio.create_task(delivery.run(idle_poll=0.05))
    for _ in range(100):
        if telegram.sent:
            break
        await asyncio.sleep(0.02)
    delivery.stop()
    await running
    assert failures == [1] and telegram.sent == [5]


async def terminate_other_connections(database: Database) -> None:
    admin = create_async_engine(database.url)
    async with admin.connect() as connection:
        await connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                      "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    await admin.dispose()


class Scheduler:
    def __init__(self) -> None:
        self.started = asyncio.Event()

    def start(self) -> None:
        self.started.set()

    def shutdown(self, wait: bool = True) -> None:
        return None


async def test_the_scheduler_election_is_held_again_after_a_dead_connection(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite runs one process: no election")
    from bot.scheduler import run_when_elected

    await database.open_pool()
    await terminate_other_connections(database)
    scheduler, stop = Scheduler(), asyncio.Event()
    election = asyncio.create_task(run_when_elected(database, scheduler, stop, retry=0.05))  # type: ignore[arg-type]
    await asyncio.wait_for(scheduler.started.wait(), 10)
    stop.set()
    await election
