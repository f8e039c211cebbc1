"""Benchmark of several instances on one PostgreSQL: `python bench/instances.py [--people 1000] [--instances 1,3]`.

A burst: N people answer a broadcast at once, each sending /pledge and three answers (waiting for each reply,
as a person would), against 1 and then 3 bot instances in webhook mode behind a round-robin proxy
(bot.sandbox.proxy), on a fresh PostgreSQL database each time. Rate limits are off in the sandbox and the bot,
so the bot's own capacity is measured. Then, with the instances still running, the leader of the scheduled jobs
is killed (SIGKILL) and the time until another instance leads is measured (each instance's /metrics says
`p2c_scheduler_leader`). Needs P2C_TEST_POSTGRES_URL (`scripts/with-postgres.sh`) or --database-url (a server
where databases can be created). Prints human lines, then one JSON object as its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from databases import own_database
from echo_measure import percentile
from pledge_flow import FIRST_ID, SCRIPT, focal_point, seed

from bot.sandbox.client import SandboxClient
from bot.sandbox.harness import BotStack, WebhookInstances, free_port
from bot.sandbox.proxy import RoundRobinProxy
from bot.shared_pacing import HEARTBEAT, START_WAIT

BURST = SCRIPT[:4]
"""/pledge, a title, a description, a focus area: what a person does in the first minute after an announcement."""
PEOPLE_PER_CLIENT = 50
SECRET = "bench-Instances_secret-0123456789-abcdefghij"
FAST = {"P2C_RATE_GLOBAL_PER_SECOND": "100000", "P2C_RATE_PER_CHAT_PER_SECOND": "100000",
        "P2C_RATE_PER_CHAT_BURST": "100000", "P2C_LOG_LEVEL": "WARNING"}


async def leaders(metrics_ports: list[int], alive: list[bool]) -> list[int]:
    """The instances whose /metrics say they run the scheduled jobs."""
    found = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        for number, port in enumerate(metrics_ports):
            if not alive[number]:
                continue
            try:
                async with http.get(f"http://127.0.0.1:{port}/metrics") as answer:
                    body = await answer.text()
            except (aiohttp.ClientError, TimeoutError):
                continue
            if any(line.startswith("p2c_scheduler_leader ") and float(line.split()[1]) == 1.0
                   for line in body.splitlines()):
                found.append(number)
    return found


async def run_once(server_url: str, people_count: int, count: int, *, failover: bool) -> dict[str, Any]:
    """The burst against `count` instances; with `failover`, then the leader's SIGKILL."""
    async with own_database(server_url) as database_url:
        assert database_url is not None
        return await _run_once(database_url, people_count, count, failover=failover)


async def _run_once(database_url: str, people_count: int, count: int, *, failover: bool) -> dict[str, Any]:
    await seed(database_url, people_count)
    workdir = Path(tempfile.mkdtemp(prefix="p2c-bench-instances-"))
    ports, metrics = [free_port() for _ in range(count)], [free_port() for _ in range(count)]
    proxy = RoundRobinProxy([f"http://127.0.0.1:{port}" for port in ports])
    stack = BotStack(workdir, database_url=database_url,
                     env={**FAST, "P2C_WEBHOOK_URL": await proxy.start(), "P2C_WEBHOOK_SECRET": SECRET})
    running = WebhookInstances(stack, ports, env=lambda number: {"P2C_METRICS_PORT": str(metrics[number])})
    clients = [SandboxClient(stack.url) for _ in range(max(1, people_count // PEOPLE_PER_CLIENT))]
    result: dict[str, Any] = {"instances": count}
    try:
        await stack.start_sandbox()
        await stack.people.set_limits(global_per_second=None, per_chat_per_second=None, per_group_per_minute=None)
        gate = asyncio.Semaphore(32)

        async def add(n: int) -> None:
            async with gate:
                await stack.people.add_user(FIRST_ID + n, "Bench", language_code="en")

        await asyncio.gather(*(add(n) for n in range(people_count)))
        for number in range(count):
            await running.start(number)
        await asyncio.sleep(START_WAIT + 2 * HEARTBEAT)  # running for a while, as before any real burst
        latencies: list[float] = []
        started = time.perf_counter()
        done = await asyncio.gather(*(focal_point(clients[n % len(clients)], FIRST_ID + n, latencies, BURST,
                                                  finished=lambda last: True, patience=120)
                                      for n in range(people_count)))
        elapsed = time.perf_counter() - started
        result.update({"people": people_count, "completed": sum(done), "replies": len(latencies),
                       "seconds": round(elapsed, 2), "updates_per_s": round(len(latencies) / elapsed, 1),
                       "p50_ms": round(statistics.median(latencies), 1),
                       "p99_ms": round(percentile(latencies, 0.99), 1)})
        print(f"{count} instance(s): {sum(done)}/{people_count} people done, {len(latencies)} replies in "
              f"{elapsed:.1f} s = {result['updates_per_s']}/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms")
        if failover and count > 1:
            result["failover_s"] = await measure_failover(running, metrics)
            print(f"scheduler failover after SIGKILL of the leader: {result['failover_s']} s")
    finally:
        for client in clients:
            await client.close()
        await running.close()
        await stack.close()
        await proxy.close()
    return result


async def measure_failover(running: WebhookInstances, metrics: list[int]) -> float | None:
    """SIGKILL the leading instance; seconds until another says it leads (None: not within 60 s)."""
    alive = [True] * len(metrics)
    for _ in range(300):
        if (leading := await leaders(metrics, alive)):
            break
        await asyncio.sleep(0.1)
    else:
        return None
    killed = time.monotonic()
    await running.stop(leading[0], signal.SIGKILL)
    alive[leading[0]] = False
    while time.monotonic() - killed < 60:
        if await leaders(metrics, alive):
            return round(time.monotonic() - killed, 2)
        await asyncio.sleep(0.1)
    return None


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--instances", default="1,3")
    parser.add_argument("--database-url", default=os.environ.get("P2C_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not args.database_url:
        sys.exit("bench/instances.py needs PostgreSQL: --database-url, or run it under scripts/with-postgres.sh")
    counts = [int(n) for n in args.instances.split(",")]
    runs = [await run_once(args.database_url, args.people, count, failover=count == max(counts)) for count in counts]
    summary: dict[str, Any] = {"people": args.people, "runs": runs, "cores": os.cpu_count()}
    by_count = {run["instances"]: run for run in runs}
    if 1 in by_count and len(by_count) > 1:
        most = max(by_count)
        summary["throughput_ratio"] = round(by_count[most]["updates_per_s"] / by_count[1]["updates_per_s"], 2)
        summary["ratio_of"] = f"{most} instances / 1"
    summary["failover_s"] = next((run["failover_s"] for run in runs if "failover_s" in run), None)
    print(json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main())
