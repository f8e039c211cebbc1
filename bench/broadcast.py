"""Benchmark of broadcast delivery: `python bench/broadcast.py --recipients N --rate R [--database-url URL]`.

Starts the sandbox with a global limit of R messages/s (no per-chat limit) and the bot paced at R
(P2C_RATE_GLOBAL_PER_SECOND), seeds N people in the six languages in the bot's database (focal
points of validated entities) and in the sandbox, then runs a real broadcast through the bot's
delivery: `p2c-bot broadcast send` with a text in each language, waiting until the broadcast is
done. Measures, from the sandbox's side, what arrived (each chat
must hold exactly one bot message, in its person's language) and how fast; the bot's peak RSS
sampled every 100 ms; then a bare aiogram echo bot's idle RSS on the same sandbox.

achieved_rate = delivered / send window, where the send window runs from the last sample of the
sandbox's counters before the first message arrived to the first sample showing the last one
(samples every 50 ms, so the window is over- rather than under-estimated). wall_rate = delivered /
(Broadcast.finished_at - started_at) as the bot recorded them: from the CLI's commit to the bot
closing the broadcast (its progress job runs every 2 s, so this includes up to 2 s of lag). The
benchmark waits by reading the broadcast's row (the `broadcast status` CLI imports aiogram, seconds
of CPU that would be taken from the bot), and asks the CLI once at the end. Prints human lines,
then one JSON object as the last line. Not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func
from sqlmodel import col, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from databases import is_postgres, own_database
from echo_measure import start_bot, stop_bot

from bot.sandbox.harness import ANNOUNCEMENT as TEXTS
from bot.sandbox.harness import BotStack
from models.clock import utcnow
from models.database import Database
from models.tables import Broadcast, Contact, Entity, Outbox
from models.values import LANGUAGES, EntityStatus, Role, Sector

FIRST_ID = 710_000
PEOPLE_PER_ENTITY = 50


def language_of(n: int) -> str:
    """The n-th person's language: the six in turn."""
    return LANGUAGES[n % len(LANGUAGES)]


async def seed(database_url: str, recipients: int) -> None:
    """N focal points of validated entities, in the six languages; the database must hold no one with a role."""
    database = Database(database_url)
    try:
        async with database.uow() as uow:
            existing = (await uow.session.execute(
                select(Contact.id).where(col(Contact.role).is_not(None)).limit(1))).first()
            if existing is not None:
                raise SystemExit("the database already holds people with a role: give an empty database")
            now = utcnow()
            entities = [Entity(name=f"Broadcast bench entity {k}", name_key=f"broadcast bench entity {k}",
                               sector=Sector.government, country_iso3="SEN", status=EntityStatus.validated,
                               created_at=now, validated_at=now)
                        for k in range((recipients + PEOPLE_PER_ENTITY - 1) // PEOPLE_PER_ENTITY)]
            uow.session.add_all(entities)
            await uow.flush()
            uow.session.add_all(
                Contact(telegram_id=FIRST_ID + n, chat_id=FIRST_ID + n, first_name=f"Bench {n}",
                        language=language_of(n), telegram_language=language_of(n), role=Role.focal_point,
                        entity_id=entities[n // PEOPLE_PER_ENTITY].id, consent_at=now)
                for n in range(recipients))
            await uow.commit()
    finally:
        await database.dispose()


async def add_people(stack: BotStack, recipients: int) -> None:
    """The same people in the sandbox, each with a private chat."""
    gate = asyncio.Semaphore(32)

    async def add(n: int) -> None:
        async with gate:
            await stack.people.add_user(FIRST_ID + n, f"Bench {n}", language_code=language_of(n))

    await asyncio.gather(*(add(n) for n in range(recipients)))


def delivered_so_far(stats: dict[str, Any]) -> int:
    """sendMessage calls that the sandbox accepted (calls minus 429s and 4xx answers)."""
    errors = stats["errors"]
    refused = sum(n for code, n in errors.items() if code in ("400", "403"))
    return int(stats["calls"].get("sendMessage", 0)) - int(stats["rate_limited"]) - refused


class Sampler:
    """Samples the bot's RSS every 100 ms and the sandbox's accepted messages every 50 ms."""

    def __init__(self, stack: BotStack) -> None:
        assert stack.bot is not None and stack.sandbox is not None
        self.stack = stack
        self.process = psutil.Process(stack.bot.pid)
        self.sandbox = psutil.Process(stack.sandbox.pid)
        self.peak_rss = 0
        self.progress: list[tuple[float, int]] = []
        self.cpu: list[tuple[float, float, float]] = []
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start sampling in the background."""
        self._tasks = [asyncio.create_task(self._memory()), asyncio.create_task(self._sandbox())]

    async def stop(self) -> None:
        """Stop sampling (taking one last sample of each)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._sample_memory()
        self.progress.append((time.perf_counter(), delivered_so_far(await self.stack.people.stats())))

    def _sample_memory(self) -> None:
        with contextlib.suppress(psutil.Error):
            self.peak_rss = max(self.peak_rss, self.process.memory_info().rss)
            self.cpu.append((time.perf_counter(), sum(self.process.cpu_times()[:2]), sum(self.sandbox.cpu_times()[:2])))

    def cpu_shares(self, start: float, end: float) -> tuple[float, float]:
        """Cores used by the bot and by the sandbox between two instants (from the 100 ms samples)."""
        inside = [sample for sample in self.cpu if start <= sample[0] <= end]
        if len(inside) < 2:
            return 0.0, 0.0
        (t0, bot0, box0), (t1, bot1, box1) = inside[0], inside[-1]
        return (bot1 - bot0) / (t1 - t0), (box1 - box0) / (t1 - t0)

    async def _memory(self) -> None:
        while True:
            self._sample_memory()
            await asyncio.sleep(0.1)

    async def _sandbox(self) -> None:
        while True:
            self.progress.append((time.perf_counter(), delivered_so_far(await self.stack.people.stats())))
            await asyncio.sleep(0.05)

    def window(self, baseline: int) -> tuple[float, float, int] | None:
        """(start, end, count): the last sample before the first message, the first showing the last one."""
        final = self.progress[-1][1]
        if final <= baseline:
            return None
        start = max(t for t, n in self.progress if n <= baseline)
        end = min(t for t, n in self.progress if n >= final)
        return start, end, final - baseline


async def broadcast_status(stack: BotStack, broadcast_id: str) -> dict[str, Any]:
    """`p2c-bot broadcast status ID` as a dict (the last line of its output)."""
    out = await stack.cli("broadcast", "status", broadcast_id)
    status: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return status


async def database_state(database: Database, broadcast_id: int) -> tuple[str, dict[str, int]]:
    """The broadcast's status and its outbox rows per status, read directly (cheap, unlike the CLI)."""
    async with database.uow() as uow:
        status = (await uow.session.execute(select(Broadcast.status).where(Broadcast.id == broadcast_id))).scalar_one()
        rows = (await uow.session.execute(select(Outbox.status, func.count()).where(Outbox.broadcast_id == broadcast_id)
                                          .group_by(col(Outbox.status)))).all()
    return str(status), {str(s): int(n) for s, n in rows}


async def broadcast_times(database_url: str, broadcast_id: int) -> tuple[datetime | None, datetime | None]:
    """When the broadcast started (the CLI's commit) and when the bot closed it as done."""
    database = Database(database_url)
    try:
        async with database.uow() as uow:
            row = (await uow.session.execute(select(Broadcast.started_at, Broadcast.finished_at)
                                             .where(Broadcast.id == broadcast_id))).one()
    finally:
        await database.dispose()
    return row[0], row[1]


async def wait_done(stack: BotStack, broadcast_id: str, timeout: float, stall: float = 30.0) -> dict[str, Any]:
    """Wait until the broadcast is no longer sending, reading the database every 0.25 s (the CLI is a
    Python process that imports aiogram: polling with it would take a core from the bot measured).
    Gives up after `timeout` s, or after `stall` s with neither the sandbox nor the outbox changing.
    Returns the CLI's status report, with "timed_out" and the outbox counts when it gave up."""
    database = Database(stack.database_url)
    try:
        deadline = time.perf_counter() + timeout
        last: tuple[Any, ...] = ()
        last_change = time.perf_counter()
        while True:
            status, rows = await database_state(database, int(broadcast_id))
            if status != "sending":
                return await broadcast_status(stack, broadcast_id)
            now = time.perf_counter()
            seen = (delivered_so_far(await stack.people.stats()), tuple(sorted(rows.items())))
            if seen != last:
                last, last_change = seen, now
            if now > deadline or now - last_change > stall:
                return {**await broadcast_status(stack, broadcast_id), "timed_out": True, "outbox": rows}
            await asyncio.sleep(0.25)
    finally:
        await database.dispose()


async def check_chats(stack: BotStack, recipients: int) -> dict[str, Any]:
    """Read every chat: how many got a message, extra copies, wrong language, and message dates."""
    gate = asyncio.Semaphore(32)
    counts = {"delivered": 0, "duplicates": 0, "missing": 0, "wrong_language": 0}
    dates: list[int] = []

    async def read(n: int) -> None:
        async with gate:
            chat = await stack.people.chat(FIRST_ID + n)
        ours = [m for m in chat["messages"] if m["from_bot"]]
        if not ours:
            counts["missing"] += 1
            return
        counts["delivered"] += 1
        counts["duplicates"] += len(ours) - 1
        counts["wrong_language"] += sum(TEXTS[language_of(n)] not in (m["text"] or "") for m in ours)
        dates.extend(int(m["date"]) for m in ours)

    await asyncio.gather(*(read(n) for n in range(recipients)))
    return {**counts, "first_date": min(dates, default=0), "last_date": max(dates, default=0)}


async def echo_idle_rss(stack: BotStack, settle: float = 2.0) -> float:
    """A bare aiogram echo bot's RSS (MB) once it polls the same sandbox and has idled `settle` s."""
    echo = await start_bot([sys.executable, str(Path(__file__).with_name("echo_bot.py")), stack.url, stack.token])
    try:
        await asyncio.sleep(settle)
        return float(psutil.Process(echo.pid).memory_info().rss / 2**20)
    finally:
        await stop_bot(echo)


async def run(recipients: int, rate: float, database_url: str | None, timeout: float | None,
              event_loop: str = "auto") -> dict[str, Any]:
    """Seed, broadcast, measure; then the echo bot."""
    async with own_database(database_url) as url:
        return await _run(recipients, rate, url, timeout, event_loop)


async def _run(recipients: int, rate: float, database_url: str | None, timeout: float | None,
               event_loop: str) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="p2c-bench-broadcast-"))
    env = {"P2C_RATE_GLOBAL_PER_SECOND": str(rate), "P2C_LOG_LEVEL": "WARNING", "P2C_EVENT_LOOP": event_loop}
    stack = BotStack(workdir, database_url=database_url, env=env)
    await stack.start_sandbox()
    try:
        people = stack.people
        await people.set_limits(global_per_second=rate, per_chat_per_second=None)
        await stack.cli("db", "upgrade")
        started_seeding = time.perf_counter()
        await seed(stack.database_url, recipients)
        await add_people(stack, recipients)
        seeding = time.perf_counter() - started_seeding
        await stack.start_bot()
        assert stack.bot is not None
        bot_process = psutil.Process(stack.bot.pid)
        await people.wait_idle(timeout=30, quiet_ms=500)
        idle_rss = bot_process.memory_info().rss / 2**20
        before = await people.stats()
        baseline = delivered_so_far(before)
        sampler = Sampler(stack)
        sampler.start()
        started = time.perf_counter()
        texts = [f"{code}={TEXTS[code]}" for code in LANGUAGES]
        out = await stack.cli("broadcast", "send", *(a for t in texts for a in ("--text", t)),
                              "--fallback", "en", "--audience", "everyone")
        broadcast_id = out.strip().split()[-1]
        returned = time.perf_counter()
        status = await wait_done(stack, broadcast_id, timeout or recipients / rate * 4 + 120)
        finished = time.perf_counter()
        await sampler.stop()
        started_at, finished_at = await broadcast_times(stack.database_url, int(broadcast_id))
        after = await people.stats()
        chats = await check_chats(stack, recipients)
        await stack.stop_bot()
        echo_rss = await echo_idle_rss(stack)
    finally:
        await stack.close()

    window = sampler.window(baseline)
    send_seconds = window[1] - window[0] if window else 0.0
    cpu = sampler.cpu_shares(window[0], window[1]) if window else (0.0, 0.0)
    span = (finished_at - started_at).total_seconds() if started_at and finished_at else 0.0
    delivered = chats["delivered"]
    achieved = delivered / send_seconds if send_seconds else 0.0
    rss = sampler.peak_rss / 2**20
    errors = {code: n - before["errors"].get(code, 0) for code, n in after["errors"].items()
              if n - before["errors"].get(code, 0)}
    return {
        "recipients": recipients, "delivered": delivered, "duplicates": chats["duplicates"],
        "missing": chats["missing"], "wrong_language": chats["wrong_language"],
        "rate_limit": rate, "achieved_rate": round(achieved, 1), "share_of_limit": round(achieved / rate, 3),
        "rate_basis": "sandbox send window (50 ms samples)", "send_seconds": round(send_seconds, 2),
        "wall_rate": round(delivered / span, 1) if span else None, "wall_seconds": round(span, 2),
        "date_span_s": chats["last_date"] - chats["first_date"],
        "rate_limited_429": after["rate_limited"] - before["rate_limited"], "errors": errors,
        "rss_mb": round(rss, 1), "rss_idle_mb": round(idle_rss, 1), "echo_rss_mb": round(echo_rss, 1),
        "rss_ratio_vs_echo": round(rss / echo_rss, 2) if echo_rss else None,
        "bot_cpu_share": round(cpu[0], 2), "sandbox_cpu_share": round(cpu[1], 2),
        "cli_send_s": round(returned - started, 2), "seconds": round(finished - started, 2),
        "seeding_s": round(seeding, 2), "status": status, "event_loop": event_loop,
        "database": "postgresql" if is_postgres(database_url) else "sqlite",
    }


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=30.0, help="the sandbox's global limit and the bot's pacing")
    parser.add_argument("--database-url", default=None,
                        help="default: a fresh SQLite file (one given must hold no people); a PostgreSQL URL names "
                             "the server, where the run makes (and then drops) an empty database of its own")
    parser.add_argument("--timeout", type=float, default=None, help="seconds to wait for done")
    parser.add_argument("--event-loop", default="auto", choices=("auto", "uvloop", "asyncio"),
                        help="the bot's P2C_EVENT_LOOP (the echo bot always runs on asyncio's)")
    args = parser.parse_args()
    result = asyncio.run(run(args.recipients, args.rate, args.database_url, args.timeout, args.event_loop))
    print(f"broadcast: {result['delivered']}/{result['recipients']} delivered, {result['duplicates']} duplicates, "
          f"{result['missing']} missing, {result['wrong_language']} in a wrong language ({result['database']})")
    print(f"rate:      {result['achieved_rate']}/s over {result['send_seconds']} s = {result['share_of_limit']} "
          f"of {result['rate_limit']}/s (start to done in the bot's records: {result['wall_rate']}/s); "
          f"429 received: {result['rate_limited_429']}")
    print(f"memory:    bot peak {result['rss_mb']} MB (idle {result['rss_idle_mb']} MB), "
          f"echo bot idle {result['echo_rss_mb']} MB, ratio {result['rss_ratio_vs_echo']}")
    ending = "gave up waiting for done after" if result["status"].get("timed_out") else "from send to done:"
    print(f"status:    {json.dumps(result['status'])}; {ending} {result['seconds']} s")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
