"""Benchmark of the sandbox itself: `python bench/sandbox_echo.py --updates N`.

(a) a raw aiohttp client with keep-alive makes N sendMessage calls to a sandbox running in its own
process (client and server each get a core); (b) a bare aiogram echo bot, in its own process,
answers N messages sent by simulated people. Prints human lines, then one JSON object as the last line.
Not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from echo_measure import measure_echo

from bot.sandbox.client import SandboxClient


def start_sandbox() -> tuple[subprocess.Popen[bytes], str, str]:
    """Start `python -m bot.sandbox --port 0 --no-limits`; return the process, its URL and token."""
    process = subprocess.Popen([sys.executable, "-m", "bot.sandbox", "--port", "0", "--no-limits"],
                               stdout=subprocess.PIPE)
    assert process.stdout is not None
    line = process.stdout.readline().decode()  # "Sandbox Telegram on http://...:PORT/  (bot token T)"
    if "Sandbox Telegram on" not in line:
        process.kill()
        raise RuntimeError(f"the sandbox did not start: {line!r}")
    url = line.split(" on ", 1)[1].split()[0].rstrip("/")
    token = line.rsplit("bot token ", 1)[1].rstrip(")\n ")
    return process, url, token


async def raw_send_messages(url: str, token: str, calls: int, connections: int, server_pid: int) -> dict[str, Any]:
    """Make `calls` sendMessage calls over `connections` keep-alive connections; return calls/s and CPU use."""
    chats = list(range(800_000, 800_010))
    async with SandboxClient(url) as people:
        for chat_id in chats:
            await people.add_user(chat_id, f"Raw {chat_id}")
    endpoint = f"{url}/bot{token}/sendMessage"
    bodies = [json.dumps({"chat_id": chat_id, "text": "Thank you for your pledge!"}).encode() for chat_id in chats]
    headers = {"Content-Type": "application/json"}
    failures = 0

    async def worker(share: int, offset: int) -> None:
        nonlocal failures
        for number in range(share):
            async with session.post(endpoint, data=bodies[(offset + number) % len(bodies)],
                                    headers=headers) as response:
                await response.read()
                failures += response.status != 200

    server, client = psutil.Process(server_pid), psutil.Process()
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        await worker(50, 0)  # warm up the connection pool and the server
        cpu_before, own_before = server.cpu_times(), client.cpu_times()
        started = time.perf_counter()
        shares = [calls // connections + (i < calls % connections) for i in range(connections)]
        await asyncio.gather(*(worker(share, i) for i, share in enumerate(shares)))
        elapsed = time.perf_counter() - started
        cpu_after, own_after = server.cpu_times(), client.cpu_times()
    busy = (cpu_after.user - cpu_before.user + cpu_after.system - cpu_before.system) / elapsed
    own = (own_after.user - own_before.user + own_after.system - own_before.system) / elapsed
    return {"calls": calls, "seconds": elapsed, "calls_per_s": calls / elapsed, "failures": failures,
            "server_cpu": busy, "client_cpu": own}


async def run(updates: int, users: int, connections: int) -> dict[str, Any]:
    """Run both parts against one sandbox process and return the figures."""
    process, url, token = start_sandbox()
    try:
        raw = await raw_send_messages(url, token, updates, connections, process.pid)
        print(f"raw sendMessage: {raw['calls']} calls in {raw['seconds']:.2f} s = {raw['calls_per_s']:.0f} calls/s "
              f"({connections} keep-alive connections, server CPU {raw['server_cpu']:.0%}, "
              f"client CPU {raw['client_cpu']:.0%}, "
              f"{raw['failures']} failures)", flush=True)
        async with SandboxClient(url) as people:
            await people.reset()
        per_user = max(1, updates // users)
        echo = await measure_echo(url, token, users, per_user)
        print(f"aiogram echo bot: {echo['updates']} messages from {users} people in {echo['seconds']:.2f} s = "
              f"{echo['updates_per_s']:.0f} updates/s; latency p50 {echo['p50_ms']:.1f} ms, "
              f"p99 {echo['p99_ms']:.1f} ms; bot RSS {echo['rss_mb']:.0f} MB", flush=True)
    finally:
        process.terminate()
        process.wait(10)
    return {
        "updates": updates, "raw_calls_per_s": round(raw["calls_per_s"], 1), "raw_failures": raw["failures"],
        "echo_updates_per_s": round(echo["updates_per_s"], 1), "echo_p50_ms": round(echo["p50_ms"], 2),
        "echo_p99_ms": round(echo["p99_ms"], 2), "echo_rss_mb": round(echo["rss_mb"], 1), "echo_users": users,
    }


def main() -> None:
    """Parse arguments, run, and print the JSON summary as the last line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=2000, help="sendMessage calls, and echo messages")
    parser.add_argument("--users", type=int, default=20, help="simulated people writing to the echo bot at once")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections of the raw client")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.updates, args.users, args.connections))))


if __name__ == "__main__":
    main()
