"""Benchmark of reminder planning: `python bench/reminders.py [--sizes 10000,100000] [--backend B]`.

Seeds N validated pledges (one focal point per five pledges' organisation, zones from their countries)
with 5 N past reports (the first periods of each pledge, a few gaps) and yesterday's plan already made
(the steady state: pledge_reminder holds what each pledge was given and when it needs a look again),
then times one run of the scheduled job's planning (handlers.report_reminders.plan_report_reminders)
for a peak day: 16 January, fourteen days before every annual, second-half and fourth-quarter report
falls due; then a second run 15 minutes later (nothing new), and a cold run with no pledge_reminder
rows at all (the first plan after the upgrade that adds reminders, which looks at every pledge).
Measures the wall time of each run and the process's RSS growth during it (peak sampled every 10 ms
minus the RSS before). PostgreSQL
needs P2C_TEST_POSTGRES_URL (scripts/with-postgres.sh provides one); each size gets a fresh
database. Prints human lines, then one JSON object as the last line. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from databases import own_database  # beside this file, the first place a script is looked up from

from handlers.report_reminders import plan_report_reminders
from models.database import Database
from models.migrate import upgrade
from models.reminding import REMINDER_KINDS, next_look, reminding
from models.reporting import due_date, next_report, period_end, period_of
from models.repositories.base import table_of
from models.tables import Contact, Entity, Outbox, Pledge, PledgeReminder, ProgressReport

TODAY = datetime(2027, 1, 16, 10, 0, tzinfo=UTC)
PLEDGES_PER_ENTITY = 5
REPORTS_PER_PLEDGE = 5
COUNTRIES = ("SEN", "FRA", "CHL", "IND", "NPL", "FJI", "BRA", "RUS", "CHN", "EGY", "USA", "NZL")
CADENCES = ("annual",) * 7 + ("semi_annual",) * 2 + ("quarterly",)
CHUNK = 5000


class Row:
    """A pledge as the rules read it, while seeding."""

    def __init__(self, start: date, cadence: str) -> None:
        self.start_date, self.end_date, self.reporting_cadence, self.status = start, None, cadence, "validated"
        self.previous_cadence: str | None = None
        self.cadence_since: date | None = None


def plan_data(n: int, seed: int = 7) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Pledges, reports and reminders given, as rows: about five reports a pledge, the first periods first."""
    rng = random.Random(seed)
    pledges, reports, given = [], [], []
    today = TODAY.date()
    yesterday = today - timedelta(days=1)
    for i in range(1, n + 1):
        start = date(2019, 1, 1) + timedelta(days=rng.randrange(0, 7 * 365))
        cadence = rng.choice(CADENCES)
        pledges.append({"id": i, "entity_id": (i - 1) // PLEDGES_PER_ENTITY + 1, "start": start, "cadence": cadence})
        ended: list[str] = []
        period = period_of(start, cadence)
        while period_end(period) < today and len(ended) < 40:
            ended.append(period)
            period = period_of(period_end(period) + timedelta(days=1), cadence)
        count = min(len(ended), max(0, round(rng.gauss(REPORTS_PER_PLEDGE + 1, 2))))
        chosen = ended[:count]
        if len(chosen) > 2 and rng.random() < 0.1:
            chosen.pop(rng.randrange(len(chosen) - 1))  # a gap
        for period in chosen:
            at = datetime.combine(period_end(period) + timedelta(days=rng.randrange(1, 60)), datetime.min.time(), UTC)
            reports.append({"pledge_id": i, "period": period, "at": min(at, TODAY - timedelta(days=2))})
        row = Row(start, cadence)
        upcoming = next_report(row, chosen, yesterday)
        if upcoming is None:
            continue
        # yesterday's plan looked at every pledge: what it gave for the period whose reminders run, when to look again
        if upcoming.covered:
            given.append({"pledge_id": i, "period": upcoming.period, "kinds": "",
                          "next_on": next_look(upcoming.period, True, yesterday, [])})
            continue
        schedule = reminding(row, chosen, yesterday, upcoming)
        due = due_date(schedule.period)
        kinds = [kind for kind, offset in REMINDER_KINDS if due + offset <= yesterday]
        given.append({"pledge_id": i, "period": schedule.period, "kinds": ",".join(kinds),
                      "next_on": next_look(schedule.period, False, yesterday, kinds, schedule.following)})
    return pledges, reports, given


async def seed(database: Database, n: int) -> dict[str, int]:
    """Write the rows with Core executemany, CHUNK at a time."""
    pledges, reports, given = plan_data(n)
    now = TODAY - timedelta(days=1)
    entities = (n + PLEDGES_PER_ENTITY - 1) // PLEDGES_PER_ENTITY
    tables = {m: table_of(m) for m in (Entity, Contact, Pledge, ProgressReport, PledgeReminder)}

    async def insert(model: Any, rows: list[dict[str, Any]]) -> None:
        for k in range(0, len(rows), CHUNK):
            async with database.uow() as uow:
                await uow.session.execute(sa.insert(tables[model]), rows[k:k + CHUNK])
                await uow.commit()

    await insert(Entity, [{"id": e, "name": f"Bench org {e}", "name_key": f"bench org {e}", "sector": "government",
                           "country_iso3": COUNTRIES[e % len(COUNTRIES)], "status": "validated", "created_at": now,
                           "validated_at": now} for e in range(1, entities + 1)])
    await insert(Contact, [{"id": e, "telegram_id": 800_000_000 + e, "chat_id": 800_000_000 + e,
                            "first_name": f"Focal {e}", "language": "fr", "role": "focal_point", "entity_id": e,
                            "blocked": False, "created_at": now, "optional_reminders": True}
                           for e in range(1, entities + 1)])
    await insert(Pledge, [{"id": p["id"], "ref": f"P2C-BENCH-{p['id']:06d}", "entity_id": p["entity_id"],
                           "title": f"Bench pledge {p['id']}", "description": "A pledge of the reminder benchmark.",
                           "focus_area": "access", "pillars": ["infrastructure"], "pledge_type": "programmatic",
                           "countries": ["SEN"], "beneficiary_groups": [], "sdgs": [], "wsis_action_lines": [],
                           "itu_regions": [], "start_date": p["start"], "end_date": date(2032, 12, 31),
                           "status": "validated", "language": "fr", "reporting_cadence": p["cadence"],
                           "targets_ldc": False, "targets_lldc": False, "targets_sids": False, "version": 1,
                           "created_at": now, "updated_at": now,
                           "validated_at": datetime.combine(p["start"], datetime.min.time(), UTC)}
                          for p in pledges])
    await insert(ProgressReport, [{"pledge_id": r["pledge_id"], "period": r["period"], "status": "in_progress",
                                   "percent_complete": 50, "steps_taken": "Steps taken in the period.",
                                   "evidence": [], "created_at": r["at"]} for r in reports])
    await insert(PledgeReminder, [{**g, "updated_at": now} for g in given])  # now: yesterday at 10:00
    if not database.is_sqlite:
        async with database.engine.connect() as connection:
            await connection.execute(sa.text("ANALYZE"))
            await connection.commit()
    return {"pledges": len(pledges), "reports": len(reports), "given": len(given), "entities": entities}


class PeakRss:
    """The process's peak RSS, sampled every 10 ms in a thread while planning runs."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(0.01):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def server_or_file(backend: str, workdir: Path, n: int) -> str:
    """Where one size is measured: a new SQLite file, or the PostgreSQL server (a database of its own is made there)."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{workdir / f'reminders-{n}.db'}"
    base = os.environ.get("P2C_TEST_POSTGRES_URL")
    if not base:
        raise SystemExit("PostgreSQL needs P2C_TEST_POSTGRES_URL (run under scripts/with-postgres.sh)")
    return base


async def timed_plan(database: Database, now: datetime) -> tuple[int, float, float]:
    """One planning run: messages, seconds, and the RSS growth (MB) from just before it to its peak.

    The objects there before it (the seeding's, the imports') are kept out of the garbage collector's walks
    (gc.freeze), as the bot keeps those of its start (bot.app.warm_up): else each full collection during the plan
    walks them too, a cost that grows with whatever the benchmark itself left in memory.
    """
    gc.collect()
    gc.freeze()
    before = psutil.Process().memory_info().rss
    try:
        with PeakRss() as rss:
            started = time.perf_counter()
            messages = await plan_report_reminders(database.uow(), now, "UTC")
            seconds = time.perf_counter() - started
    finally:
        gc.unfreeze()
    return messages, seconds, (rss.peak - before) / 2**20


async def plan_runs(url: str) -> dict[str, Any]:
    """The day's plan, a second one 15 minutes later, then a cold one (in a process that did not seed)."""
    database = Database(url)
    try:
        messages, seconds, growth = await timed_plan(database, TODAY)
        again, again_seconds, _ = await timed_plan(database, TODAY + timedelta(minutes=15))
        async with database.uow() as uow:
            rows = (await uow.session.execute(sa.select(sa.func.count()).select_from(table_of(Outbox)))).scalar_one()
            await uow.session.execute(sa.delete(table_of(Outbox)))
            await uow.session.execute(sa.delete(table_of(PledgeReminder)))
            await uow.commit()
        cold, cold_seconds, cold_growth = await timed_plan(database, TODAY)
    finally:
        await database.dispose()
    return {"messages": messages, "outbox_rows": rows, "seconds": round(seconds, 3), "rss_growth_mb": round(growth, 1),
            "second_run_seconds": round(again_seconds, 3), "second_run_messages": again,
            "cold_seconds": round(cold_seconds, 3), "cold_messages": cold, "cold_rss_growth_mb": round(cold_growth, 1)}


async def measure(backend: str, n: int, workdir: Path) -> dict[str, Any]:
    """Seed one size on one backend, then time the planning runs in a fresh process (its memory is the plan's)."""
    async with own_database(server_or_file(backend, workdir, n)) as url:
        assert url is not None
        return await _measure(url, n)


async def _measure(url: str, n: int) -> dict[str, Any]:
    database = Database(url)
    try:
        await upgrade(database)
        started = time.perf_counter()
        counts = await seed(database, n)
        seeding = time.perf_counter() - started
    finally:
        await database.dispose()
    child = await asyncio.create_subprocess_exec(sys.executable, __file__, "--plan", url,
                                                 stdout=asyncio.subprocess.PIPE)
    out, _ = await child.communicate()
    if child.returncode != 0:
        raise SystemExit(f"the planning process failed ({child.returncode})")
    return {"pledges": counts["pledges"], "reports": counts["reports"], "people": counts["entities"],
            **json.loads(out.decode().strip().splitlines()[-1]), "seeding_seconds": round(seeding, 1)}


async def run(sizes: list[int], backends: list[str]) -> dict[str, Any]:
    """Every size on every backend."""
    result: dict[str, Any] = {"day": TODAY.isoformat(), "backends": {}}
    with tempfile.TemporaryDirectory(prefix="p2c-bench-reminders-") as tmp:
        for backend in backends:
            figures = {str(n): await measure(backend, n, Path(tmp)) for n in sizes}
            small, large = figures[str(sizes[0])], figures[str(sizes[-1])]
            entry: dict[str, Any] = {"sizes": figures,
                                     "time_ratio": round(large["seconds"] / small["seconds"], 2),
                                     "size_ratio": sizes[-1] / sizes[0]}
            entry["under_5_s"] = large["seconds"] < 5.0
            entry["memory_under_200_mb"] = large["rss_growth_mb"] < 200
            result["backends"][backend] = entry
    return result


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--plan", metavar="URL", help=argparse.SUPPRESS)  # the planning process of `measure`
    args = parser.parse_args()
    if args.plan:
        print(json.dumps(asyncio.run(plan_runs(args.plan))))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    result = asyncio.run(run(sizes, backends))
    for backend, entry in result["backends"].items():
        for size, f in entry["sizes"].items():
            print(f"{backend:10} {size:>7} pledges, {f['reports']} reports: planned {f['messages']} messages in "
                  f"{f['seconds']} s, RSS +{f['rss_growth_mb']} MB; a second run {f['second_run_seconds']} s "
                  f"({f['second_run_messages']} messages); seeding {f['seeding_seconds']} s")
            print(f"{'':10} {'':>7} cold (no pledge looked at before, the first plan after an upgrade): "
                  f"{f['cold_messages']} messages in {f['cold_seconds']} s, RSS +{f['cold_rss_growth_mb']} MB")
        print(f"{backend:10} time ratio {entry['time_ratio']} for a size ratio of {entry['size_ratio']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
