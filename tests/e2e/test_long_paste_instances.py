"""A long paste in webhook mode, two instances behind a round-robin proxy on PostgreSQL: its two messages reach two
instances, one after the other (the second is posted only once the first was answered), and are judged as one
text; a part held by an instance killed meanwhile is handed over by the other one."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from conftest import Person, log_events
from sqlmodel import col, select
from test_long_paste import SENTENCE
from test_pledge_journey import make_focal_point

from bot.sandbox.harness import BotStack, WebhookInstances, free_port
from bot.sandbox.proxy import RoundRobinProxy
from models.database import Database
from models.tables import Contact, Draft

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
SECRET = "long-Paste_secret-0123456789-abcdefghij"
FIRST_ID = 640_000
Factory = Callable[..., Awaitable[Person]]


@pytest.fixture
async def instances(postgres_url: str, tmp_path: Path) -> AsyncIterator[tuple[WebhookInstances, RoundRobinProxy]]:
    ports = [free_port(), free_port()]
    proxy = RoundRobinProxy([f"http://127.0.0.1:{port}" for port in ports])
    stack = BotStack(tmp_path, database_url=postgres_url,
                     env={"P2C_WEBHOOK_URL": await proxy.start(), "P2C_WEBHOOK_SECRET": SECRET})
    running = WebhookInstances(stack, ports)
    try:
        await stack.start_sandbox()
        await stack.cli("db", "upgrade")
        for number in range(len(ports)):
            await running.start(number)
        yield running, proxy
    finally:
        await running.close()
        await stack.close()
        await proxy.close()


def factory(stack: BotStack) -> Factory:
    ids = iter(range(FIRST_ID, FIRST_ID + 100))

    async def make(language: str = "en", first_name: str = "Test") -> Person:
        uid = next(ids)
        await stack.people.add_user(uid, first_name, language_code=language)
        return Person(stack, uid)

    return make


async def describing(stack: BotStack) -> Person:
    """A focal point asked for their pledge's description."""
    person = await make_focal_point(stack, factory(stack), "en")
    await person.say("/pledge")
    asked = await person.say("Connect 500 rural schools")
    assert "description" in asked[-1]["text"].lower() or "describe" in asked[-1]["text"].lower()
    return person


async def draft_of(database_url: str, telegram_id: int) -> Draft | None:
    database = Database(database_url)
    try:
        async with database.uow() as uow:
            return (await uow.session.execute(
                select(Draft).join(Contact, col(Contact.id) == col(Draft.contact_id))
                .where(col(Contact.telegram_id) == telegram_id))).scalars().first()
    finally:
        await database.dispose()


@pytest.mark.timeout(240)
async def test_a_paste_split_across_two_webhook_instances_is_judged_whole(
        instances: tuple[WebhookInstances, RoundRobinProxy]) -> None:
    running, proxy = instances
    stack = running.stack
    person = await describing(stack)
    before = dict(proxy.forwarded)
    paste = (SENTENCE * 52).strip()  # 4,523 characters: two messages
    sent = await stack.people.send_text(person.id, paste)
    assert len(sent["parts"]) == 2
    replies = await person.replies()
    answered = {target: count - before.get(target, 0) for target, count in proxy.forwarded.items()}
    assert sorted(answered.values()) == [1, 1], f"each instance had one part: {answered}"
    assert len(replies) == 1, [r["text"][:80] for r in replies]
    assert "Too long" in replies[0]["text"] and "4,523" in replies[0]["text"], replies[0]["text"][:200]
    draft = await draft_of(stack.database_url, person.id)
    assert draft is not None and draft.step_id == "description", "the tail was not taken as the description"
    assert "description" not in draft.state.get("answers", {})
    fitting = (SENTENCE * 44).strip()  # one message under the form's limit: accepted
    await stack.people.send_text(person.id, fitting)
    assert "Too long" not in (await person.replies())[0]["text"]


@pytest.mark.timeout(240)
async def test_a_part_held_by_an_instance_killed_is_handed_over_by_the_other(
        instances: tuple[WebhookInstances, RoundRobinProxy]) -> None:
    running, proxy = instances
    stack = running.stack
    person = await describing(stack)
    before = dict(proxy.forwarded)
    long_answer = (SENTENCE * 30).strip()  # 2,609 characters, one message: possibly a first part, so held
    await stack.people.send_text(person.id, long_answer)
    for _ in range(200):
        holder = next((t for t, count in proxy.forwarded.items() if count > before.get(t, 0)), None)
        if holder is not None:
            break
        await asyncio.sleep(0.01)
    assert holder is not None, "the part was not answered to the sandbox at once"
    number = proxy.targets.index(holder)
    await running.stop(number, signal.SIGKILL)  # before its own timer (2 s) hands the part over
    killed = time.monotonic()
    replies = await person.replies(timeout=30)
    assert time.monotonic() - killed < 15, "handed over within a few seconds"
    assert len(replies) == 1, [r["text"][:80] for r in replies]
    assert "Too long" not in replies[0]["text"]
    draft = await draft_of(stack.database_url, person.id)
    assert draft is not None and draft.state.get("answers", {}).get("description") == long_answer
    survivor = stack.workdir / f"bot{1 - number}.log"
    assert any(e["event"] == "a held text left behind is handed over" for e in log_events(survivor)), \
        "the other instance's sweep handed it over (not the killed one's timer before it died)"
