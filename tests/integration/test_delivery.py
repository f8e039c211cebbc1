"""Delivery with a fake Telegram: outcomes of every kind of failure, retries, recovery, edits."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.delivery import (
    MAX_ATTEMPTS,
    DeliveryWorker,
    RecipientGoneError,
    RejectedError,
    RetryLaterError,
    TokenRefusedError,
)
from bot.i18n import Rendered, Renderer
from bot.pacing import PaceLimits, Pacer
from handlers import outbox
from handlers.messages import Reply, Text
from models.clock import utcnow
from models.database import Database
from models.repositories.outbox import OutboxRows
from models.tables import Contact, Outbox


class FakeTelegram:
    """Records sends; chats listed in `failures` raise the given error."""

    def __init__(self, failures: dict[int, Exception] | None = None) -> None:
        self.failures = failures or {}
        self.sent: list[tuple[int, str]] = []
        self.edits: list[tuple[int, int, str]] = []

    async def send(self, chat_id: int, message: Rendered) -> int:
        if chat_id in self.failures:
            raise self.failures[chat_id]
        self.sent.append((chat_id, message.text))
        return 1000 + len(self.sent)

    async def edit(self, chat_id: int, message_id: int, message: Rendered) -> None:
        self.edits.append((chat_id, message_id, message.text))


async def people(database: Database, count: int) -> list[Contact]:
    async with database.uow() as uow:
        contacts = [Contact(telegram_id=n, chat_id=n, first_name=f"P{n}", language="fr") for n in range(1, count + 1)]
        uow.session.add_all(contacts)
        await uow.commit()
    return contacts


async def queue(database: Database, contacts: list[Contact], prefix: str = "t", **kwargs: object) -> None:
    async with database.uow() as uow:
        for contact in contacts:
            await outbox.enqueue(uow.session, contact, Reply((Text("Yes"),)), f"{prefix}:{contact.id}",
                                 priority=outbox.BULK, **kwargs)  # type: ignore[arg-type]
        await uow.commit()


async def statuses(database: Database) -> dict[str, str]:
    async with database.uow() as uow:
        return {row.key: row.status for row in (await uow.session.execute(select(Outbox))).scalars()}


def worker(database: Database, renderer: Renderer, telegram: FakeTelegram) -> DeliveryWorker:
    return DeliveryWorker(database, renderer, telegram, "en", Pacer(PaceLimits(1000, 1000, 1000)))


async def test_each_kind_of_failure_has_its_outcome(database: Database, renderer: Renderer) -> None:
    contacts = await people(database, 5)
    telegram = FakeTelegram({2: RecipientGoneError("Forbidden: bot was blocked by the user"),
                             3: RejectedError("Bad Request: message is too long"),
                             4: RetryLaterError(7.0), 5: OSError("connection reset")})
    await queue(database, contacts)
    delivery = worker(database, renderer, telegram)
    before = utcnow()  # the waits are counted from the sending, not from these checks (a loaded machine is slow)
    assert (await delivery.send_due())[0] == 5
    assert telegram.sent == [(1, "Oui")]  # rendered in the recipient's language at send time
    await delivery.drain()
    result = await statuses(database)
    assert result == {"t:1": "sent", "t:2": "unreachable", "t:3": "failed", "t:4": "pending", "t:5": "pending",
                      "refused:3": "pending"}  # the reader of the refused message is told (bot.refusals)
    async with database.uow() as uow:
        blocked = await uow.session.get(Contact, 2)
        assert blocked is not None and blocked.blocked
        waiting = (await uow.session.execute(select(Outbox).where(Outbox.key == "t:4"))).scalar_one()
        assert waiting.not_before >= before + timedelta(seconds=7) and waiting.attempts == 0
        retried = (await uow.session.execute(select(Outbox).where(Outbox.key == "t:5"))).scalar_one()
        assert retried.attempts == 1 and retried.not_before > before
        # its first backoff is 0.5-1.5 s, which a loaded machine can spend before the next line: put it out of reach
        retried.not_before = utcnow() + timedelta(minutes=1)
        await uow.commit()
    assert (await delivery.send_due())[0] == 1, "nothing is due again before its time but the explanation"
    assert (await statuses(database))["refused:3"] == "failed"  # refused in turn (chat 3 fails): not explained again


async def due_now(database: Database) -> None:
    """Every pending row due at once (a retry's backoff skipped)."""
    async with database.uow() as uow:
        for row in (await uow.session.execute(select(Outbox).where(Outbox.status == "pending"))).scalars():
            row.not_before = utcnow() - timedelta(seconds=1)
        await uow.commit()


async def test_a_message_telegram_cannot_take_while_it_answers_others_is_given_up(database: Database,
                                                                                  renderer: Renderer) -> None:
    contacts = await people(database, 2)
    await queue(database, contacts[:1])
    delivery = worker(database, renderer, FakeTelegram({1: OSError("timeout")}))
    for round_ in range(MAX_ATTEMPTS):
        await queue(database, contacts[1:], prefix=f"other{round_}")  # Telegram answers someone else in between
        await due_now(database)
        await delivery.send_due()
        await delivery.drain()
    result = await statuses(database)
    assert result["t:1"] == "failed" and all(v == "sent" for k, v in result.items() if k.startswith("other"))


@pytest.mark.parametrize("away", [OSError("Cannot connect to host"), TokenRefusedError("Unauthorized")])
async def test_an_outage_is_waited_out_not_given_up(database: Database, renderer: Renderer, away: Exception) -> None:
    """Restart tester: Telegram or the network away for 30-45 s lost every message in flight for good (failed after
    five tries): an Arabic focal point's answer, a whole broadcast. Tried again while nothing is answered. So are
    messages while Telegram refuses the token (an operator: a broadcast sent while the token was being rotated, as
    operations.md says, was failed for good with "Unauthorized")."""
    contacts = await people(database, 3)
    await queue(database, contacts)
    telegram = FakeTelegram(dict.fromkeys((1, 2, 3), away))
    delivery = worker(database, renderer, telegram)
    for _ in range(MAX_ATTEMPTS * 3):
        await due_now(database)
        await delivery.send_due()
        await delivery.drain()
    assert set((await statuses(database)).values()) == {"pending"}
    telegram.failures.clear()  # Telegram is back
    await due_now(database)
    await delivery.send_due()
    await delivery.drain()
    assert set((await statuses(database)).values()) == {"sent"} and len(telegram.sent) == 3


async def expire_leases(database: Database) -> None:
    async with database.uow() as uow:
        for row in (await uow.session.execute(select(Outbox).where(Outbox.status == "sending"))).scalars():
            row.not_before = utcnow() - timedelta(seconds=1)
        await uow.commit()


async def test_rows_in_flight_at_a_crash_are_sent_after_restart(database: Database, renderer: Renderer) -> None:
    contacts = await people(database, 3)
    await queue(database, contacts, sending=True)
    telegram = FakeTelegram()
    delivery = worker(database, renderer, telegram)
    assert (await delivery.send_due())[0] == 0
    if database.is_sqlite:  # one process sends: whatever is "sending" at its start was left by its crash
        assert await delivery.recover() == 3
    else:  # another instance may be sending them now: they are taken again once their lease runs out
        assert await delivery.recover() == 0
        await expire_leases(database)
        assert await delivery.recover() == 3
    assert (await delivery.send_due())[0] == 3 and len(telegram.sent) == 3


async def test_rows_of_a_worker_that_died_are_swept_while_running(database: Database, renderer: Renderer) -> None:
    contacts = await people(database, 2)
    await queue(database, contacts, sending=True)  # taken by a worker that then died
    await expire_leases(database)
    telegram = FakeTelegram()
    delivery = worker(database, renderer, telegram)
    assert await delivery.recover(expired_only=True) == 2
    await queue(database, contacts, prefix="u", sending=True)  # taken by a live worker, lease running
    assert await delivery.recover(expired_only=True) == 0
    assert (await delivery.send_due())[0] == 2 and sorted(telegram.sent) == [(1, "Oui"), (2, "Oui")]


async def test_a_claim_takes_a_few_rows_of_one_chat_at_a_time(database: Database, renderer: Renderer) -> None:
    contacts = await people(database, 1)
    for n in range(25):
        await queue(database, contacts, prefix=f"n{n:02d}")
    telegram = FakeTelegram()
    delivery = worker(database, renderer, telegram)
    assert (await delivery.send_due())[0] == 10, "ten at a time go out well within the sending lease"
    assert (await delivery.send_due())[0] == 10
    assert (await delivery.send_due())[0] == 5
    assert len(telegram.sent) == 25


async def test_a_chat_paused_with_a_backlog_holds_nobody_else_back(database: Database, renderer: Renderer) -> None:
    """A reviewer: a 429 on a chat with a claim's worth of due rows (the lowest ids) left every claim reading only
    those rows, refused while the chat was paused: nobody else's reminder went out for the whole retry-after."""
    one, two = await people(database, 2)
    async with database.uow() as uow:
        for n in range(60):  # a staff member's notices piling up
            await outbox.enqueue(uow.session, one, Reply((Text("Yes"),)), f"n:{n:02d}", priority=outbox.NOTICE)
        await outbox.enqueue(uow.session, two, Reply((Text("Yes"),)), "reminder", priority=outbox.BULK)
        await uow.commit()
    telegram = FakeTelegram({1: RetryLaterError(40.0)})
    delivery = DeliveryWorker(database, renderer, telegram, "en", Pacer(PaceLimits(30, 1, 3)))  # claims of 50
    assert (await delivery.send_due())[0] == 10, "the chat's first ten: a 429 on the first, the others behind it"
    before = utcnow()
    assert (await delivery.send_due())[0] == 1 and telegram.sent == [(2, "Oui")], "the reminder goes at once"
    async with database.uow() as uow:
        rows = (await uow.session.execute(select(Outbox).where(Outbox.chat_id == 1))).scalars().all()
    assert {row.status for row in rows} == {"pending"} and all(row.attempts == 0 for row in rows)
    if database.is_sqlite:  # claims read them, and postpone them until the pause ends
        waiting = [row for row in rows if row.not_before > before + timedelta(seconds=30)]
        assert len(waiting) >= 50, "the paused chat's rows read wait in the outbox until its pause ends"
    # on PostgreSQL, where claims keep the order among instances, they are not read behind the row given back


class PausedElsewhere:
    """The shared budget as another instance left it: chat 1 paused for 300 s by a 429 that instance received."""

    active = True

    async def until_ready(self) -> None: ...

    async def chat_wait(self, chat_id: int) -> float:
        return 300.0 if chat_id == 1 else 0.0

    async def global_slot(self, waiting: int) -> None: ...

    def pause_chat(self, chat_id: int, seconds: float) -> None: ...


async def test_a_chat_paused_by_another_instance_is_given_back_not_slept_on(database: Database,
                                                                         renderer: Renderer) -> None:
    """A reviewer: an instance slept a chat's shared pause holding the rows it had claimed with it (of every chat);
    their leases ran out, another instance's sweep released them and it sent them, and then this one did again."""
    contacts = await people(database, 3)
    await queue(database, contacts)
    mine, theirs = FakeTelegram(), FakeTelegram()
    other = worker(database, renderer, theirs)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if seconds >= 120:  # meanwhile the leases ran out, and the other instance sweeps and sends what it finds
            await expire_leases(database)
            await other.recover(expired_only=True)
            await other.send_due()

    delivery = DeliveryWorker(database, renderer, mine, "en",
                              Pacer(PaceLimits(1000, 1000, 1000), sleep=sleep, shared=PausedElsewhere()))
    before = utcnow()
    assert (await delivery.send_due())[0] == 3
    assert slept == [] and sorted(mine.sent) == [(2, "Oui"), (3, "Oui")] and theirs.sent == []
    async with database.uow() as uow:
        paused = (await uow.session.execute(select(Outbox).where(Outbox.key == "t:1"))).scalar_one()
    assert paused.status == "pending" and paused.attempts == 0, "given back untried"
    assert paused.not_before >= before + timedelta(seconds=300), "until the pause ends"
    async with database.uow() as uow:  # a reply to the paused chat, pushed: given back too, not slept on
        row_id = await outbox.enqueue(uow.session, contacts[0], Reply((Text("Yes"),)), "r:1", sending=True)
        await uow.commit()
    assert row_id is not None
    delivery.push([outbox.Queued(row_id, 1, contacts[0].id, {"reply": {"parts": [{"$": "text", "v": {"id": "Yes"}}]}},
                                 "fr")])
    await delivery.drain()
    assert slept == [] and (await statuses(database))["r:1"] == "pending" and len(mine.sent) == 2


async def test_enqueuing_twice_is_harmless(database: Database, renderer: Renderer) -> None:
    contacts = await people(database, 2)
    await queue(database, contacts)
    await queue(database, contacts)
    assert len(await statuses(database)) == 2


async def test_an_edit_waits_for_the_message_it_edits(database: Database, renderer: Renderer) -> None:
    contacts = await people(database, 1)
    await queue(database, contacts, prefix="progress")
    await queue(database, contacts, prefix="edit", edit_of="progress:1")
    telegram = FakeTelegram()
    delivery = worker(database, renderer, telegram)
    await delivery.send_due()
    async with database.uow() as uow:
        for row in (await uow.session.execute(select(Outbox))).scalars():
            row.not_before = utcnow() - timedelta(seconds=1)
        await uow.commit()
    await delivery.send_due()
    assert telegram.edits == [(1, 1001, "Oui")]


async def test_an_edit_of_a_message_never_sent_is_dropped_and_holds_nobody_back(database: Database,
                                                                               renderer: Renderer) -> None:
    contacts = await people(database, 2)
    await queue(database, contacts[:1], prefix="nowhere", edit_of="never:written")  # a staff member added later
    await queue(database, contacts[1:], prefix="notice")
    telegram = FakeTelegram({2: RecipientGoneError("blocked")})
    delivery = worker(database, renderer, telegram)
    await delivery.send_due()
    await queue(database, contacts[1:], prefix="closed", edit_of="notice:2")  # its original never went out
    await queue(database, contacts, prefix="after")
    await delivery.send_due()
    assert {key: status for key, status in (await statuses(database)).items() if key != "after:2"} == {
        "nowhere:1": "cancelled", "notice:2": "unreachable", "closed:2": "cancelled", "after:1": "sent"}
    assert telegram.edits == [] and telegram.sent == [(1, "Oui")]


@pytest.mark.parametrize("interactive", [True])
async def test_pushed_replies_go_out_without_polling(database: Database, renderer: Renderer,
                                                     interactive: bool) -> None:
    contacts = await people(database, 1)
    async with database.uow() as uow:
        row_id = await outbox.enqueue(uow.session, contacts[0], Reply((Text("Yes"),)), "r:1", sending=interactive)
        await uow.commit()
    assert row_id is not None
    telegram = FakeTelegram()
    delivery = worker(database, renderer, telegram)
    delivery.push([outbox.Queued(row_id, 1, contacts[0].id, {"reply": {"parts": [{"$": "text", "v": {"id": "Yes"}}]}},
                                 "fr")])
    await delivery.drain()
    assert telegram.sent == [(1, "Oui")] and await statuses(database) == {"r:1": "sent"}


async def test_replies_left_unsent_at_a_stop_go_before_the_next_reply_of_their_chat(database: Database,
                                                                                    renderer: Renderer) -> None:
    """Restart tester: after a crash, the reply to the first new message was pushed at once and overtook the one
    left in flight, so the person found the question they had just answered below the answer to the next one."""
    contacts = await people(database, 1)
    async with database.uow() as uow:
        await outbox.enqueue(uow.session, contacts[0], Reply(("the question left in flight",)), "r:old", sending=True)
        await uow.commit()
    await expire_leases(database)  # its worker is gone (PostgreSQL takes it back once its lease ran out)
    telegram = FakeTelegram()
    delivery = worker(database, renderer, telegram)
    running = asyncio.create_task(delivery.run(idle_poll=0.05))
    await asyncio.sleep(0)  # delivery begins taking back what was left in flight; a new message arrives meanwhile
    async with database.uow() as uow:
        row_id = await outbox.enqueue(uow.session, contacts[0], Reply(("the answer to what came next",)), "r:new",
                                      sending=True)
        await uow.commit()
    assert row_id is not None
    delivery.push([outbox.Queued(row_id, 1, contacts[0].id, {"reply": {"parts": ["the answer to what came next"]}},
                                 "fr")])
    for _ in range(200):
        if len(telegram.sent) == 2:
            break
        await asyncio.sleep(0.05)
    delivery.stop()
    await running
    assert [text for _, text in telegram.sent] == ["the question left in flight", "the answer to what came next"]


async def test_outcomes_appended_while_a_flush_runs_are_not_lost(database: Database, renderer: Renderer) -> None:
    """Regression: an append bound to the outcome list before awaiting the send lost outcomes that a
    concurrent flush had swapped out; their rows stayed "sending" and broadcasts never finished."""
    contacts = await people(database, 20)
    await queue(database, contacts)

    class FlushingTelegram(FakeTelegram):
        async def send(self, chat_id: int, message: Rendered) -> int:
            await delivery._flush_outcomes()  # a flush by the recorder, in the middle of the send
            return await super().send(chat_id, message)

    delivery = worker(database, renderer, FlushingTelegram())
    await delivery.send_due()
    assert set((await statuses(database)).values()) == {"sent"}


async def test_the_running_worker_sweeps_rows_whose_lease_ran_out(database: Database, renderer: Renderer) -> None:
    contacts = await people(database, 1)
    telegram = FakeTelegram()
    delivery = worker(database, renderer, telegram)
    running = asyncio.create_task(delivery.run(idle_poll=0.05, sweep_every=0.05))
    await asyncio.wait_for(delivery.started.wait(), 5)  # its own recovery at start is behind it
    await queue(database, contacts, sending=True)  # another worker took it, then died
    await expire_leases(database)
    await stop_once_sent(delivery, running, telegram)
    assert telegram.sent == [(1, "Oui")]


async def test_delivery_keeps_running_when_a_claim_fails(sqlite_database: Database, renderer: Renderer,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    await queue(sqlite_database, await people(sqlite_database, 1))
    telegram = FakeTelegram()
    delivery = worker(sqlite_database, renderer, telegram)
    claim = delivery._claim
    failures = []

    async def claim_failing_once() -> tuple[list[outbox.Queued], float]:
        if not failures:
            failures.append(1)
            raise ConnectionResetError("the database went away")
        return await claim()

    monkeypatch.setattr(delivery, "_claim", claim_failing_once)
    await stop_once_sent(delivery, asyncio.create_task(delivery.run(idle_poll=0.05)), telegram)
    assert failures == [1] and [chat for chat, _ in telegram.sent] == [1]


async def stop_once_sent(delivery: DeliveryWorker, running: asyncio.Task[None], telegram: FakeTelegram) -> None:
    """Let a running worker go until something was sent (two seconds at most), then stop it."""
    for _ in range(100):
        if telegram.sent:
            break
        await asyncio.sleep(0.02)
    delivery.stop()
    await running


async def test_the_copies_of_a_notification_are_found_by_their_key_prefix_alone(database: Database) -> None:
    contacts = await people(database, 3)
    await queue(database, contacts, prefix="pledge:5:v1")
    await queue(database, contacts[:1], prefix="pledge:5:v10")
    await queue(database, contacts[:1], prefix="pledge_5%v1")
    async with database.uow() as uow:
        rows = OutboxRows(uow.session)
        assert await rows.copies("pledge:5:v1:") == {f"pledge:5:v1:{c.id}": c.id for c in contacts}
        assert await rows.copies("pledge_5%v1:") == {f"pledge_5%v1:{contacts[0].id}": contacts[0].id}
        assert await rows.copies("pledge:5:v2:") == {}
        if database.url.startswith("sqlite"):  # answered from the key's index, not by reading the whole outbox
            plan = " ".join(str(row) for row in await uow.session.execute(
                sa.text("EXPLAIN QUERY PLAN SELECT key FROM outbox WHERE key GLOB 'pledge:5:v1:*'")))
            assert "USING" in plan and "INDEX" in plan, plan
