"""Broadcasts through the real bot's delivery and the sandbox: faults, blocked people, 429s, and a SIGKILL.

Each test gets its own sandbox, database and bot (the audience "everyone" must be exactly the people
seeded here). People are seeded directly in the bot's database as focal points of validated
entities, as invitations would have left them, and added to the sandbox with the same ids.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from chat_driver import HEADERS
from sqlalchemy import func
from sqlmodel import col, select

from bot.sandbox.harness import ANNOUNCEMENT as TEXTS
from bot.sandbox.harness import BotStack
from handlers.language import negotiate
from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade
from models.tables import Broadcast, Contact, Entity, Outbox
from models.values import LANGUAGES, EntityStatus, Role, Sector

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

PEOPLE = 2000
TELEGRAM_ONLY = ("fr-CA", "es-419", "pt-BR", "zh-hans", "ar", "ru")
"""Every 7th person never chose a language: Telegram's code decides (pt-BR is none of ours: English)."""


class Person:
    """Someone seeded for a broadcast: ids, the languages the bot knows, whether the sandbox blocks the bot."""

    def __init__(self, n: int, first_id: int, blocked_every: int | None) -> None:
        self.id = first_id + n
        if n % 7 == 3:
            self.language: str | None = None
            self.telegram_language = TELEGRAM_ONLY[n % len(TELEGRAM_ONLY)]
        else:
            self.language = LANGUAGES[n % len(LANGUAGES)]
            self.telegram_language = "en" if n % 2 else self.language
        self.blocked = blocked_every is not None and n % blocked_every == blocked_every // 2

    def expected_text(self, texts: dict[str, str], fallback: str) -> str:
        """What this person should read: their language's text, else the fallback's."""
        locale = negotiate(self.language, self.telegram_language, "en")
        # under the header that says who sends it, in the reader's language, as the sandbox shows it (tags parsed)
        return f"{re.sub(r'<[^>]+>', '', HEADERS[locale])}\n\n{texts.get(locale, texts[fallback])}"


async def seed(stack: BotStack, people: list[Person], *, blocked: bool = False) -> None:
    """The people as focal points of validated entities in the bot's database, and in the sandbox
    (where those marked so block the bot, with `blocked`)."""
    database = Database(stack.database_url)
    try:
        async with database.uow() as uow:
            now = utcnow()
            entities = [Entity(name=f"E2E broadcast entity {k}", name_key=f"e2e broadcast entity {k}",
                               sector=Sector.government, country_iso3="KEN", status=EntityStatus.validated,
                               created_at=now, validated_at=now) for k in range(len(people) // 40 + 1)]
            uow.session.add_all(entities)
            await uow.flush()
            uow.session.add_all(
                Contact(telegram_id=p.id, chat_id=p.id, first_name=f"Person {n}", language=p.language,
                        telegram_language=p.telegram_language, role=Role.focal_point, entity_id=entities[n // 40].id,
                        consent_at=now) for n, p in enumerate(people))
            await uow.commit()
    finally:
        await database.dispose()
    gate = asyncio.Semaphore(32)

    async def add(p: Person) -> None:
        async with gate:
            await stack.people.add_user(p.id, f"Person {p.id}", language_code=p.telegram_language)
            if blocked and p.blocked:
                await stack.people.block(p.id)

    await asyncio.gather(*(add(p) for p in people))


async def outbox_counts(database_url: str) -> dict[str, int]:
    """Outbox rows per status, read directly from the database."""
    database = Database(database_url)
    try:
        async with database.uow() as uow:
            rows = (await uow.session.execute(
                select(Outbox.status, func.count()).group_by(col(Outbox.status)))).all()
    finally:
        await database.dispose()
    return {str(status): int(n) for status, n in rows}


def accepted(stats: dict[str, Any]) -> int:
    """Messages the sandbox accepted: sendMessage calls minus 429s and 4xx refusals (faults never count as calls)."""
    refused = sum(n for code, n in stats["errors"].items() if code in ("400", "403"))
    return int(stats["calls"].get("sendMessage", 0)) - int(stats["rate_limited"]) - refused


async def send_broadcast(stack: BotStack, texts: dict[str, str], fallback: str = "en") -> str:
    """`p2c-bot broadcast send` to everyone; the broadcast id."""
    args = [a for code, text in texts.items() for a in ("--text", f"{code}={text}")]
    out = await stack.cli("broadcast", "send", *args, "--fallback", fallback, "--audience", "everyone")
    return out.strip().split()[-1]


async def status_of(stack: BotStack, broadcast_id: str) -> dict[str, Any]:
    """`p2c-bot broadcast status ID`, parsed."""
    result: dict[str, Any] = json.loads((await stack.cli("broadcast", "status", broadcast_id)).strip().splitlines()[-1])
    return result


async def wait_done(stack: BotStack, broadcast_id: str, timeout: float) -> bool:
    """Wait until the broadcast is no longer "sending"; False after `timeout` s. Reads its row every
    0.25 s: the status CLI imports aiogram, seconds of CPU per call, so the tests ask it once at the end."""
    database = Database(stack.database_url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            async with database.uow() as uow:
                broadcast = await uow.session.get(Broadcast, int(broadcast_id))
                assert broadcast is not None
            if broadcast.status != "sending":
                return True
            await asyncio.sleep(0.25)
        return False
    finally:
        await database.dispose()


async def read_chats(stack: BotStack, people: list[Person]) -> dict[int, list[dict[str, Any]]]:
    """Every person's messages from the bot."""
    gate = asyncio.Semaphore(32)
    chats: dict[int, list[dict[str, Any]]] = {}

    async def read(p: Person) -> None:
        async with gate:
            chat = await stack.people.chat(p.id)
        chats[p.id] = [m for m in chat["messages"] if m["from_bot"]]

    await asyncio.gather(*(read(p) for p in people))
    return chats


class Phases:
    """Seconds spent in each phase of a test, for its printed report."""

    def __init__(self) -> None:
        self.started = self.last = time.monotonic()
        self.laps: list[tuple[str, float]] = []

    def lap(self, name: str) -> None:
        """The phase `name` ends now."""
        now = time.monotonic()
        self.laps.append((name, now - self.last))
        self.last = now

    def __str__(self) -> str:
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.laps)
        return f"{parts}; {time.monotonic() - self.started:.1f} s in all"


StackMaker = Callable[[dict[str, str]], Awaitable[BotStack]]


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def make_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[StackMaker]:
    """Make a sandbox with a fresh, upgraded database (the bot is started by the test); all closed at the end."""
    stacks: list[BotStack] = []

    async def make(env: dict[str, str]) -> BotStack:
        workdir: Path = tmp_path_factory.mktemp("broadcast")
        stack = BotStack(workdir, env={"P2C_LOG_LEVEL": "WARNING", **env})
        stacks.append(stack)
        await stack.start_sandbox()
        database = Database(stack.database_url)
        try:
            await upgrade(database)  # in process: `p2c-bot db upgrade` would spend seconds importing aiogram
        finally:
            await database.dispose()
        return stack

    yield make
    for stack in stacks:
        await stack.close()


async def test_broadcast_reaches_everyone_reachable_once_in_their_language(make_stack: StackMaker) -> None:
    clock = Phases()
    stack = await make_stack({"P2C_RATE_GLOBAL_PER_SECOND": "300"})
    people = [Person(n, 610_000, blocked_every=20) for n in range(PEOPLE)]
    blocked = [p for p in people if p.blocked]
    assert len(blocked) == PEOPLE // 20
    await seed(stack, people, blocked=True)
    await stack.people.set_limits(global_per_second=150, per_chat_per_second=None)  # below the pace: 429s
    texts = {code: text for code, text in TEXTS.items() if code != "zh"}  # no Chinese: the fallback, English
    clock.lap("seeding")
    # The bot and the CLI each import aiogram for seconds: side by side (the rows wait in the outbox).
    broadcast_id, _ = await asyncio.gather(send_broadcast(stack, texts, fallback="en"), stack.start_bot())
    await stack.people.set_faults(error_rate=0.05, seed=5)  # once the bot polls (faults hit getUpdates too)
    clock.lap("bot start and send CLI")
    finished = await wait_done(stack, broadcast_id, timeout=60)
    clock.lap("delivery")
    await stack.people.set_faults(error_rate=0.0)
    stats, users = await stack.people.stats(), await stack.people.users()
    assert finished, f"not done 60 s after the broadcast was sent (a ceiling of 150/s needs 13 s): " \
                     f"{accepted(stats)} accepted, {stats['rate_limited']} answered 429; {clock}"
    status, chats = await asyncio.gather(status_of(stack, broadcast_id), read_chats(stack, people))
    clock.lap("status CLI and chats")
    print(f"\nbroadcast status {status}; sandbox: {accepted(stats)} accepted, {stats['rate_limited']} answered 429, "
          f"errors {stats['errors']}; {clock}")

    wrong = {p.id: [m["text"] for m in chats[p.id]] for p in people if not p.blocked
             and [m["text"] for m in chats[p.id]] != [p.expected_text(texts, "en")]}
    assert not wrong, f"{len(wrong)} reachable people without exactly one message in their language: " \
                      f"{list(wrong.items())[:5]}"
    assert not [p.id for p in blocked if chats[p.id]], "a blocked person got a message"
    reachable = PEOPLE - len(blocked)
    assert accepted(stats) == reachable  # the sandbox's own count of messages it took
    assert stats["rate_limited"] > 0 and int(stats["errors"].get("500", 0)) + int(stats["errors"].get("502", 0)) > 0
    assert int(stats["errors"].get("403", 0)) <= len(blocked), "a blocked person was tried more than once"
    assert status["status"] == "done", status
    assert (status["sent"], status["unreachable"], status["failed"], status["pending"]) == \
        (reachable, len(blocked), 0, 0), status
    sandbox_blocked = sum(1 for user in users if user["blocked"] and user["id"] in chats)
    assert (status["sent"], status["unreachable"]) == (accepted(stats), sandbox_blocked)  # the sandbox's own counts


async def test_kill_in_the_middle_leaves_nobody_out(make_stack: StackMaker) -> None:
    clock = Phases()
    stack = await make_stack({"P2C_RATE_GLOBAL_PER_SECOND": "400"})
    people = [Person(n, 620_000, blocked_every=None) for n in range(PEOPLE)]
    await seed(stack, people)
    await stack.people.set_limits(global_per_second=1000, per_chat_per_second=None)
    clock.lap("seeding")

    broadcast_id, _ = await asyncio.gather(send_broadcast(stack, TEXTS), stack.start_bot())
    clock.lap("bot start and send CLI")
    deadline = time.monotonic() + 60
    while accepted(await stack.people.stats()) < PEOPLE // 3:
        assert time.monotonic() < deadline, "the broadcast did not reach a third in 60 s"
        await asyncio.sleep(0.005)
    await stack.stop_bot(signal.SIGKILL)
    at_kill = accepted(await stack.people.stats())
    rows = await outbox_counts(stack.database_url)
    in_flight = rows.get("sending", 0)
    unrecorded = at_kill - rows.get("sent", 0)  # reached people, but the bot died before recording it
    clock.lap("until the kill")
    await stack.start_bot()
    clock.lap("restart")
    finished = await wait_done(stack, broadcast_id, timeout=60)
    clock.lap("delivery")
    assert finished, f"not done 60 s after the restart; {clock}"
    status, chats = await asyncio.gather(status_of(stack, broadcast_id), read_chats(stack, people))
    clock.lap("status CLI and chats")

    left_out = [p.id for p in people if not chats[p.id]]
    duplicates = sum(len(messages) - 1 for messages in chats.values() if messages)
    wrong = [p.id for p in people if any(m["text"] != p.expected_text(TEXTS, "en") for m in chats[p.id])]
    print(f"\nkill test: killed with {at_kill} accepted by the sandbox; outbox at the kill {rows}; "
          f"in flight {in_flight}, of which delivered but unrecorded {unrecorded}; duplicates {duplicates}; "
          f"status {status}; {clock}")
    assert not left_out, f"{len(left_out)} people left out: {left_out[:10]}"
    assert not wrong, f"{len(wrong)} people got a message in another language: {wrong[:10]}"
    assert duplicates <= in_flight, f"{duplicates} duplicates, more than the {in_flight} rows in flight"
    assert duplicates <= unrecorded, f"{duplicates} duplicates, more than the {unrecorded} sent and unrecorded"
    assert status["status"] == "done", status
    assert (status["sent"], status["failed"], status["unreachable"], status["pending"]) == (PEOPLE, 0, 0, 0), status
