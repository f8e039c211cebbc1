"""A rolling restart of three webhook instances behind a round-robin proxy while 200 people are in the middle of
pledges: no update is lost, no reply is sent twice, and every conversation completes (issue 16)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox.client import SandboxClient
from bot.sandbox.harness import REPO, BotStack, WebhookInstances, free_port
from bot.sandbox.proxy import RoundRobinProxy

sys.path.insert(0, str(REPO / "bench"))
from pledge_flow import FIRST_ID, SCRIPT, focal_point, seed  # the benchmark's person

PEOPLE = 200
INSTANCES = 3
SECRET = "rolling-Restart_secret-0123456789-abcdefghij"
FAST = {"P2C_RATE_GLOBAL_PER_SECOND": "100000", "P2C_RATE_PER_CHAT_PER_SECOND": "100000",
        "P2C_RATE_PER_CHAT_BURST": "100000", "P2C_LOG_LEVEL": "WARNING"}


@pytest.fixture
async def instances(postgres_url: str, tmp_path: Path) -> AsyncIterator[tuple[WebhookInstances, RoundRobinProxy]]:
    ports = [free_port() for _ in range(INSTANCES)]
    proxy = RoundRobinProxy([f"http://127.0.0.1:{port}" for port in ports])
    url = await proxy.start()
    stack = BotStack(tmp_path, database_url=postgres_url,
                     env={**FAST, "P2C_WEBHOOK_URL": url, "P2C_WEBHOOK_SECRET": SECRET})
    await seed(postgres_url, PEOPLE + 1)
    await stack.start_sandbox()
    await stack.people.set_limits(global_per_second=None, per_chat_per_second=None, per_group_per_minute=None)
    for n in range(PEOPLE + 1):
        await stack.people.add_user(FIRST_ID + n, "Bench", language_code="en")
    running = WebhookInstances(stack, ports)
    try:
        for number in range(INSTANCES):
            await running.start(number)
        yield running, proxy
    finally:
        await running.close()
        await stack.close()
        await proxy.close()


async def bot_messages(stack: BotStack, user_id: int) -> list[str]:
    chat = await stack.people.chat(user_id)
    return [str(message.get("text")) for message in chat["messages"] if message["from_bot"]]


@pytest.mark.timeout(900)
async def test_a_rolling_restart_loses_no_update_and_duplicates_no_reply(
        instances: tuple[WebhookInstances, RoundRobinProxy]) -> None:
    running, proxy = instances
    stack = running.stack
    # one person alone first: what a whole pledge's chat holds when nothing restarts
    assert await focal_point(stack.people, FIRST_ID + PEOPLE, [])
    expected = await bot_messages(stack, FIRST_ID + PEOPLE)
    latencies: list[float] = []
    # a client per 50 people: each waits for its replies on a connection of its own (a client has 100)
    clients = [SandboxClient(stack.url) for _ in range(PEOPLE // 50)]
    people = asyncio.gather(*(focal_point(clients[n % len(clients)], FIRST_ID + n, latencies) for n in range(PEOPLE)))
    restarted = []
    try:
        for number in range(INSTANCES):  # kill one, start it again, then the next, while the pledges go on
            for _ in range(12000):
                if people.done() or len(latencies) >= (number + 1) * PEOPLE * len(SCRIPT) // (INSTANCES + 2):
                    break
                await asyncio.sleep(0.05)
            restarted.append((number, len(latencies), await running.stop(number)))
            await running.start(number)
        done = await asyncio.wait_for(people, 600)
    finally:
        for client in clients:
            await client.close()
    print(f"\nrestarts (instance, interactions done then, exit code): {restarted}; proxy: answered "
          f"{dict(proxy.forwarded)}, skipped {dict(proxy.skipped)}, failed {proxy.failed}")
    assert all(code == 0 for _, _, code in restarted), "each instance stopped cleanly on SIGTERM"
    assert all(done), f"{done.count(False)} pledges did not complete"
    assert len(latencies) == PEOPLE * len(SCRIPT)
    chats = await asyncio.gather(*(bot_messages(stack, FIRST_ID + n) for n in range(PEOPLE)))
    wrong = {FIRST_ID + n: len(chat) for n, chat in enumerate(chats) if len(chat) != len(expected)}
    assert not wrong, f"people whose chat has another number of replies than {len(expected)}: {wrong}"
    assert sum(proxy.skipped.values()) > 0, "the restarts happened while updates were arriving"
