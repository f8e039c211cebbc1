"""bot.polling: an update is confirmed to Telegram (the offset moves past it) only once it was handled."""

from __future__ import annotations

import asyncio

from aiogram.methods import GetUpdates
from aiogram.types import Update

from bot.polling import Poller


def update(update_id: int) -> Update:
    return Update.model_validate({"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_764_576_000, "chat": {"id": 7, "type": "private", "first_name": "A"},
        "from": {"id": 7, "is_bot": False, "first_name": "A"}, "text": "hi"}})


class FakeBotApi:
    """getUpdates with Telegram's offset semantics over a list of pending updates; fails when told to."""

    def __init__(self, *ids: int) -> None:
        self.pending = [update(i) for i in ids]
        self.offsets: list[int | None] = []
        self.failures = 0
        self.polled = asyncio.Event()

    async def __call__(self, request: GetUpdates, request_timeout: int | None = None) -> list[Update]:
        self.offsets.append(request.offset)
        self.polled.set()
        if self.failures:
            self.failures -= 1
            raise ConnectionError("Bot API unreachable")
        if request.offset is not None:
            self.pending = [u for u in self.pending if u.update_id >= request.offset]
        if not self.pending:
            await asyncio.sleep(0.01 if request.timeout == 0 else 0.05)
        return list(self.pending)

    def add(self, update_id: int) -> None:
        self.pending.append(update(update_id))


async def polls(api: FakeBotApi, count: int = 1) -> None:
    for _ in range(count):
        api.polled.clear()
        await asyncio.wait_for(api.polled.wait(), 5)


async def test_an_update_in_hand_is_not_confirmed_and_not_fed_twice() -> None:
    api = FakeBotApi(1, 2, 3)
    release = asyncio.Event()
    fed: list[int] = []

    async def feed(item: Update) -> None:
        fed.append(item.update_id)
        if item.update_id == 2:
            await release.wait()

    poller = Poller(api, feed, ["message"], settle=0.02)  # type: ignore[arg-type]
    stop = asyncio.Event()
    running = asyncio.create_task(poller.run(stop))
    await polls(api, 4)
    assert max(o or 0 for o in api.offsets) == 2, "the offset stays at the update still being handled"
    assert fed.count(2) == 1 and sorted(set(fed)) == [1, 2, 3], "fetched again, it is not handled again"
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

    poller = Poller(api, feed, ["message"])  # type: ignore[arg-type]
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

    poller = Poller(api, feed, ["message"], settle=0.01)  # type: ignore[arg-type]
    stop = asyncio.Event()
    running = asyncio.create_task(poller.run(stop, grace=0.05))
    await asyncio.wait_for(started.wait(), 5)
    stop.set()
    await asyncio.wait_for(running, 5)
    assert cancelled.is_set()
    assert all(offset in (None, 1) for offset in api.offsets), "update 1 was never confirmed"
    assert not poller.in_hand


def test_the_first_offset_is_none_and_follows_the_newest() -> None:
    poller = Poller(FakeBotApi(), lambda item: asyncio.sleep(0), ["message"])  # type: ignore[arg-type]
    assert poller.offset() is None
    poller.newest = 41
    assert poller.offset() == 42
