"""Three instances on one PostgreSQL share Telegram's limits (bot.shared_pacing): a 3,000-person broadcast
through the sandbox at its real limits (30 messages a second, one a second per chat with a burst of three)
draws no 429, reaches everyone once, and uses at least 0.9 of the limit, each instance sending its part."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.sandbox.harness import ANNOUNCEMENT, BotStack
from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade
from models.tables import Contact, Entity, Outbox
from models.values import EntityStatus, OutboxStatus, Role, Sector

PEOPLE = 3000
FIRST_ID = 720_000
INSTANCES = 3
LIMIT = 30.0


@pytest.fixture
async def stack(postgres_url: str, tmp_path: Path) -> AsyncIterator[BotStack]:
    stack = BotStack(tmp_path, database_url=postgres_url,
                     env={"P2C_LOG_LEVEL": "WARNING", "P2C_RATE_GLOBAL_PER_SECOND": str(LIMIT)})
    await stack.start_sandbox()
    database = Database(postgres_url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()
    yield stack
    await stack.close()


async def seed(stack: BotStack) -> None:
    database = Database(stack.database_url)
    try:
        async with database.uow() as uow:
            now = utcnow()
            entity = Entity(name="E2E instances entity", name_key="e2e instances entity", sector=Sector.government,
                            country_iso3="KEN", status=EntityStatus.validated, created_at=now, validated_at=now)
            uow.session.add(entity)
            await uow.flush()
            languages = list(ANNOUNCEMENT)
            uow.session.add_all(Contact(telegram_id=FIRST_ID + n, chat_id=FIRST_ID + n, first_name=f"Person {n}",
                                        language=languages[n % len(languages)], role=Role.focal_point,
                                        entity_id=entity.id, consent_at=now) for n in range(PEOPLE))
            await uow.commit()
    finally:
        await database.dispose()
    gate = asyncio.Semaphore(32)

    async def add(n: int) -> None:
        async with gate:
            await stack.people.add_user(FIRST_ID + n, f"Person {n}")

    await asyncio.gather(*(add(n) for n in range(PEOPLE)))


async def start_instances(stack: BotStack) -> list[asyncio.subprocess.Process]:
    """INSTANCES bot processes polling the sandbox on one database; returns once each has polled."""
    before = (await stack.people.stats())["calls"].get("getUpdates", 0)
    processes = []
    for number in range(INSTANCES):
        log = (stack.workdir / f"bot{number}.log").open("ab")
        processes.append(await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--log-format", "json", cwd=stack.workdir,
            env={**stack.env(), "P2C_INSTANCE_ID": f"bot{number}"}, stdout=log, stderr=log))
        log.close()
    for _ in range(1200):
        assert all(process.returncode is None for process in processes), "an instance exited; see bot*.log"
        if (await stack.people.stats())["calls"].get("getUpdates", 0) >= before + INSTANCES:
            return processes
        await asyncio.sleep(0.05)
    raise AssertionError("the instances did not start polling")


async def sent_by_instance(database_url: str) -> dict[str, int]:
    database = Database(database_url)
    try:
        async with database.uow() as uow:
            rows = (await uow.session.execute(select(Outbox.taken_by, func.count())
                                              .where(col(Outbox.status) == OutboxStatus.sent)
                                              .group_by(col(Outbox.taken_by)))).all()
    finally:
        await database.dispose()
    return {str(name): int(count) for name, count in rows}


@pytest.mark.timeout(600)
async def test_three_instances_broadcast_within_the_limits_together(stack: BotStack) -> None:
    await seed(stack)
    await stack.people.set_limits(global_per_second=LIMIT, per_chat_per_second=1.0, per_chat_burst=3)
    processes = await start_instances(stack)
    try:
        args = [arg for code, text in ANNOUNCEMENT.items() for arg in ("--text", f"{code}={text}")]
        await stack.cli("broadcast", "send", *args, "--fallback", "en", "--audience", "everyone")
        first_at = last_at = None
        first_count = accepted = 0
        deadline = time.monotonic() + PEOPLE / LIMIT * 2 + 60
        while time.monotonic() < deadline:  # the sandbox's count of messages it took, every fifth of a second
            stats = await stack.people.stats()
            accepted = int(stats["calls"].get("sendMessage", 0)) - int(stats["rate_limited"])
            if accepted and first_at is None:
                first_at, first_count = time.monotonic(), accepted
            if accepted >= PEOPLE:
                last_at = time.monotonic()
                break
            await asyncio.sleep(0.2)
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        await asyncio.gather(*(process.wait() for process in processes))
    stats = await stack.people.stats()
    assert last_at is not None and first_at is not None, f"{accepted} of {PEOPLE} delivered in time"
    rate = (PEOPLE - first_count) / (last_at - first_at)
    per_instance = await sent_by_instance(stack.database_url)
    print(f"\n{INSTANCES} instances: {rate:.2f} messages/s of {LIMIT:.0f} ({rate / LIMIT:.3f}), "
          f"429s {stats['rate_limited']}, sent per instance {per_instance}")
    assert stats["rate_limited"] == 0
    assert rate >= 0.9 * LIMIT
    assert sum(per_instance.values()) == PEOPLE
    assert len(per_instance) == INSTANCES and min(per_instance.values()) >= PEOPLE / INSTANCES / 4, per_instance
    gate = asyncio.Semaphore(32)

    async def messages(n: int) -> int:
        async with gate:
            chat = await stack.people.chat(FIRST_ID + n)
            return sum(1 for message in chat["messages"] if message["from_bot"])

    counts = await asyncio.gather(*(messages(n) for n in range(PEOPLE)))
    assert counts == [1] * PEOPLE, "everyone exactly once"
