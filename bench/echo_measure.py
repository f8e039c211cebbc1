"""Measure a bare aiogram echo bot through the sandbox: the floor for the pledge and broadcast benchmarks.

`measure_echo(sandbox_url, token, users, messages_per_user)` starts bench/echo_bot.py in its own
process, lets `users` simulated people each send `messages_per_user` messages one after another
(the next once the reply is seen), and reports latency from a person's send to the reply appearing
in the chat, throughput, and the bot's resident memory.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from bot.sandbox.client import SandboxClient

ECHO_BOT = Path(__file__).with_name("echo_bot.py")
FIRST_USER_ID = 900_000


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of `values` (share between 0 and 1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def start_bot(command: list[str], ready_timeout: float = 60.0) -> asyncio.subprocess.Process:
    """Start a bot process that prints "ready" when it polls; fail if it does not within the timeout."""
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), ready_timeout)
    if b"ready" not in line:
        process.kill()
        await process.wait()
        raise RuntimeError(f"the bot did not start: {line!r}")
    return process


async def stop_bot(process: asyncio.subprocess.Process, grace: float = 10.0) -> None:
    """Ask a bot process to stop (SIGTERM), killing it if it does not within `grace` seconds."""
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), grace)
    except TimeoutError:
        process.kill()
        await process.wait()


async def _person(people: SandboxClient, user_id: int, count: int, latencies: list[float]) -> None:
    since = (await people.chat(user_id))["last_seq"]
    for number in range(count):
        text = f"echo {user_id} {number}"
        started = time.perf_counter()
        await people.send_text(user_id, text)
        while True:
            answer = await people.chat(user_id, since=since, wait=30)
            since = answer["last_seq"]
            if any(m["from_bot"] and m["text"] == text for m in answer["messages"]):
                break
        latencies.append((time.perf_counter() - started) * 1000)


async def measure_people(sandbox_url: str, users: int, messages_per_user: int,
                         first_user_id: int = FIRST_USER_ID) -> dict[str, Any]:
    """Play `users` people against whatever bot polls the sandbox; return throughput and latencies."""
    async with SandboxClient(sandbox_url) as people:
        previous = await people.set_limits()
        await people.set_limits(global_per_second=None, per_chat_per_second=None, per_group_per_minute=None)
        ids = range(first_user_id, first_user_id + users)
        for user_id in ids:
            await people.add_user(user_id, f"Bench {user_id}", language_code="en")
        latencies: list[float] = []
        started = time.perf_counter()
        await asyncio.gather(*(_person(people, user_id, messages_per_user, latencies) for user_id in ids))
        elapsed = time.perf_counter() - started
        await people.set_limits(**previous)
    return {
        "updates": len(latencies),
        "seconds": elapsed,
        "updates_per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
    }


async def measure_echo(sandbox_url: str, token: str, users: int, messages_per_user: int) -> dict[str, Any]:
    """Run the bare aiogram echo bot against the sandbox and measure it (see the module docstring)."""
    bot = await start_bot([sys.executable, str(ECHO_BOT), sandbox_url, token])
    try:
        memory = psutil.Process(bot.pid)
        result = await measure_people(sandbox_url, users, messages_per_user)
        result["rss_mb"] = memory.memory_info().rss / 2**20
    finally:
        await stop_bot(bot)
    return result
