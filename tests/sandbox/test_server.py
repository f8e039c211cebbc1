"""Starting and stopping the server, tokens, and the chat long poll used by the page and benchmarks."""

from __future__ import annotations

import asyncio
import signal
import sys
import time

import aiohttp
import pytest

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import DEFAULT_TOKEN, create_app, start_server

from .conftest import BotCall


def test_default_token_has_telegrams_shape() -> None:
    bot_id, secret = DEFAULT_TOKEN.split(":")
    assert bot_id.isdigit() and len(secret) == 35 and secret.startswith("AA")


def test_a_token_of_another_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="token"):
        create_app("not-a-token")


async def test_custom_token_and_free_port(http: aiohttp.ClientSession) -> None:
    server = await start_server("127.0.0.1", 0, "987654:AAcustom")
    try:
        assert server.url.startswith("http://127.0.0.1:") and not server.url.endswith(":0")
        async with http.get(f"{server.url}/bot987654:AAcustom/getMe") as response:
            assert (await response.json())["result"]["id"] == 987654
        async with http.get(f"{server.url}/bot{DEFAULT_TOKEN}/getMe") as response:
            assert response.status == 401
    finally:
        await server.stop()


async def test_module_runs_until_sigterm(http: aiohttp.ClientSession) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.sandbox", "--port", "0", stdout=asyncio.subprocess.PIPE)
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
    url = line.split(" on ", 1)[1].split()[0]
    async with http.get(f"{url}bot{DEFAULT_TOKEN}/getMe") as response:
        assert (await response.json())["ok"] is True
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 10) == 0


async def test_chat_long_poll_returns_on_a_change(people: SandboxClient, call: BotCall) -> None:
    since = (await people.chat(101))["last_seq"]
    started = time.monotonic()
    reader = asyncio.create_task(people.chat(101, since=since, wait=10))
    await asyncio.sleep(0.1)
    await call("sendMessage", chat_id=101, text="news")
    answer = await reader
    assert [m["text"] for m in answer["messages"]] == ["news"] and time.monotonic() - started < 2
    empty = await people.chat(101, since=answer["last_seq"], wait=0.2)
    assert empty["messages"] == []


async def test_captions_reply_keyboards_and_bulk_delete(people: SandboxClient, call: BotCall) -> None:
    keyboard = {"keyboard": [["Oui", "Non"]], "resize_keyboard": True, "one_time_keyboard": True}
    sent = (await call("sendMessage", chat_id=101, text="Choisir", reply_markup=keyboard))[1]["result"]
    assert "reply_markup" not in sent  # Telegram keeps only inline keyboards on the Message
    assert (await people.chat(101))["messages"][0]["reply_markup"] == keyboard
    _, unknown = await call("sendDocument", chat_id=101, document="nope")
    assert unknown["description"] == "Bad Request: wrong file identifier/HTTP URL specified"
    _, remote = await call("sendDocument", chat_id=101, document="https://example.org/x.pdf")
    assert remote["description"] == "Bad Request: failed to get HTTP URL content"  # the sandbox is offline
    _, removed = await call("sendMessage", chat_id=101, text="x", reply_markup={"remove_keyboard": True})
    assert removed["ok"]
    _, answer = await call("deleteMessages", chat_id=101, message_ids=[sent["message_id"], 999])
    assert answer["result"] is True
    texts = [m["text"] for m in (await people.chat(101))["messages"] if not m["deleted"]]
    assert texts == ["x"]
