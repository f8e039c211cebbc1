"""Benchmark of the pledge journey: `python bench/pledge_flow.py --users N [--database-url URL]`.

Starts the sandbox and the bot as processes, lets N simulated focal points each complete a whole
pledge at once through the sandbox's client API (every answer waits for the bot's reply, as a
person would), then runs a bare aiogram echo bot on the same sandbox with the same people count
and messages, and compares. Rate limits are off in the sandbox and in the bot's pacing, so both
bots are measured at full speed. Prints human lines, then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NamedTuple

import psutil
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from databases import is_postgres, own_database
from echo_measure import measure_people, percentile, start_bot, stop_bot

from bot.sandbox.client import SandboxClient
from bot.sandbox.harness import BotStack
from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade
from models.tables import Contact, Entity
from models.values import EntityStatus, Role, Sector

FIRST_ID = 700_000
SCRIPT: tuple[tuple[str, str], ...] = (
    ("say", "/pledge"),
    ("say", "Connect 500 rural schools"),
    ("say", "We will connect 500 rural schools to broadband and train their teachers."),
    ("press", "f:focus_area:c:access"),
    ("press", "f:pillars:c:infrastructure"),
    ("press", "f:pillars:done"),
    ("press", "f:pledge_type:c:financial"),
    ("say", "2.5 million"),
    ("say", "Senegal"),
    ("press", "f:countries:done"),
    ("press", "f:beneficiary_groups:c:schools"),
    ("press", "f:beneficiary_groups:done"),
    ("say", "500"),
    ("press", "f:target_unit:c:schools"),
    ("say", "31/12/2027"),
    ("say", "2026-01-01"),
    ("say", "2028-06-30"),
    ("press", "f:sdgs:skip"),
    ("press", "f:wsis_action_lines:skip"),
    ("press", "f:$sum:submit"),
)


async def seed(database_url: str, users: int) -> None:
    """N validated entities, each with one focal point (what invitations would have produced)."""
    database = Database(database_url)
    try:
        await upgrade(database)
        async with database.uow() as uow:
            previous = await uow.session.execute(sa.select(Entity.id).where(Entity.name_key == "bench entity 0"))
            if previous.first() is not None:
                raise SystemExit(f"{database_url} holds a previous run's people: give a new SQLite file, or none")
            now = utcnow()
            for n in range(users):
                entity = Entity(name=f"Bench entity {n}", name_key=f"bench entity {n}", sector=Sector.government,
                                country_iso3="SEN", status=EntityStatus.validated, created_at=now, validated_at=now)
                uow.session.add(entity)
                await uow.flush()
                uow.session.add(Contact(telegram_id=FIRST_ID + n, chat_id=FIRST_ID + n, first_name="Bench",
                                        language="en", role=Role.focal_point, entity_id=entity.id, consent_at=now))
            await uow.commit()
    finally:
        await database.dispose()


def has_reference(last: dict[str, Any]) -> bool:
    """The bot's last answer gives the new pledge's reference: the pledge was registered."""
    return "P2C-" in str(last.get("text"))


async def focal_point(people: SandboxClient, user_id: int, latencies: list[float],
                      script: tuple[tuple[str, str], ...] = SCRIPT,
                      finished: Callable[[dict[str, Any]], bool] = has_reference,
                      patience: float | None = None) -> bool:
    """One person goes through `script` (a whole pledge by default), each step waiting for the bot's answer (at most
    `patience` seconds, if given); True when every step was answered and `finished` accepts the last answer. The last
    step is answered by the answer `finished` looks for: the summary submitted is edited first (its buttons go), then
    the thanks come."""
    since = (await people.chat(user_id))["last_seq"]
    last_bot: dict[str, Any] = {}
    for index, (kind, value) in enumerate(script):
        started = time.perf_counter()
        if kind == "say":
            await people.send_text(user_id, value)
        else:
            await people.press(user_id, int(last_bot["message_id"]), value)
        deadline = None if patience is None else time.monotonic() + patience
        settle: float | None = None  # the last step: how long its outcome is waited for after a first answer
        while True:
            if deadline is not None and time.monotonic() > deadline:
                return False
            answer = await people.chat(user_id, since=since, wait=30)
            since = answer["last_seq"]
            replies = [m for m in answer["messages"] if m["from_bot"]]
            if replies:
                last_bot = replies[-1]
            if replies and index < len(script) - 1:
                break
            done = [m for m in replies if finished(m)]
            if done:
                last_bot = done[-1]
                break
            if replies and settle is None:
                settle = time.monotonic() + 30
            if settle is not None and time.monotonic() > settle:
                break
        latencies.append((time.perf_counter() - started) * 1000)
    return finished(last_bot)


Person = Callable[[SandboxClient, int, list[float]], Awaitable[bool]]
"""One simulated person: goes through a journey, appends each step's latency, says whether it completed."""


async def run(users: int, database_url: str | None, event_loop: str = "auto") -> dict[str, Any]:
    """Measure the pledge journey, then the echo bot, on one sandbox."""
    return await measure_flow(users, database_url, event_loop, focal_point, len(SCRIPT))


async def measure_flow(users: int, database_url: str | None, event_loop: str, person: Person, steps: int,
                       seed_more: Callable[[str], Awaitable[None]] | None = None,
                       label: dict[str, Any] | None = None) -> dict[str, Any]:
    """N people go through a journey at once (`person`, `steps` interactions each), then the echo bot answers as
    many people and messages on the same sandbox; the figures of both (`label` leads the result)."""
    async with own_database(database_url) as url:
        measured = await _measured(users, url, event_loop, person, steps, seed_more)
    done, latencies, elapsed, cpu, rss, echo = measured
    result = {
        **(label or {}), "users": users, "completed": done, "messages": len(latencies),
        "seconds": round(elapsed, 2), "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1), "updates_per_s": round(len(latencies) / elapsed, 1),
        "echo_updates_per_s": round(echo["updates_per_s"], 1), "echo_p50_ms": round(echo["p50_ms"], 1),
        "echo_p99_ms": round(echo["p99_ms"], 1), "rss_mb": round(rss, 1),
        "bot_cpu_share": round(cpu[0] / elapsed, 2), "sandbox_cpu_share": round(cpu[1] / elapsed, 2),
        "people_cpu_share": round(cpu[2] / elapsed, 2),
        # the bot's CPU time per update: less sensitive than the rates to other work on the machine
        "bot_cpu_ms_per_update": round(1000 * cpu[0] / max(1, len(latencies)), 2), "event_loop": event_loop,
        "database": "postgresql" if is_postgres(database_url) else "sqlite",
    }
    result["ratio_vs_echo"] = round(result["updates_per_s"] / echo["updates_per_s"], 2)
    result["p99_ratio_vs_echo"] = round(result["p99_ms"] / echo["p99_ms"], 2)
    return result


class Measured(NamedTuple):
    """What one run of a journey and of the echo bot gave."""

    done: int
    latencies: list[float]
    elapsed: float
    cpu: tuple[float, float, float]
    """CPU seconds of the bot, the sandbox and the people (this process) during the journey."""
    rss: float
    echo: dict[str, float]


async def _measured(users: int, database_url: str | None, event_loop: str, person: Person, steps: int,
                    seed_more: Callable[[str], Awaitable[None]] | None) -> Measured:
    workdir = Path(tempfile.mkdtemp(prefix="p2c-bench-"))
    fast = {"P2C_RATE_GLOBAL_PER_SECOND": "100000", "P2C_RATE_PER_CHAT_PER_SECOND": "100000",
            "P2C_RATE_PER_CHAT_BURST": "100000", "P2C_LOG_LEVEL": "WARNING", "P2C_EVENT_LOOP": event_loop}
    stack = BotStack(workdir, database_url=database_url, env=fast)
    await seed(stack.database_url, users)
    if seed_more is not None:
        await seed_more(stack.database_url)
    await stack.start_sandbox()
    try:
        people = stack.people
        await people.set_limits(global_per_second=None, per_chat_per_second=None, per_group_per_minute=None)
        for n in range(users):
            await people.add_user(FIRST_ID + n, "Bench", language_code="en")
        await stack.start_bot()
        assert stack.bot is not None and stack.sandbox is not None
        bot_process, sandbox_process = psutil.Process(stack.bot.pid), psutil.Process(stack.sandbox.pid)
        cpu_before = (sum(bot_process.cpu_times()[:2]), sum(sandbox_process.cpu_times()[:2]), time.process_time())
        latencies: list[float] = []
        started = time.perf_counter()
        done = await asyncio.gather(*(person(people, FIRST_ID + n, latencies) for n in range(users)))
        elapsed = time.perf_counter() - started
        cpu = (sum(bot_process.cpu_times()[:2]) - cpu_before[0], sum(sandbox_process.cpu_times()[:2]) - cpu_before[1],
               time.process_time() - cpu_before[2])
        rss = bot_process.memory_info().rss / 2**20
        await stack.stop_bot()
        echo_process = await start_bot([sys.executable, str(Path(__file__).with_name("echo_bot.py")), stack.url,
                                        stack.token])
        try:
            echo = await measure_people(stack.url, users, steps)
        finally:
            await stop_bot(echo_process)
    finally:
        await stack.close()
    return Measured(sum(done), latencies, elapsed, cpu, rss, echo)


Run = Callable[[int, str | None, str], Awaitable[dict[str, Any]]]


def flow_main(description: str, flow: str, done: str, run_flow: Run) -> None:
    """The command line of a flow benchmark: --users, --database-url, --event-loop; human lines, then the JSON."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--database-url", default=None,
                        help="default: a fresh SQLite file; a PostgreSQL URL names the server, where the run makes "
                             "(and then drops) an empty database of its own")
    parser.add_argument("--event-loop", default="auto", choices=("auto", "uvloop", "asyncio"),
                        help="the bot's P2C_EVENT_LOOP (the echo bot always runs on asyncio's)")
    args = parser.parse_args()
    result = asyncio.run(run_flow(args.users, args.database_url, args.event_loop))
    print(f"{flow}: {result['completed']}/{result['users']} {done}, {result['messages']} interactions, "
          f"{result['updates_per_s']}/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms ({result['database']})")
    print(f"echo bot:    {result['echo_updates_per_s']}/s, p50 {result['echo_p50_ms']} ms, "
          f"p99 {result['echo_p99_ms']} ms")
    print(json.dumps(result))


def main() -> None:
    """Command-line entry."""
    flow_main(__doc__.splitlines()[0], "pledge flow", "pledges", run)


if __name__ == "__main__":
    main()
