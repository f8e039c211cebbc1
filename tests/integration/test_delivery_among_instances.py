"""Two delivery workers on one PostgreSQL database stand for two instances: one chat's replies keep their order
whatever each instance knows of the other."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import col, update

from bot.delivery import HELD_CHECK_AFTER, DeliveryWorker
from bot.i18n import Rendered, Renderer
from bot.pacing import PaceLimits, Pacer
from bot.shared_pacing import SharedBudget
from handlers import outbox
from handlers.messages import Reply
from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade
from models.repositories.outbox import Queued
from models.tables import Contact, Outbox

pytestmark = pytest.mark.postgres

LIMITS = PaceLimits(1000, 1000, 1000)


class Telegram:
    """Records what was sent, in the order it left, whichever instance sent it."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, chat_id: int, message: Rendered) -> int:
        self.sent.append(message.text)
        return len(self.sent)

    async def edit(self, chat_id: int, message_id: int, message: Rendered) -> None:
        raise AssertionError("no edits here")


@pytest.fixture
async def two(postgres_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two instances' connections to one migrated PostgreSQL database."""
    old, new = Database(postgres_url, instance="old"), Database(postgres_url, instance="new")
    await upgrade(old)
    yield old, new
    await old.dispose()
    await new.dispose()


def instance(database: Database, renderer: Renderer, telegram: Telegram, seen: int) -> DeliveryWorker:
    """A worker whose shared budget counted `seen` instances at its first heartbeat."""
    shared = SharedBudget(database, database.instance, LIMITS.global_per_second, LIMITS.per_chat_per_second,
                          LIMITS.per_chat_burst)
    shared.saw(seen)
    return DeliveryWorker(database, renderer, telegram, "en", Pacer(LIMITS, shared=shared))


async def reply(database: Database, contact: Contact, text: str) -> Queued:
    """A reply its journey wrote as taken by this instance, to be pushed."""
    async with database.uow() as uow:
        row_id = await outbox.enqueue(uow.session, contact, Reply((text,)), f"r:{text}", sending=True)
        await uow.commit()
    assert row_id is not None
    return Queued(row_id, contact.chat_id, contact.id, {"reply": {"parts": [text]}}, "en")


async def test_a_reply_pushed_before_the_instance_saw_a_new_one_waits_for_that_ones_earlier_reply(
        two: tuple[Database, Database], renderer: Renderer) -> None:
    """A rolling restart: the new instance, which found the old one at its first heartbeat, holds its replies for
    START_WAIT; the old one learns of it only at its next heartbeat. Before, the old one pushed a reply of the same
    chat without looking at the outbox, and the person's second answer came before the first."""
    old_db, new_db = two
    async with old_db.uow() as uow:
        person = Contact(telegram_id=7, chat_id=7, first_name="P", language="en")
        uow.session.add(person)
        await uow.commit()
    telegram = Telegram()
    old = instance(old_db, renderer, telegram, seen=1)  # alone at its last heartbeat
    new = instance(new_db, renderer, telegram, seen=2)  # found the old one: waits until it knows of it
    assert old.pacer.shared is not None and not old.pacer.shared.active
    running = [asyncio.create_task(worker.run(idle_poll=0.05)) for worker in (old, new)]
    try:
        await asyncio.wait_for(asyncio.gather(old.started.wait(), new.started.wait()), 10)
        new.push([await reply(new_db, person, "first")])  # the person's first message reached the new instance
        await asyncio.sleep(0.2)
        old.push([await reply(old_db, person, "second")])  # and the next one the old instance, still blind
        for _ in range(200):
            if len(telegram.sent) == 2:
                break
            await asyncio.sleep(0.05)
    finally:
        for worker in (old, new):
            worker.stop()
        await asyncio.gather(*running)
    assert telegram.sent == ["first", "second"]


async def test_the_order_check_read_with_a_reply_is_read_again_only_when_it_found_earlier_rows(
        two: tuple[Database, Database], renderer: Renderer) -> None:
    """The earlier rows read by the statement that wrote a reply (Queued.earlier): none is taken as it is (no look at
    the outbox before sending); some are read again before the reply is held behind one, since the one found
    `sending` may have been sent and recorded since (or released by a restart's recovery)."""
    database, _ = two
    async with database.uow() as uow:
        person = Contact(telegram_id=8, chat_id=8, first_name="P", language="en")
        uow.session.add(person)
        await uow.commit()
    worker = instance(database, renderer, Telegram(), seen=1)
    first = await reply(database, person, "first")
    async with database.uow() as uow:  # sent and recorded meanwhile
        await uow.session.execute(update(Outbox).where(col(Outbox.id) == first.id).values(status="sent"))
        await uow.commit()
    second = await reply(database, person, "second")
    as_written = replace(second, earlier=((first.id, "old", "sending"),))
    assert await worker._open_elsewhere(as_written) is None, "read again: the first is sent"
    async with database.uow() as uow:  # an earlier row open in the outbox, which the reply's statement did not see
        await uow.session.execute(update(Outbox).where(col(Outbox.id) == first.id).values(status="pending",
                                                                                          attempts=2))
        await uow.commit()
    assert await worker._open_elsewhere(second) == first.id, "not read with the row: read now"
    assert await worker._open_elsewhere(replace(second, earlier=())) is None, "none then: taken as it is"


async def test_a_row_held_past_half_its_lease_goes_only_if_it_is_still_this_instances(
        two: tuple[Database, Database], renderer: Renderer) -> None:
    """A tester froze an instance (SIGSTOP) with 24 broadcast rows taken: after their lease another instance sent them,
    and the first, resumed, sent them again. A row held past half its lease goes only if it is still this instance's
    within its lease, which is renewed then: not once another took it, nor once its lease ran out."""
    old_db, new_db = two
    async with old_db.uow() as uow:
        person = Contact(telegram_id=8, chat_id=8, first_name="P", language="en")
        uow.session.add(person)
        await uow.commit()
        row_id = await outbox.enqueue(uow.session, person, Reply(("Announcement",)), "bc-test:8")
        await uow.commit()
    telegram = Telegram()
    worker = instance(old_db, renderer, telegram, 2)
    claimed, _ = await worker._claim()
    assert [item.id for item in claimed] == [row_id]
    paused = replace(claimed[0], taken_at=time.time() - HELD_CHECK_AFTER - 1)

    async def row_is(**values: object) -> None:
        async with new_db.uow() as uow:
            await uow.session.execute(update(Outbox).where(col(Outbox.id) == row_id).values(**values))
            await uow.commit()

    await row_is(taken_by="new")  # its lease ran out meanwhile, and the other instance took it
    await worker._send_in_order([paused])
    await row_is(taken_by="old", not_before=utcnow() - timedelta(seconds=1))  # its lease ran out, not taken yet
    await worker._send_in_order([paused])
    assert telegram.sent == []
    await row_is(not_before=utcnow() + timedelta(seconds=30))  # still its own: it goes, its lease renewed first
    await worker._send_in_order([paused])
    assert telegram.sent == ["Announcement"]
    async with new_db.uow() as uow:
        row = await uow.session.get(Outbox, row_id)
        assert row is not None and row.not_before.replace(tzinfo=None) > (utcnow() + timedelta(seconds=100)).replace(
            tzinfo=None)
