"""The outbox's open rows on a large outbox: the order check of a pushed reply and the claims' reads, on PostgreSQL.

Sent rows are kept 90 days, so the outbox grows to millions of rows while only a few are open (pending or sending).
This seeds `--sent` sent rows over `--chats` chats (plus one busy chat with `--busy` of them), a broadcast's
`--due` rows due and a few replies being sent, then times the statements of models.repositories.outbox that read
a chat's open rows: OutboxRows.open_earlier (one per pushed reply on PostgreSQL) and one read of a claim, alone
(_DUE_LOCKED) and among other instances (_DUE_AMONG_OTHERS); each with the indexes of the schema as migrated, and
then without the partial index of open rows (ix_outbox_open, migration 0019), and the time to build it again.
Prints each plan's first line and the median times; last line: one JSON object.

    python bench/outbox_index.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bench.databases import own_database
from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade
from models.repositories import outbox as repository
from models.tables import OUTBOX_OPEN

OPEN_INDEX = "ix_outbox_open"
DAY, SECOND, LEASE = timedelta(days=1), timedelta(seconds=1), timedelta(minutes=2)


def as_driver_sql(database: Database, statement: Any, params: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """The statement as the driver's text and its arguments, to be explained and run as it is."""
    compiled = statement.compile(dialect=database.engine.dialect)
    values = compiled.construct_params(params)
    return str(compiled), tuple(values[name] for name in compiled.positiontup or ())


async def seed(database: Database, sent: int, chats: int, busy: int, due: int, now: datetime) -> int:
    """The rows; the id of a pushed reply in the busy chat (the order check looks before it)."""
    async with database.uow() as uow:
        run = uow.session.execute
        await run(sa.text("""
            INSERT INTO outbox (key, chat_id, priority, payload, status, attempts, not_before, created_at, sent_at)
            SELECT 's:' || g, CASE WHEN g <= :busy THEN 1 ELSE 2 + g % :chats END, 100, '{}', 'sent', 1,
                   :day_ago, :day_ago, :day_ago
            FROM generate_series(1, :sent) AS g"""), {"busy": busy, "chats": chats, "sent": sent, "day_ago": now - DAY})
        await run(sa.text("""
            INSERT INTO outbox (key, chat_id, priority, payload, status, attempts, not_before, created_at)
            SELECT 'b:' || g, 2 + g % :chats, 0, '{}', 'pending', 0, :before, :now
            FROM generate_series(1, :due) AS g"""), {"chats": chats, "due": due, "before": now - SECOND, "now": now})
        await run(sa.text("""
            INSERT INTO outbox (key, chat_id, priority, payload, status, attempts, not_before, created_at, taken_by)
            SELECT 'r:' || g, g, 100, '{}', 'sending', 1, :lease, :now, 'other'
            FROM generate_series(1, 5) AS g"""), {"lease": now + LEASE, "now": now})
        pushed = (await run(sa.text("""
            INSERT INTO outbox (key, chat_id, priority, payload, status, attempts, not_before, created_at, taken_by)
            VALUES ('r:pushed', 1, 100, '{}', 'sending', 1, :lease, :now, 'me')
            RETURNING id"""), {"lease": now + LEASE, "now": now})).scalar_one()
        await uow.commit()
    async with database.engine.connect() as connection:
        await connection.execute(sa.text("COMMIT"))
        await connection.execute(sa.text("VACUUM ANALYZE outbox"))
    return int(pushed)


async def measure(database: Database, statements: dict[str, tuple[Any, dict[str, Any]]], repeat: int,
                  verbose: bool) -> dict[str, dict[str, Any]]:
    """Each statement's plan (first line, and whether it reads the open rows' index) and median time in ms."""
    figures: dict[str, dict[str, Any]] = {}
    async with database.engine.connect() as connection:
        for name, (statement, params) in statements.items():
            sql, args = as_driver_sql(database, statement, params)
            plan = [row[0] for row in await connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, args)]
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                await connection.exec_driver_sql(sql, args)
                times.append((time.perf_counter() - started) * 1000)
            if verbose:
                print(name, *plan, sep="\n  ")
            figures[name] = {"ms": round(statistics.median(times), 3), "plan": plan[0],
                             "open_index": any(OPEN_INDEX in line for line in plan),
                             "buffers": next((line.strip() for line in plan if "Buffers" in line), "")}
            await connection.rollback()
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server (a database is made and dropped)")
    parser.add_argument("--sent", type=int, default=1_000_000)
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--busy", type=int, default=5_000, help="sent rows of the chat the order check looks at")
    parser.add_argument("--due", type=int, default=300, help="rows due (a broadcast under way)")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--plans", action="store_true", help="print the plans whole")
    args = parser.parse_args()
    async with own_database(args.database_url) as url:
        assert url is not None
        database = Database(url)
        try:
            await upgrade(database)
            now = utcnow()
            started = time.perf_counter()
            pushed = await seed(database, args.sent, args.chats, args.busy, args.due, now)
            print(f"seeded {args.sent + args.due + 6} rows in {time.perf_counter() - started:.1f} s")
            claim = {"now": now + timedelta(seconds=1), "limit": 250}
            statements = {"open_earlier": (repository._OPEN_EARLIER, {"chat_id": 1, "first_id": pushed}),
                          "claim_alone": (repository._DUE_LOCKED, claim),
                          "claim_among_others": (repository._DUE_AMONG_OTHERS, claim)}
            results = {}
            async with database.engine.connect() as connection:
                has_index = bool((await connection.execute(sa.text(
                    "SELECT count(*) FROM pg_indexes WHERE indexname = :name"), {"name": OPEN_INDEX})).scalar())
            results["with_open_index" if has_index else "without_open_index"] = \
                await measure(database, statements, args.repeat, args.plans)
            if has_index:
                async with database.engine.begin() as connection:
                    await connection.execute(sa.text(f"DROP INDEX {OPEN_INDEX}"))
                results["without_open_index"] = await measure(database, statements, args.repeat, args.plans)
                started = time.perf_counter()  # what the migration's CREATE INDEX takes on such an outbox
                async with database.engine.begin() as connection:
                    await connection.execute(sa.text(f"CREATE INDEX {OPEN_INDEX} ON outbox (chat_id, id) "
                                                     f"WHERE {OUTBOX_OPEN}"))
                built = time.perf_counter() - started
                print(f"{OPEN_INDEX} built again in {built:.2f} s")
            for case, figures in results.items():
                for name, figure in figures.items():
                    print(f"{case:20} {name:20} {figure['ms']:8.3f} ms  {figure['buffers']:40}  {figure['plan']}")
            print(json.dumps({"sent": args.sent, "chats": args.chats, "busy": args.busy, "due": args.due,
                              "index_built_s": round(built, 2) if has_index else None,
                              **{f"{case}.{name}_ms": figure["ms"] for case, figures in results.items()
                                 for name, figure in figures.items()}}))
        finally:
            await database.dispose()


if __name__ == "__main__":
    asyncio.run(main())
