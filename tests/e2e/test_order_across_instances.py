"""Three webhook instances behind a round-robin proxy: one chat's replies arrive in the order they were queued.

A person's next update reaches another instance as soon as the first one's answer has left, while the first reply
may still wait for its chat's turn (shared pacing): the second instance must not push its reply ahead of it
(tester t4, finding 2: with three instances 5 of 30 chats got their "so far" replies in order, e.g. [1, 3, 2, 5, 4]).
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox.client import SandboxClient
from bot.sandbox.harness import REPO, BotStack, WebhookInstances, free_port
from bot.sandbox.proxy import RoundRobinProxy

sys.path.insert(0, str(REPO / "bench"))
from pledge_flow import FIRST_ID, seed  # the benchmark's focal points

PEOPLE = 30
PARTS = 5
INSTANCES = 3
SECRET = "order-Across_instances-0123456789-abcdefghij"


@pytest.fixture
async def instances(postgres_url: str, tmp_path: Path) -> AsyncIterator[tuple[WebhookInstances, RoundRobinProxy]]:
    """Three instances with Telegram's real pacing (one message a second per chat after a burst of three)."""
    ports = [free_port() for _ in range(INSTANCES)]
    proxy = RoundRobinProxy([f"http://127.0.0.1:{port}" for port in ports])
    url = await proxy.start()
    stack = BotStack(tmp_path, database_url=postgres_url,
                     env={"P2C_WEBHOOK_URL": url, "P2C_WEBHOOK_SECRET": SECRET, "P2C_LOG_LEVEL": "WARNING"})
    await seed(postgres_url, PEOPLE)
    await stack.start_sandbox()
    for n in range(PEOPLE):
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


async def parts_shown(people: SandboxClient, user_id: int, tag: str) -> list[int]:
    """The person opens /ask, types PARTS short parts back to back; how many parts each "so far" reply shows."""
    since = (await people.chat(user_id))["last_seq"]
    await people.send_text(user_id, "/ask")
    asked = False
    while not asked:  # the question, before typing
        answer = await people.chat(user_id, since=since, wait=30)
        since, asked = answer["last_seq"], any(m["from_bot"] for m in answer["messages"])
    for part in range(1, PARTS + 1):
        await people.send_text(user_id, f"{tag}{part}")
    replies: list[str] = []
    for _ in range(60):
        answer = await people.chat(user_id, since=since, wait=1)
        since = answer["last_seq"]
        replies += [str(m.get("text") or "") for m in answer["messages"] if m["from_bot"]]
        if len(replies) >= PARTS:
            break
    return [len(re.findall(rf"\b{tag}\d\b", text)) for text in replies]


@pytest.mark.timeout(600)
async def test_one_chats_replies_arrive_in_order_whichever_instance_handled_each_update(
        instances: tuple[WebhookInstances, RoundRobinProxy]) -> None:
    running, proxy = instances
    people = running.stack.people
    await asyncio.sleep(3)  # the instances have seen each other: they pace every chat together (bot.shared_pacing)
    shown = await asyncio.gather(*(parts_shown(people, FIRST_ID + n, "zq") for n in range(PEOPLE)))
    print(f"\nproxy: answered {dict(proxy.forwarded)}; first chats {shown[:5]}")
    assert len(proxy.forwarded) == INSTANCES, "every instance handled updates"
    wrong = {FIRST_ID + n: parts for n, parts in enumerate(shown) if parts != list(range(1, PARTS + 1))}
    assert not wrong, f"{len(wrong)} of {PEOPLE} chats got their replies out of order (or not all): {wrong}"
