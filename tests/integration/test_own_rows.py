"""An instance takes back at once the rows it took and lost on the way, never another instance's or one in flight.

After a PostgreSQL crash a reply already taken (its transaction committed, the confirmation lost) used to wait out
the two-minute lease.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.delivery import DeliveryWorker
from bot.i18n import Rendered, Renderer
from bot.pacing import PaceLimits, Pacer
from handlers import outbox
from handlers.messages import Reply, Text
from models.clock import utcnow
from models.database import Database
from models.repositories.outbox import OutboxRows
from models.tables import Contact, Outbox


class Telegram:
    """Records sends; a send to a chat in `hold` waits until `release` is set."""

    def __init__(self, hold: set[int] | None = None) -> None:
        self.hold = hold or set()
        self.release = asyncio.Event()
        self.sent: list[tuple[int, str]] = []

    async def send(self, chat_id: int, message: Rendered) -> int:
        if chat_id in self.hold:
            await self.release.wait()
        self.sent.append((chat_id, message.text))
        return len(self.sent)

    async def edit(self, chat_id: int, message_id: int, message: Rendered) -> None:
        raise AssertionError("no edits here")


def as_instance(database: Database, name: str) -> Database:
    """Another handle on the same database, as the instance `name`."""
    return Database(database.url, instance=name)


async def taken(database: Database, chat_id: int, text: str, taken_ago: float) -> int:
    """A reply written as taken by `database`'s instance `taken_ago` seconds ago (its push never came)."""
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.chat_id == chat_id))).scalar_one_or_none()
        if contact is None:
            contact = Contact(telegram_id=chat_id, chat_id=chat_id, first_name="P", language="en")
            uow.session.add(contact)
            await uow.flush()
        row_id = await outbox.enqueue(uow.session, contact, Reply((Text(text),)), f"k:{text}", sending=True)
        await uow.commit()
    assert row_id is not None
    async with database.uow() as uow:
        row = await uow.session.get(Outbox, row_id)
        assert row is not None
        row.not_before -= timedelta(seconds=taken_ago)
        await uow.commit()
    return row_id


async def status(database: Database, row_id: int) -> str:
    async with database.uow() as uow:
        row = await uow.session.get(Outbox, row_id)
        assert row is not None
        return row.status


async def test_an_instance_takes_back_its_lost_rows_at_once(database: Database, renderer: Renderer) -> None:
    me, other = as_instance(database, "bot-a"), as_instance(database, "bot-b")
    try:
        telegram = Telegram(hold={3})
        delivery = DeliveryWorker(me, renderer, telegram, "en", Pacer(PaceLimits(1000, 1000, 1000)))
        lost = await taken(me, 1, "lost", taken_ago=20)
        theirs = await taken(other, 2, "theirs", taken_ago=20)
        fresh = await taken(me, 4, "fresh", taken_ago=0)  # just committed: its push may be on its way
        in_flight = await taken(me, 3, "in flight", taken_ago=20)
        delivery.push([outbox.Queued(in_flight, 3, None, {}, "en", message=Reply((Text("in flight"),)))])
        await asyncio.sleep(0.05)
        assert await delivery.take_back_own() == 1, "only the row it lost, long before its lease runs out"
        assert await status(me, lost) == "pending"
        assert await status(me, theirs) == "sending" and await status(me, fresh) == "sending"
        assert await status(me, in_flight) == "sending"
        await delivery.send_due()
        assert telegram.sent == [(1, "lost")]
        telegram.release.set()
        await delivery.drain()
        assert await delivery.take_back_own() == 0 and await status(me, in_flight) == "sent"
        assert len(telegram.sent) == 2, "nothing went out twice"
    finally:
        await me.dispose()
        await other.dispose()


async def test_a_restart_under_a_stable_identity_takes_back_the_rows_of_before(database: Database,
                                                                               renderer: Renderer) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite has one instance: it takes back every row left sending at its start")
    before = as_instance(database, "bot-a")
    lost = await taken(before, 1, "lost", taken_ago=20)
    await before.dispose()
    stranger, again = Database(database.url), as_instance(database, "bot-a")  # a random identity, the same one
    try:
        assert await DeliveryWorker(stranger, renderer, Telegram(), "en").recover() == 0
        assert await status(again, lost) == "sending"
        assert await DeliveryWorker(again, renderer, Telegram(), "en").recover() == 1
        assert await status(again, lost) == "pending"
    finally:
        await stranger.dispose()
        await again.dispose()


async def one_row(database: Database, chat_id: int) -> None:
    """One reply "x" (key k:x) to a person of this chat."""
    async with database.uow() as uow:
        contact = Contact(telegram_id=chat_id, chat_id=chat_id, first_name="P", language="en")
        uow.session.add(contact)
        await uow.flush()
        await outbox.enqueue(uow.session, contact, Reply((Text("x"),)), "k:x")
        await uow.commit()


async def test_claimed_rows_carry_their_instance(database: Database, renderer: Renderer) -> None:
    me = as_instance(database, "bot-a")
    try:
        await one_row(me, 5)
        delivery = DeliveryWorker(me, renderer, Telegram(hold={5}), "en", Pacer(PaceLimits(1000, 1000, 1000)))
        claim = asyncio.create_task(delivery.send_due())
        await asyncio.sleep(0.3)
        async with me.uow() as uow:
            row = (await uow.session.execute(select(Outbox).where(Outbox.key == "k:x"))).scalar_one()
            assert (row.status, row.taken_by) == ("sending", "bot-a")
            assert row.not_before > utcnow() + timedelta(minutes=1)
        assert await delivery.take_back_own() == 0, "a row just taken is left alone"
        delivery.sender.release.set()  # type: ignore[attr-defined]
        await claim
    finally:
        await me.dispose()


async def test_an_outcome_is_not_recorded_over_a_row_another_instance_took_since(database: Database,
                                                                                 renderer: Renderer) -> None:
    """A reviewer: an instance whose lease ran out while it sent a row recorded its outcome all the same, over the
    outcome of the instance that had taken the row since and sent it (a retry recorded so would send it again)."""

    class Failing(Telegram):
        """Holds the send until `release`, then fails it (a timeout, to be retried)."""

        def __init__(self) -> None:
            super().__init__(hold={1})
            self.entered = asyncio.Event()

        async def send(self, chat_id: int, message: Rendered) -> int:
            self.entered.set()
            await self.release.wait()
            raise OSError("timed out")

    me, other = as_instance(database, "bot-a"), as_instance(database, "bot-b")
    try:
        await one_row(me, 1)
        slow, theirs = Failing(), Telegram()
        mine = DeliveryWorker(me, renderer, slow, "en", Pacer(PaceLimits(1000, 1000, 1000)))
        sending = asyncio.create_task(mine.send_due())
        await asyncio.wait_for(slow.entered.wait(), 10)
        async with other.uow() as uow:  # the lease runs out meanwhile
            row = (await uow.session.execute(select(Outbox).where(Outbox.key == "k:x"))).scalar_one()
            row.not_before = utcnow() - timedelta(seconds=1)
            await uow.commit()
        instead = DeliveryWorker(other, renderer, theirs, "en", Pacer(PaceLimits(1000, 1000, 1000)))
        assert await instead.recover(expired_only=True) == 1
        assert (await instead.send_due())[0] == 1 and theirs.sent == [(1, "x")]
        slow.release.set()
        await sending
        async with me.uow() as uow:
            row = (await uow.session.execute(select(Outbox).where(Outbox.key == "k:x"))).scalar_one()
        assert (row.status, row.taken_by, row.last_error) == ("sent", "bot-b", None), "the other instance's outcome"
    finally:
        await me.dispose()
        await other.dispose()


async def test_an_outcome_is_recorded_on_a_row_released_but_not_taken_since(database: Database,
                                                                            renderer: Renderer) -> None:
    """The lease of a slow send ran out and the row was released, but nobody took it again: the message did go
    out, and is recorded so (not sent a second time)."""

    class Slow(Telegram):
        def __init__(self) -> None:
            super().__init__()
            self.entered, self.go_on = asyncio.Event(), asyncio.Event()

        async def send(self, chat_id: int, message: Rendered) -> int:
            self.entered.set()
            await self.go_on.wait()
            return await super().send(chat_id, message)

    me = as_instance(database, "bot-a")
    try:
        await one_row(me, 1)
        slow = Slow()
        worker = DeliveryWorker(me, renderer, slow, "en", Pacer(PaceLimits(1000, 1000, 1000)))
        sending = asyncio.create_task(worker.send_due())
        await asyncio.wait_for(slow.entered.wait(), 10)
        async with me.uow() as uow:  # the lease runs out, and a sweep releases the row
            row = (await uow.session.execute(select(Outbox).where(Outbox.key == "k:x"))).scalar_one()
            row.not_before = utcnow() - timedelta(seconds=1)
            await uow.commit()
        async with me.uow() as uow:
            assert await OutboxRows(uow.session).release(utcnow(), expired_only=True) == 1
            await uow.commit()
        slow.go_on.set()
        await sending
        async with me.uow() as uow:
            row = (await uow.session.execute(select(Outbox).where(Outbox.key == "k:x"))).scalar_one()
        assert (row.status, slow.sent) == ("sent", [(1, "x")])
    finally:
        await me.dispose()
