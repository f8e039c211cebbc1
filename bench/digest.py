"""Benchmark of digests: `python bench/digest.py [--sizes 10000,100000] [--postgres-url URL] [--subscribers 1000]`.

For each size N (N pledges, 5N reports) and each backend (a fresh SQLite file; PostgreSQL when a URL is
given, in a fresh database), seeds the rows with Core bulk inserts, then times building one whole
digest for staff (scope: everything) in Russian: the figures (SQL aggregates), the text rendered, the
chart (PNG) and the spreadsheet (XLSX of every pledge and report), twice: the first build also imports
matplotlib (once a process), the second is the figure quoted. Peak memory is the process's peak RSS
after the build (and how much the build raised it); at the smallest size, a second build is timed by
phase. Growth ratio = time at the largest size / time at the smallest (linear growth: the size ratio).

Then, on the smallest size (SQLite): S coordinators, in six regions and six languages, all subscribed weekly
at the same hour (the bot's clock moved to that hour); one run of the scheduled job enqueues them, a second
run finds nothing left; reported: how long it took, the rows written (3 per person), the files made (one
chart and one sheet per scope and language, not per person). Then the bot's own delivery worker sends
those rows at Telegram's limits (30 messages/s, 1/s a chat with a burst of 3) to a recording stand-in
for the Bot API: how long it took, the busiest second overall and in one chat, and how many chats got
their three messages (text, chart, sheet) once and in order.
Prints human lines, then one JSON object as the last line. Not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from databases import own_database  # beside this file, the first place a script is looked up from

from bot.delivery import DeliveryWorker
from bot.i18n import Catalogs, Rendered, Renderer
from bot.pacing import PaceLimits, Pacer
from handlers.digests.chart import render_chart
from handlers.digests.content import digest_reply
from handlers.digests.jobs import send_due_digests
from handlers.digests.service import Made, enqueue_digest, export_xlsx
from models.clock import TEST_CLOCK_ENV, utcnow
from models.database import Database
from models.migrate import upgrade
from models.reporting import latest_due_periods
from models.repositories.base import table_of
from models.repositories.digests import DigestFigures
from models.scope import EVERYTHING, ITU_REGIONS, ScopeKind
from models.tables import Contact, CoordinatorScope, DigestSubscription, Entity, GeneratedFile, Outbox, Pledge
from models.tables import ProgressReport as Report
from models.values import LANGUAGES, Role, Sector

COUNTRIES = {"africa": "SEN", "americas": "BOL", "arab_states": "EGY", "asia_pacific": "NPL", "cis": "KAZ",
             "europe": "NOR"}
AREAS = ("access", "adoption", "value_creation", "accelerate")
BATCH = 5000


async def seed(database: Database, pledges: int) -> None:
    """N pledges of N/20 entities over the six regions, 5 reports each; a staff member to read the digest."""
    chance = random.Random(7)
    now = utcnow()
    entities = max(1, pledges // 20)
    sectors = list(Sector)
    async with database.engine.begin() as connection:
        await connection.execute(sa.insert(table_of(Entity)), [
            {"name": f"Entity {n}", "name_key": f"entity {n}", "sector": sectors[n % len(sectors)],
             "country_iso3": COUNTRIES[ITU_REGIONS[n % 6]], "status": "validated", "created_at": now}
            for n in range(entities)])
        await connection.execute(sa.insert(table_of(Contact)), [
            {"telegram_id": 1, "chat_id": 1, "first_name": "Staff", "language": "ru", "role": Role.staff,
             "blocked": False, "created_at": now}])
    for start in range(0, pledges, BATCH):
        rows: list[dict[str, Any]] = []
        reports: list[dict[str, Any]] = []
        for n in range(start, min(pledges, start + BATCH)):
            region = ITU_REGIONS[n % 6]
            age = timedelta(days=chance.randint(1, 900))
            rows.append({
                "id": n + 1, "ref": f"P2C-B-{n:07d}", "entity_id": n % entities + 1, "title": f"Pledge {n}",
                "description": "A benchmark pledge.", "focus_area": AREAS[n % 4], "pillars": ["other"],
                "pledge_type": "financial" if n % 3 else "policy",
                "value_usd": Decimal(chance.randrange(1, 500) * 100_000) if n % 3 else None,
                "countries": [COUNTRIES[region]], "beneficiary_groups": [], "sdgs": [], "wsis_action_lines": [],
                "status": "validated" if n % 10 else "completed", "language": "en", "reporting_cadence": "annual",
                "targets_ldc": region in ("africa", "asia_pacific"), "targets_lldc": region == "cis",
                "targets_sids": False, "itu_regions": [region], "version": 1, "created_at": now - age,
                "submitted_at": now - age, "validated_at": now - age, "updated_at": now - age,
                "start_date": (now - age).date()})
            for k in range(5):
                reports.append({"pledge_id": n + 1, "period": str(now.year - 1 - k), "status": "in_progress",
                                "percent_complete": 20 * k, "steps_taken": "Benchmark progress report text.",
                                "value_disbursed_usd": Decimal(k * 1000), "evidence": [],
                                "created_at": now - timedelta(days=k * 300 + n % 7)} if (n + k) % 7 else
                               {"pledge_id": n + 1, "period": f"{now.year - 1 - k}x", "status": "delayed",
                                "percent_complete": 0, "steps_taken": "Benchmark progress report text.",
                                "value_disbursed_usd": None, "evidence": [],
                                "created_at": now - timedelta(days=k * 300)})
        async with database.engine.begin() as connection:
            await connection.execute(sa.insert(table_of(Pledge)), rows)
            await connection.execute(sa.insert(table_of(Report)), reports)


async def phases(database: Database, renderer: Renderer) -> dict[str, float]:
    """Seconds of each part of a digest: figures (SQL), chart, spreadsheet."""
    def translate(label: Any) -> str:
        return renderer.label(label, "ru", markup=False)

    async with database.uow() as uow:
        started = time.perf_counter()
        figures = await DigestFigures(uow.session).figures(EVERYTHING, utcnow() - timedelta(days=7),
                                                           latest_due_periods(utcnow().date()))
        renderer.reply(digest_reply(figures, EVERYTHING, utcnow().date(), None), "ru")
        sql = time.perf_counter()
        render_chart(figures, "ru", translate, "P2C")
        chart = time.perf_counter()
        await export_xlsx(uow.session, EVERYTHING, "ru", lambda label, locale: translate(label), utcnow().date())
        sheet = time.perf_counter()
    return {"figures_and_text": round(sql - started, 3), "chart": round(chart - sql, 3),
            "spreadsheet": round(sheet - chart, 3)}


async def build_once(database: Database, renderer: Renderer, key: str) -> tuple[float, float]:
    """Seconds to build and enqueue one whole digest (figures, text rendered, chart, spreadsheet): on the wall, and
    of this process's CPU (its own work, whatever else the machine runs; on PostgreSQL the server's is not in it)."""
    def translate(label: Any, locale: str) -> str:
        return renderer.label(label, locale, markup=False)

    started, cpu = time.perf_counter(), time.process_time()
    async with database.uow() as uow:
        contact = (await uow.session.execute(sa.select(Contact).where(Contact.telegram_id == 1))).scalar_one()
        await enqueue_digest(uow.session, contact, EVERYTHING, "ru", key, since=None, now=utcnow(), zone="UTC",
                             translate=translate, made=Made())
        text = (await uow.session.execute(sa.select(Outbox.payload).where(Outbox.key == f"{key}:t"))).scalar_one()
        from handlers.messages import reply_from_json
        rendered = renderer.reply(reply_from_json(text["reply"]), "ru")
        assert len(rendered.text) < 4096
        await uow.commit()
    return time.perf_counter() - started, time.process_time() - cpu


async def measure(url: str, size: int, renderer: Renderer, with_phases: bool) -> dict[str, Any]:
    """Seed `size` pledges at `url`, then time a digest build and trace its memory."""
    database = Database(url)
    try:
        await upgrade(database)
        started = time.perf_counter()
        await seed(database, size)
        seeded = time.perf_counter() - started
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        first, _ = await build_once(database, renderer, "bench:0")  # pays for importing matplotlib, once a process
        seconds, cpu = await build_once(database, renderer, "bench:1")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        parts = await phases(database, renderer) if with_phases else {}
        async with database.uow() as uow:
            sizes = (await uow.session.execute(sa.select(GeneratedFile.name, sa.func.length(GeneratedFile.content))
                                               .order_by(GeneratedFile.id).limit(2))).all()
        return {"pledges": size, "reports": size * 5, "seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3),
                "load_average": round(os.getloadavg()[0], 1), "first_build_seconds":
                round(first, 3), "phases": parts,
                "seed_seconds": round(seeded, 1),
                "peak_rss_mib": round(peak / 1024, 1),
                "rss_growth_mib": round((peak - before) / 1024, 1), "files": {name: length for name, length in sizes}}
    finally:
        await database.dispose()


class RecordingTelegram:
    """A Bot API stand-in for delivery: records when each message to each chat went out, and what it carried."""

    def __init__(self, expected: int) -> None:
        self.sent: list[tuple[float, int, str]] = []
        self.expected = expected
        self.done = asyncio.Event()

    async def send(self, chat_id: int, message: Rendered) -> int:
        self.sent.append((time.monotonic(), chat_id, message.upload.kind if message.upload else "text"))
        if len(self.sent) >= self.expected:
            self.done.set()
        return len(self.sent)

    async def edit(self, chat_id: int, message_id: int, message: Rendered) -> None:
        raise AssertionError("digests are never edited")

    async def acknowledge(self, callback_query_id: str, text: str | None = None) -> None:
        raise AssertionError("no buttons are pressed here")

    async def close(self) -> None:
        return None


def busiest_second(times: list[float]) -> int:
    """The most sends inside any window of one second."""
    times, most, first = sorted(times), 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


async def deliver(database: Database, renderer: Renderer, rows: int) -> dict[str, Any]:
    """Run the bot's own delivery worker, at Telegram's limits, until `rows` messages went out; how they went."""
    telegram = RecordingTelegram(rows)
    worker = DeliveryWorker(database, renderer, telegram, "en", Pacer(PaceLimits()))
    started = time.monotonic()
    running = asyncio.create_task(worker.run(idle_poll=0.2))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(telegram.done.wait(), rows / PaceLimits().global_per_second * 2 + 60)
    seconds = time.monotonic() - started
    worker.stop()
    await running
    chats: dict[int, list[tuple[float, str]]] = {}
    for moment, chat, kind in telegram.sent:
        chats.setdefault(chat, []).append((moment, kind))
    return {"sent": len(telegram.sent), "seconds": round(seconds, 1),
            "rate_per_s": round(len(telegram.sent) / seconds, 1),
            "busiest_second": busiest_second([moment for moment, _, _ in telegram.sent]),
            "busiest_second_one_chat": max(busiest_second([m for m, _ in sent]) for sent in chats.values()),
            "chats": len(chats), "chats_with_3_in_order": sum([k for _, k in sent] == ["text", "photo", "document"]
                                                              for sent in chats.values())}


async def subscribers_smoke(url: str, people: int, renderer: Renderer) -> dict[str, Any]:
    """`people` coordinators due at the same hour: one run of the job, the rows and files it wrote, then delivery.

    The bot's clock is moved to the coming Monday at 09:05 UTC (models.clock's test clock), so that the job and
    delivery both see the digests due.
    """
    database = Database(url)
    folder = tempfile.mkdtemp()
    try:
        now = utcnow()
        monday = (now + timedelta(days=7 - now.weekday())).replace(hour=9, minute=5, second=0, microsecond=0)
        async with database.engine.begin() as connection:
            await connection.execute(sa.insert(table_of(Contact)), [
                {"telegram_id": 10_000 + n, "chat_id": 10_000 + n, "first_name": f"C{n}", "role": Role.coordinator,
                 "language": LANGUAGES[n % 6], "blocked": False, "created_at": now} for n in range(people)])
            ids = (await connection.execute(sa.select(Contact.id).where(Contact.telegram_id >= 10_000)
                                            .order_by(Contact.id))).scalars().all()
            await connection.execute(sa.insert(table_of(CoordinatorScope)), [
                {"contact_id": cid, "kind": ScopeKind.region, "values": [ITU_REGIONS[n // 6 % 6]],
                 "set_at": now} for n, cid in enumerate(ids)])
            await connection.execute(sa.insert(table_of(DigestSubscription)), [
                {"contact_id": cid, "cadence": "weekly", "weekday": 0, "hour": 9, "updated_at": now} for cid in ids])
            await connection.execute(sa.delete(table_of(Outbox)))  # the builds measured before
            await connection.execute(sa.delete(table_of(GeneratedFile)))
        clock = Path(folder) / "clock"
        clock.write_text(f"{(monday - now).total_seconds()}\n", encoding="utf-8")
        os.environ[TEST_CLOCK_ENV] = str(clock)
        started = time.perf_counter()
        sent = await send_due_digests(database.uow, utcnow(), lambda label, locale: renderer.label(
            label, locale, markup=False))
        seconds = time.perf_counter() - started
        again = await send_due_digests(database.uow, utcnow() + timedelta(minutes=5), lambda label, locale: "")
        async with database.uow() as uow:
            rows = (await uow.session.execute(sa.select(sa.func.count()).select_from(Outbox)
                                              .where(Outbox.key.like("dg:%")))).scalar_one()  # type: ignore[attr-defined]
            files = (await uow.session.execute(sa.select(sa.func.count()).select_from(GeneratedFile))).scalar_one()
        pairs = len({(ITU_REGIONS[n // 6 % 6], LANGUAGES[n % 6]) for n in range(people)}) + 1  # + the staff member's
        delivery = await deliver(database, renderer, rows)
        return {"subscribers": people, "enqueued": sent, "second_run": again, "seconds": round(seconds, 1),
                "rows": rows, "files_made": files, "scope_language_pairs": pairs, "delivery": delivery}
    finally:
        os.environ.pop(TEST_CLOCK_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)
        await database.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--subscribers", type=int, default=1000, help="0: measure the builds alone")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    renderer = Renderer(Catalogs())
    results: dict[str, Any] = {"benchmark": "digest"}
    with tempfile.TemporaryDirectory() as folder:
        backends = {"sqlite": lambda size: f"sqlite+aiosqlite:///{folder}/bench-{size}.db"}
        if args.postgres_url:
            backends["postgresql"] = lambda size: ""  # replaced per size by a fresh database
        for backend in backends:
            runs = []
            for size in sizes:
                where = args.postgres_url if backend == "postgresql" else backends[backend](size)
                async with own_database(where) as url:
                    assert url is not None
                    run = await measure(url, size, renderer, size == sizes[0])
                print(f"{backend} {size} pledges: {run['seconds']} s ({run['cpu_seconds']} s of CPU, load "
                      f"{run['load_average']}) {run['phases']}, "
                      f"peak RSS {run['peak_rss_mib']} MiB, {run['files']}",
                      flush=True)
                runs.append(run)
            growth = round(runs[-1]["seconds"] / runs[0]["seconds"], 2)
            cpu_growth = round(runs[-1]["cpu_seconds"] / runs[0]["cpu_seconds"], 2)
            results[backend] = {"runs": runs, "growth_ratio": growth, "cpu_growth_ratio": cpu_growth,
                                "size_ratio": sizes[-1] / sizes[0]}
            print(f"{backend} growth: {sizes[-1] / sizes[0]:g}x the rows took {growth}x the time "
                  f"({cpu_growth}x the CPU) "
                  f"({'no worse than linear' if growth <= sizes[-1] / sizes[0] else 'WORSE than linear'})", flush=True)
        if args.subscribers > 0:  # --subscribers 0: the builds alone
            smoke = await subscribers_smoke(backends["sqlite"](sizes[0]), args.subscribers, renderer)
            print(f"{smoke['subscribers']} subscribers due at once: {smoke['seconds']} s to enqueue, {smoke}",
                  flush=True)
            results["subscribers"] = smoke
    print(json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main())
