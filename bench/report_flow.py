"""Benchmark of the report journey: `python bench/report_flow.py --users N [--database-url URL]`.

The pledge-flow benchmark's method (bench/pledge_flow.py) for progress reports: N focal points, each
with one validated pledge, all write a first report at once through the sandbox's client API (every
answer waits for the bot's reply, as a person would); then a bare aiogram echo bot answers the same
number of people and messages on the same sandbox, and the two are compared. Prints human lines,
then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import psutil
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from echo_measure import measure_people, percentile, start_bot, stop_bot
from pledge_flow import FIRST_ID, seed

from bot.sandbox.client import SandboxClient
from bot.sandbox.harness import BotStack
from models.clock import utcnow
from models.database import Database
from models.tables import Contact, Pledge
from models.values import PledgeStatus, PledgeType

SCRIPT: tuple[tuple[str, str], ...] = (
    ("say", "/report"),
    ("press", "f:status:c:in_progress"),
    ("say", "40"),
    ("say", "120"),
    ("say", "3000"),
    ("press", "f:women_share:c:50"),
    ("say", "We connected 120 schools in Kolda and Tambacounda and trained 300 teachers."),
    ("say", "Power cuts delayed the works in two regions."),
    ("press", "f:partnership_needs:skip"),
    ("say", "https://example.org/p2c/report-2024.pdf"),
    ("press", "f:evidence:done"),
    ("press", "f:$sum:submit"),
)


async def seed_pledges(database_url: str) -> None:
    """One validated programmatic pledge per focal point, started in 2024 (its 2024 report is overdue)."""
    database = Database(database_url)
    try:
        async with database.uow() as uow:
            now = utcnow()
            contacts = (await uow.session.execute(select(Contact).where(Contact.telegram_id >= FIRST_ID))).scalars()
            for contact in contacts:
                uow.session.add(Pledge(entity_id=contact.entity_id or 0, created_by=contact.id,
                                       title="Connect 500 rural schools", description="We will connect schools.",
                                       focus_area="access", pledge_type=PledgeType.programmatic, target_value=500,
                                       target_unit="schools", start_date=date(2024, 1, 1),
                                       end_date=date(2029, 6, 30), status=PledgeStatus.validated, validated_at=now,
                                       ref=f"P2C-2024-{contact.telegram_id}", created_at=now))
            await uow.commit()
    finally:
        await database.dispose()


async def reporter(people: SandboxClient, user_id: int, latencies: list[float]) -> bool:
    """One person writes a report; True when the thanks came back."""
    since = (await people.chat(user_id))["last_seq"]
    seen: list[dict[str, Any]] = []  # the bot's answers (a reminder arriving meanwhile is not one)
    for kind, value in SCRIPT:
        started = time.perf_counter()
        if kind == "say":
            await people.send_text(user_id, value)
        else:
            target = next(m for m in reversed(seen) if value in _codes(m))
            await people.press(user_id, int(target["message_id"]), value)
        while True:
            answer = await people.chat(user_id, since=since, wait=30)
            since = answer["last_seq"]
            replies = [m for m in answer["messages"] if m["from_bot"] and not _is_reminder(m)]
            if replies:
                seen += replies
                break
        latencies.append((time.perf_counter() - started) * 1000)
    return any("sent to BDT" in str(m.get("text")) for m in seen[-3:])


def _is_reminder(message: dict[str, Any]) -> bool:
    return any(code.startswith("rm:") for code in _codes(message))


def _codes(message: dict[str, Any]) -> set[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {button.get("callback_data", "") for row in rows for button in row}


async def run(users: int, database_url: str | None, event_loop: str = "auto") -> dict[str, Any]:
    """Measure the report journey, then the echo bot, on one sandbox."""
    workdir = Path(tempfile.mkdtemp(prefix="p2c-bench-"))
    fast = {"P2C_RATE_GLOBAL_PER_SECOND": "100000", "P2C_RATE_PER_CHAT_PER_SECOND": "100000",
            "P2C_RATE_PER_CHAT_BURST": "100000", "P2C_LOG_LEVEL": "WARNING", "P2C_EVENT_LOOP": event_loop}
    stack = BotStack(workdir, database_url=database_url, env=fast)
    await seed(stack.database_url, users)
    await seed_pledges(stack.database_url)
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
        done = await asyncio.gather(*(reporter(people, FIRST_ID + n, latencies) for n in range(users)))
        elapsed = time.perf_counter() - started
        cpu = (sum(bot_process.cpu_times()[:2]) - cpu_before[0], sum(sandbox_process.cpu_times()[:2]) - cpu_before[1],
               time.process_time() - cpu_before[2])
        rss = bot_process.memory_info().rss / 2**20
        await stack.stop_bot()
        echo_process = await start_bot([sys.executable, str(Path(__file__).with_name("echo_bot.py")), stack.url,
                                        stack.token])
        try:
            echo = await measure_people(stack.url, users, len(SCRIPT))
        finally:
            await stop_bot(echo_process)
    finally:
        await stack.close()
    result = {
        "flow": "report", "users": users, "completed": sum(done), "messages": len(latencies),
        "seconds": round(elapsed, 2), "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1), "updates_per_s": round(len(latencies) / elapsed, 1),
        "echo_updates_per_s": round(echo["updates_per_s"], 1), "echo_p50_ms": round(echo["p50_ms"], 1),
        "echo_p99_ms": round(echo["p99_ms"], 1), "rss_mb": round(rss, 1),
        "bot_cpu_share": round(cpu[0] / elapsed, 2), "sandbox_cpu_share": round(cpu[1] / elapsed, 2),
        "people_cpu_share": round(cpu[2] / elapsed, 2),
        # the bot's CPU time per update: less sensitive than the rates to other work on the machine
        "bot_cpu_ms_per_update": round(1000 * cpu[0] / max(1, len(latencies)), 2), "event_loop": event_loop,
        "database": "postgresql" if database_url and "postgresql" in database_url else "sqlite",
    }
    result["ratio_vs_echo"] = round(result["updates_per_s"] / echo["updates_per_s"], 2)
    result["p99_ratio_vs_echo"] = round(result["p99_ms"] / echo["p99_ms"], 2)
    return result


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--event-loop", default="auto", choices=("auto", "uvloop", "asyncio"),
                        help="the bot's P2C_EVENT_LOOP (the echo bot always runs on asyncio's)")
    args = parser.parse_args()
    result = asyncio.run(run(args.users, args.database_url, args.event_loop))
    print(f"report flow: {result['completed']}/{result['users']} reports, {result['messages']} interactions, "
          f"{result['updates_per_s']}/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms ({result['database']})")
    print(f"echo bot:    {result['echo_updates_per_s']}/s, p50 {result['echo_p50_ms']} ms, "
          f"p99 {result['echo_p99_ms']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
