"""Long polling with Telegram's offset semantics, and webhook delivery with secret and retries."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer

from .conftest import BotCall


def ids(answer: dict[str, Any]) -> list[int]:
    return [update["update_id"] for update in answer["result"]]


async def test_offset_confirms_and_forgets(people: SandboxClient, call: BotCall) -> None:
    for text in ("one", "two", "three"):
        await people.send_text(101, text)
    _, first = await call("getUpdates")
    assert ids(first) == [1, 2, 3]
    _, again = await call("getUpdates")
    assert ids(again) == [1, 2, 3]  # nothing is confirmed without an offset
    _, rest = await call("getUpdates", offset=3)
    assert ids(rest) == [3]
    _, still = await call("getUpdates", offset=1)
    assert ids(still) == [3]  # confirmed updates are gone for good
    _, none = await call("getUpdates", offset=4)
    assert none["result"] == []


async def test_limit_and_negative_offset(people: SandboxClient, call: BotCall) -> None:
    for i in range(5):
        await people.send_text(101, f"m{i}")
    assert ids((await call("getUpdates", limit=2))[1]) == [1, 2]
    assert ids((await call("getUpdates", limit=0))[1]) == [1]  # limit is clamped to 1..100
    assert ids((await call("getUpdates", offset=-2))[1]) == [4, 5]


async def test_long_poll_returns_as_soon_as_an_update_arrives(people: SandboxClient, call: BotCall) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(call("getUpdates", timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()
    await people.send_text(101, "wake up")
    _, answer = await poll
    assert ids(answer) == [1] and time.monotonic() - started < 2


async def test_long_poll_times_out_empty(people: SandboxClient, call: BotCall) -> None:
    started = time.monotonic()
    _, answer = await call("getUpdates", timeout=1)
    assert answer["result"] == [] and 0.9 < time.monotonic() - started < 3


async def test_second_poller_terminates_the_first(people: SandboxClient, call: BotCall) -> None:
    first = asyncio.create_task(call("getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(call("getUpdates", timeout=5))
    status, answer = await first
    assert status == 409 and answer["description"].startswith("Conflict: terminated by other getUpdates request")
    await people.send_text(101, "hi")
    assert ids((await second)[1]) == [1]


async def test_allowed_updates_is_remembered(people: SandboxClient, call: BotCall) -> None:
    await call("getUpdates", allowed_updates=["callback_query"])
    await people.send_text(101, "filtered out")
    sent = (await call("sendMessage", chat_id=101, text="q", reply_markup={
        "inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}))[1]["result"]
    await people.press(101, sent["message_id"], "a")
    _, answer = await call("getUpdates")  # no allowed_updates: the last setting stays
    assert [list(u)[1] for u in answer["result"]] == ["callback_query"]
    await call("getUpdates", offset=ids(answer)[-1] + 1, allowed_updates=[])
    await people.send_text(101, "back to default")
    assert [list(u)[1] for u in (await call("getUpdates"))[1]["result"]] == ["message"]


async def test_get_updates_conflicts_with_a_webhook(people: SandboxClient, call: BotCall) -> None:
    await call("setWebhook", url="http://127.0.0.1:9/hook")
    status, answer = await call("getUpdates")
    assert status == 409 and "webhook is active" in answer["description"]
    await call("deleteWebhook")
    assert (await call("getUpdates"))[0] == 200


class FlakyBot:
    """A webhook receiver that fails the first `failures` deliveries."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[tuple[str | None, dict[str, Any]]] = []
        self.attempts = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if self.attempts <= self.failures:
            return web.Response(status=500)
        update = await request.json()
        self.received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), update))
        if "message" in update:  # answer in the response body, as Telegram allows
            return web.json_response({"method": "sendMessage", "chat_id": update["message"]["chat"]["id"],
                                      "text": "echo: " + update["message"]["text"]})
        return web.Response()


@pytest.fixture
async def flaky_bot() -> AsyncIterator[tuple[FlakyBot, str]]:
    receiver = FlakyBot(failures=2)
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield receiver, f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    await runner.cleanup()


async def test_webhook_delivers_with_secret_and_retries(people: SandboxClient, call: BotCall,
                                                        flaky_bot: tuple[FlakyBot, str]) -> None:
    receiver, url = flaky_bot
    assert (await call("setWebhook", url=url, secret_token="Top_Secret-1"))[1]["result"] is True
    await people.send_text(101, "first")
    await people.send_text(101, "second")
    assert await people.wait_idle(timeout=10, quiet_ms=100)
    assert [(secret, u["message"]["text"]) for secret, u in receiver.received] == [
        ("Top_Secret-1", "first"), ("Top_Secret-1", "second")]
    assert receiver.attempts == 4
    info = (await call("getWebhookInfo"))[1]["result"]
    assert info["url"] == url and info["pending_update_count"] == 0
    assert info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
    texts = [m["text"] for m in (await people.chat(101))["messages"]]
    assert texts == ["first", "second", "echo: first", "echo: second"]


async def test_webhook_secret_must_use_allowed_characters(people: SandboxClient, call: BotCall) -> None:
    _, answer = await call("setWebhook", url="http://127.0.0.1:9/hook", secret_token="no spaces")
    assert answer["description"] == "Bad Request: secret token contains unallowed characters"


async def test_drop_pending_updates(people: SandboxClient, call: BotCall, sandbox: SandboxServer) -> None:
    await people.send_text(101, "old")
    await call("deleteWebhook", drop_pending_updates=True)
    await people.send_text(101, "new")
    assert [u["message"]["text"] for u in (await call("getUpdates"))[1]["result"]] == ["new"]
