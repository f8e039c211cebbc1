"""200 people write at once through the sandbox with its real limits: each chat's replies in order, waits fair.

Runs on SQLite, and on PostgreSQL too when P2C_TEST_POSTGRES_URL is set (scripts/with-postgres.sh). The wait
of each reply is the sandbox's `date` of the reply minus the moment its person wrote (whole seconds: the date
has a second's resolution), printed as a distribution; run with `-s` to see it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.sandbox.harness import BotStack
from tests.conftest import POSTGRES_URL, _fresh_postgres

PEOPLE = 200
FIRST_ID = 700_000
WORDS = ("/start",)
"""A stranger's /start has two replies (a greeting, then the first question): their order is checked."""


@pytest_asyncio.fixture(params=["sqlite", "postgresql"], loop_scope="function")
async def busy_stack(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BotStack]:
    """A sandbox with Telegram's limits and a bot on the backend under test."""
    url = None
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("PostgreSQL tests need P2C_TEST_POSTGRES_URL (make test and .ci/run provide it)")
        url = await _fresh_postgres()
    stack = BotStack(tmp_path, database_url=url)
    await stack.start_sandbox()
    await stack.cli("db", "upgrade")
    await stack.start_bot()
    yield stack
    await stack.close()


async def texts_of(stack: BotStack, user_id: int) -> list[tuple[str, int]]:
    """The bot's messages in this chat as (text, date), in the order they arrived."""
    chat = await stack.people.chat(user_id)
    return [(str(m.get("text") or m.get("caption") or ""), int(m["date"])) for m in chat["messages"] if m["from_bot"]]


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


@pytest.mark.asyncio(loop_scope="function")
async def test_two_hundred_people_at_once_get_their_replies_in_order_and_in_turn(busy_stack: BotStack) -> None:
    stack = busy_stack
    # what one person sees when nobody else is there: the expected texts, in order
    await stack.people.add_user(FIRST_ID, "Test", language_code="en")
    for word in WORDS:
        await stack.people.send_text(FIRST_ID, word)
        assert await stack.people.wait_idle(timeout=30, quiet_ms=300)
    people = range(FIRST_ID + 1, FIRST_ID + 1 + PEOPLE)
    for user_id in people:
        await stack.people.add_user(user_id, "Test", language_code="en")
    await asyncio.sleep(1.5)  # the first person's chat has its per-chat budget back; the global one too

    wrote: dict[int, float] = {}

    async def write(user_id: int) -> None:
        wrote[user_id] = time.time()
        for word in WORDS:
            await stack.people.send_text(user_id, word)

    await asyncio.gather(*(write(user_id) for user_id in people))
    assert await stack.people.wait_idle(timeout=180, quiet_ms=2000)

    expected = [text for text, _ in await texts_of(stack, FIRST_ID)]
    assert len(expected) >= 2
    waits: list[float] = []
    out_of_order = []
    for user_id in people:
        got = await texts_of(stack, user_id)
        if [text for text, _ in got] != expected:
            out_of_order.append(user_id)
            if len(out_of_order) == 1:
                print("\nexpected", [t[:40] for t in expected], "\ngot", [t[:40] for t, _ in got])
        waits += [max(0.0, date - wrote[user_id]) for _, date in got]
    stats = await stack.people.stats()
    over = sum(1 for wait in waits if wait > 20)
    print(f"\n{stack.database_url.split(':')[0]}: {len(waits)} replies to {PEOPLE} people;"
          f" wait p50 {percentile(waits, 0.5):.0f} s, p99 {percentile(waits, 0.99):.0f} s,"
          f" max {max(waits):.0f} s, over 20 s: {over}; 429 answers: {stats['rate_limited']}")
    assert not out_of_order, f"{len(out_of_order)} chats got their replies out of order, e.g. {out_of_order[:3]}"
    assert len(waits) == PEOPLE * len(expected)
    # first come, first served at 30 a second: the last of them waits about as long as all the work takes
    work = len(waits) / 30
    assert max(waits) <= work + 6, f"the longest wait {max(waits):.0f} s is far beyond the {work:.0f} s of work"
