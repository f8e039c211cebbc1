"""A chat's rows claimed from the outbox leave in the order they were queued, retries after a 429 included."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from bot.delivery import DeliveryWorker, RetryLaterError
from bot.i18n import Rendered, Renderer
from bot.pacing import PaceLimits, Pacer
from handlers import outbox
from handlers.messages import Reply, Text
from models.clock import utcnow
from models.database import Database
from models.repositories.outbox import _DUE
from models.tables import Contact, Outbox


class OnceRefusing:
    """A fake Telegram answering 429 (retry after a second) once to each text in `refuse`."""

    def __init__(self, refuse: set[str]) -> None:
        self.refuse = refuse
        self.sent: list[tuple[int, str]] = []

    async def send(self, chat_id: int, message: Rendered) -> int:
        if message.text in self.refuse:
            self.refuse.discard(message.text)
            raise RetryLaterError(1.0)
        self.sent.append((chat_id, message.text))
        return len(self.sent)

    async def edit(self, chat_id: int, message_id: int, message: Rendered) -> None:
        raise AssertionError("no edits here")


async def contacts_of(database: Database, *chats: int) -> list[Contact]:
    async with database.uow() as uow:
        contacts = [Contact(telegram_id=chat, chat_id=chat, first_name="P", language="en") for chat in chats]
        uow.session.add_all(contacts)
        await uow.commit()
    return contacts


async def queue(database: Database, contact: Contact, texts: list[str], priority: int = outbox.NOTICE) -> None:
    async with database.uow() as uow:
        for text in texts:
            await outbox.enqueue(uow.session, contact, Reply((Text(text),)), f"k:{contact.chat_id}:{text}",
                                 priority=priority)
        await uow.commit()


def worker(database: Database, renderer: Renderer, telegram: OnceRefusing) -> DeliveryWorker:
    return DeliveryWorker(database, renderer, telegram, "en", Pacer(PaceLimits(1000, 1000, 1000)))


async def test_a_429_does_not_let_later_rows_of_the_chat_overtake(database: Database, renderer: Renderer) -> None:
    first, second = await contacts_of(database, 1, 2)
    await queue(database, first, ["m1", "m2", "m3", "m4", "m5"])
    await queue(database, second, ["o1", "o2"])
    telegram = OnceRefusing({"m2"})
    delivery = worker(database, renderer, telegram)
    for _ in range(100):
        await delivery.send_due()
        if len(telegram.sent) == 7:
            break
        await asyncio.sleep(0.1)
    assert [text for chat, text in telegram.sent if chat == 1] == ["m1", "m2", "m3", "m4", "m5"]
    assert [text for chat, text in telegram.sent if chat == 2] == ["o1", "o2"]


async def test_a_row_is_not_claimed_while_an_earlier_one_of_its_chat_is_in_flight_or_waits(
        database: Database, renderer: Renderer) -> None:
    first, second = await contacts_of(database, 1, 2)
    await queue(database, first, ["a", "b"])
    await queue(database, second, ["c"])
    async with database.uow() as uow:  # "a" is being sent by another worker (or instance)
        row = (await uow.session.execute(select(Outbox).where(Outbox.key == "k:1:a"))).scalar_one()
        row.status, row.not_before = "sending", utcnow() + timedelta(minutes=2)
        await uow.commit()
    telegram = OnceRefusing(set())
    delivery = worker(database, renderer, telegram)
    await delivery.send_due()
    assert telegram.sent == [(2, "c")]
    async with database.uow() as uow:  # "a" is back in the outbox, waiting for its retry in a few seconds
        row = (await uow.session.execute(select(Outbox).where(Outbox.key == "k:1:a"))).scalar_one()
        row.status, row.not_before, row.attempts = "pending", utcnow() + timedelta(seconds=5), 1
        await uow.commit()
    await delivery.send_due()
    assert telegram.sent == [(2, "c")]
    async with database.uow() as uow:  # its retry is due: it goes first, then "b"
        row = (await uow.session.execute(select(Outbox).where(Outbox.key == "k:1:a"))).scalar_one()
        row.not_before = utcnow() - timedelta(seconds=1)
        await uow.commit()
    for _ in range(3):
        await delivery.send_due()
    assert telegram.sent == [(2, "c"), (1, "a"), (1, "b")]


async def test_a_later_row_of_higher_priority_may_overtake_a_row_merely_due(database: Database,
                                                                            renderer: Renderer) -> None:
    """As a pushed reply does: priorities order what is not taken yet; only taken or retrying rows hold a chat."""
    (contact,) = await contacts_of(database, 1)
    await queue(database, contact, ["bulk"], priority=outbox.BULK)
    await queue(database, contact, ["notice"], priority=outbox.NOTICE)
    telegram = OnceRefusing(set())
    delivery = worker(database, renderer, telegram)
    await delivery.send_due()
    assert [text for _, text in telegram.sent] == ["notice", "bulk"]


async def test_a_row_scheduled_for_later_holds_nobody_back(database: Database, renderer: Renderer) -> None:
    """A reminder waiting for tomorrow's working hours was never tried: a notice queued after it goes now."""
    (contact,) = await contacts_of(database, 1)
    async with database.uow() as uow:
        await outbox.enqueue(uow.session, contact, Reply((Text("reminder"),)), "k:1:reminder", priority=outbox.BULK,
                             not_before=utcnow() + timedelta(hours=20))
        await uow.commit()
    await queue(database, contact, ["notice"])
    telegram = OnceRefusing(set())
    await worker(database, renderer, telegram).send_due()
    assert telegram.sent == [(1, "notice")]


async def test_a_claim_on_sqlite_reads_a_chats_earlier_rows_through_the_index_of_open_rows(
        sqlite_database: Database) -> None:
    """Sent rows are kept 90 days: through the chat's index, a claim read every sent row of each due row's chat, 0.65 s
    a claim with a million sent rows and a broadcast under way, on the one connection the people's updates need."""
    compiled = _DUE.compile(dialect=sqlite_database.engine.dialect)
    values = compiled.construct_params({"now": utcnow(), "limit": 250})
    async with sqlite_database.engine.connect() as connection:
        plan = [row[-1] for row in await connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}", tuple(values[name] for name in compiled.positiontup or ()))]
    assert any("earlier USING INDEX ix_outbox_open" in line for line in plan), plan
