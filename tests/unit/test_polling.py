"""bot.polling: an update is confirmed to Telegram (the offset moves past it) only once it was handled."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiogram.types import Update
from aiogram.utils.backoff import BackoffConfig

import bot.polling
from bot.delivery import ConflictError
from bot.metrics import REGISTRY
from bot.polling import CONFLICT_CLEAR, CONFLICTS_ALARM, Conflicts, Poller


def update(update_id: int) -> dict[str, Any]:
    """An update as Telegram sends it (JSON)."""
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_764_576_000, "chat": {"id": 7, "type": "private", "first_name": "A"},
        "from": {"id": 7, "is_bot": False, "first_name": "A"}, "text": "hi"}}


built: list[int] = []


def parse(raw: dict[str, Any]) -> Update:
    """aiogram's Update, counted in `built`."""
    item = Update.model_validate(raw)
    built.append(item.update_id)
    return item


class FakeBotApi:
    """getUpdates with Telegram's offset semantics over a list of pending updates; fails when told to."""

    def __init__(self, *ids: int) -> None:
        self.pending = [update(i) for i in ids]
        self.offsets: list[int | None] = []
        self.failures = 0
        self.polled = asyncio.Event()

    async def __call__(self, offset: int | None, timeout: int, allowed_updates: list[str]) -> list[dict[str, Any]]:
        self.offsets.append(offset)
        self.polled.set()
        if self.failures:
            self.failures -= 1
            raise ConnectionError("Bot API unreachable")
        if offset is not None:
            self.pending = [u for u in self.pending if u.get("update_id", 0) >= offset]
        if not self.pending:
            await asyncio.sleep(0.01 if timeout == 0 else 0.05)
        return list(self.pending)

    def add(self, update_id: int) -> None:
        self.pending.append(update(update_id))


async def polls(api: FakeBotApi, count: int = 1) -> None:
    for _ in range(count):
        api.polled.clear()
        await asyncio.wait_for(api.polled.wait(), 5)


async def test_an_update_in_hand_is_not_confirmed_and_not_fed_twice() -> None:
    built.clear()
    api = FakeBotApi(1, 2, 3)
    release = asyncio.Event()
    fed: list[int] = []

    async def feed(item: Update) -> None:
        fed.append(item.update_id)
        if item.update_id == 2:
            await release.wait()

    poller = Poller(api, parse, feed, ["message"], settle=0.02)
    stop = asyncio.Event()
    running = asyncio.create_task(poller.run(stop))
    await polls(api, 4)
    assert max(o or 0 for o in api.offsets) == 2, "the offset stays at the update still being handled"
    assert fed.count(2) == 1 and sorted(set(fed)) == [1, 2, 3], "fetched again, it is not handled again"
    assert sorted(built) == [1, 2, 3], "nor built again: only an update not seen before is read"
    release.set()
    await polls(api, 3)
    assert api.offsets[-1] == 4, "once handled, everything up to the newest is confirmed"
    api.add(4)
    await polls(api, 3)
    assert fed == [1, 2, 3, 4]
    stop.set()
    await running


async def test_an_unreachable_bot_api_is_asked_again_and_stopping_still_works() -> None:
    api = FakeBotApi(1)
    api.failures = 2
    fed: list[int] = []

    async def feed(item: Update) -> None:
        fed.append(item.update_id)

    poller = Poller(api, parse, feed, ["message"])
    stop = asyncio.Event()
    running = asyncio.create_task(poller.run(stop))
    for _ in range(300):
        if fed:
            break
        await asyncio.sleep(0.01)
    assert fed == [1], "after two failed fetches the update is fetched and handled"
    stop.set()
    await asyncio.wait_for(running, 5)


async def test_at_stop_an_update_still_running_after_the_grace_is_cancelled_unconfirmed() -> None:
    api = FakeBotApi(1)
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def feed(item: Update) -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    poller = Poller(api, parse, feed, ["message"], settle=0.01)
    stop = asyncio.Event()
    running = asyncio.create_task(poller.run(stop, grace=0.05))
    await asyncio.wait_for(started.wait(), 5)
    stop.set()
    await asyncio.wait_for(running, 5)
    assert cancelled.is_set()
    assert all(offset in (None, 1) for offset in api.offsets), "update 1 was never confirmed"
    assert not poller.in_hand


def test_the_first_offset_is_none_and_follows_the_newest() -> None:
    poller = Poller(FakeBotApi(), parse, lambda item: asyncio.sleep(0), ["message"])
    assert poller.offset() is None
    poller.newest = 41
    assert poller.offset() == 42


async def test_an_update_that_cannot_be_read_is_confirmed_and_the_next_ones_handled(
        caplog: pytest.LogCaptureFixture) -> None:
    api = FakeBotApi(1, 3)
    api.pending.insert(1, {"update_id": 2, "message": {"text": "secret words", "chat": "not a chat"}})
    api.pending.append({"no id": True})
    fed: list[int] = []

    async def feed(item: Update) -> None:
        fed.append(item.update_id)

    poller = Poller(api, parse, feed, ["message"], settle=0.01)
    stop = asyncio.Event()
    with caplog.at_level(logging.WARNING, logger="bot.polling"):
        running = asyncio.create_task(poller.run(stop))
        for _ in range(300):
            if fed == [1, 3] and api.offsets[-1] == 4:
                break
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(running, 5)
    assert fed == [1, 3], "the update that cannot be read holds back no other"
    assert api.offsets[-1] == 4, "and it is confirmed, else Telegram would send it first for ever"
    assert "secret words" not in caplog.text, "what the person wrote stays out of the log"
    assert [r.__dict__.get("update_id") for r in caplog.records if "could not be read" in r.getMessage()] == [2]


WEBHOOK_ACTIVE = ("Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the "
                  "webhook first")


async def test_repeated_409_conflicts_are_logged_in_telegrams_words_then_an_error_and_not_ready(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """A webhook left set, or a second poller, made polling retry for ever logging only 'DeliveryError' (operator)."""
    monkeypatch.setattr(bot.polling, "RETRY", BackoffConfig(min_delay=0.01, max_delay=0.02, factor=2.0, jitter=0.1))

    async def refused(offset: int | None, timeout: int, allowed_updates: list[str]) -> list[dict[str, Any]]:
        raise ConflictError(WEBHOOK_ACTIVE)

    async def feed(item: Update) -> None:
        raise AssertionError("nothing arrives")

    before = (REGISTRY.get_sample_value("p2c_polling_conflicts_total") or 0)
    poller = Poller(refused, parse, feed, ["message"])
    stop = asyncio.Event()
    with caplog.at_level(logging.WARNING, logger="bot.polling"):
        running = asyncio.create_task(poller.run(stop))
        for _ in range(500):
            if poller.conflicts.count >= CONFLICTS_ALARM + 2:
                break
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(running, 5)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings and all(vars(r)["description"] == WEBHOOK_ACTIVE for r in warnings)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and WEBHOOK_ACTIVE in errors[0] and "Stop the other process" in errors[0]
    assert poller.conflicts.state().startswith("refused ")
    assert (REGISTRY.get_sample_value("p2c_polling_conflicts_total") or 0) - before == poller.conflicts.count


def test_a_spell_of_conflicts_ends_after_a_quiet_while() -> None:
    now = [0.0]
    conflicts = Conflicts(clock=lambda: now[0])
    conflicts.seen("Conflict: terminated by other getUpdates request")
    assert conflicts.state() == "ok", "one refusal may be a poller just replaced"
    for _ in range(CONFLICTS_ALARM - 1):
        now[0] += 5
        conflicts.seen("Conflict: terminated by other getUpdates request")
    assert conflicts.state() != "ok"
    now[0] += CONFLICT_CLEAR + 1
    assert conflicts.state() == "ok"
    conflicts.seen("Conflict: terminated by other getUpdates request")
    assert conflicts.count == 1, "a new spell"


async def test_the_person_of_an_update_that_cannot_be_read_is_told() -> None:
    """Tester t2 #10: such an update was only logged, and the person met silence; now its JSON goes to `unreadable`,
    and it is confirmed once that is done."""
    api = FakeBotApi(1)
    api.pending.append({"update_id": 2, "message": {"text": "a poll", "chat": {"id": 7, "type": "private"}}})
    told: list[dict[str, Any]] = []

    async def unreadable(raw: dict[str, Any]) -> None:
        told.append(raw)
        raise RuntimeError("the database is away")  # logged, and the update confirmed all the same

    async def feed(item: Update) -> None:
        return None

    poller = Poller(api, parse, feed, ["message"], settle=0.01, unreadable=unreadable)
    stop = asyncio.Event()
    running = asyncio.create_task(poller.run(stop))
    for _ in range(300):
        if api.offsets and api.offsets[-1] == 3:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(running, 5)
    assert [raw["update_id"] for raw in told] == [2]
    assert api.offsets[-1] == 3
