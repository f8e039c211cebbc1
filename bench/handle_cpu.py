"""In-process figure of the pledge journey, less sensitive to a loaded machine than the end-to-end benchmarks:
`python bench/handle_cpu.py --users N [--flow pledge|report] [--database-url URL] [--rounds R]`.

Seeds N focal points as bench/pledge_flow.py does (with `--flow report`, each with a validated pledge, as
bench/report_flow.py does), then lets them complete a pledge (or a first report) at once through
`handlers.router.handle` alone (no Telegram, no sandbox, no delivery; at most UPDATES_AT_ONCE updates in the
database at a time, as the bot does). Reports the process's CPU milliseconds per update, updates per second,
and the statements and commits per update (counted with SQLAlchemy's public event hooks). A button press names the
message it was pressed on, as a press from Telegram does. JSON last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))
from databases import is_postgres, own_database
from pledge_flow import FIRST_ID, SCRIPT, seed
from report_flow import SCRIPT as REPORT_SCRIPT
from report_flow import seed_pledges

from bot.cli import loop_factory
from bot.i18n import Catalogs, Renderer
from handlers.conversation import Deps
from handlers.inputs import Incoming, Person
from handlers.router import handle
from models.clock import utcnow
from models.database import UPDATES_AT_ONCE, Database

KIND_CHARS = 90
"""How much of a statement names it in --by-statement (its first characters, spaces folded)."""


FLOWS = {"pledge": SCRIPT, "report": REPORT_SCRIPT}
"""What each person says and presses, by --flow."""


async def person(database: Database, deps: Deps, user_id: int, first_update: int, gate: asyncio.Semaphore,
                 script: tuple[tuple[str, str], ...]) -> None:
    """One focal point's pledge (or report), every step waiting for the previous one."""
    who = Person(user_id, user_id, "Bench", None, None, "en")
    for step, (kind, value) in enumerate(script):
        update_id = first_update + step
        origin = f"m:{user_id}:{update_id}:0"
        if kind == "say":
            incoming = Incoming.from_text(update_id, who, value, utcnow(), origin)
        else:
            # a press names the message pressed, as Telegram's do (its outbox key is read); nothing is delivered
            # here, so no row was sent as that message
            incoming = Incoming(update_id, who, utcnow(), code=value, origin=origin, message_id=update_id)
        async with gate:
            await database.whole(lambda uow, now=incoming: handle(now, uow, deps))  # as the bot does (bot.app)


async def run(users: int, database_url: str | None, rounds: int, kinds: Counter[str] | None = None,
              flow: str = "pledge") -> dict[str, Any]:
    """Seed, warm up with one round, then time `rounds` rounds (fresh people each round); with `kinds`, count there
    the statements of the last round by their first words."""
    async with own_database(database_url) as url:
        return await _run(users, url, rounds, kinds, flow)


async def _run(users: int, database_url: str | None, rounds: int, kinds: Counter[str] | None,
               flow: str) -> dict[str, Any]:
    script = FLOWS[flow]
    workdir = Path(tempfile.mkdtemp(prefix="p2c-handle-"))
    url = database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    await seed(url, users * (rounds + 1))
    if flow == "report":
        await seed_pledges(url)
    database = Database(url)
    renderer = Renderer(Catalogs())
    deps = Deps(translate=lambda label, locale: renderer.label(label, locale, markup=False), hold_pastes=True)
    counts = {"statements": 0, "commits": 0}

    def on_statement(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        counts["statements"] += 1
        if kinds is not None:
            kinds[" ".join(statement.split())[:KIND_CHARS]] += 1

    def on_commit(*_: Any) -> None:
        counts["commits"] += 1

    engine = database.thread_engine if database.thread is not None else database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    gate = asyncio.Semaphore(UPDATES_AT_ONCE)
    try:
        await database.open_pool()
        figures = []
        for round_ in range(rounds + 1):
            first = FIRST_ID + round_ * users
            counts.update(statements=0, commits=0)
            if kinds is not None:
                kinds.clear()
            cpu, wall = time.process_time(), time.perf_counter()
            await asyncio.gather(*(person(database, deps, first + n, 1_000_000 * (round_ + 1) + 100 * n, gate, script)
                                   for n in range(users)))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            updates = users * len(script)
            if round_ > 0:  # the first round warms the caches up
                figures.append({"cpu_ms_per_update": 1000 * cpu / updates, "updates_per_s": updates / wall,
                                "statements_per_update": counts["statements"] / updates,
                                "commits_per_update": counts["commits"] / updates})
    finally:
        await database.dispose()
    best = min(figures, key=lambda f: f["cpu_ms_per_update"])
    return {"flow": flow, "users": users, "rounds": rounds,
            "database": "postgresql" if is_postgres(url) else "sqlite",
            **{k: round(v, 3) for k, v in best.items()},
            "cpu_ms_per_update_all": [round(f["cpu_ms_per_update"], 3) for f in figures]}


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--flow", default="pledge", choices=tuple(FLOWS))
    parser.add_argument("--database-url", default=None,
                        help="default: a fresh SQLite file; a PostgreSQL URL names the server, where the run makes "
                             "(and then drops) an empty database of its own")
    parser.add_argument("--event-loop", default="auto", choices=("auto", "uvloop", "asyncio"))
    parser.add_argument("--by-statement", action="store_true",
                        help="also print how many of each statement an update ran (the last round's, by first words)")
    args = parser.parse_args()
    kinds: Counter[str] | None = Counter() if args.by_statement else None
    with asyncio.Runner(loop_factory=loop_factory(args.event_loop)) as runner:
        result = runner.run(run(args.users, args.database_url, args.rounds, kinds, args.flow))
    for kind, count in (kinds or Counter()).most_common():
        print(f"{count / (args.users * len(FLOWS[args.flow])):6.3f} an update  {kind}")
    result["event_loop"] = args.event_loop
    print(f"handle alone: {result['cpu_ms_per_update']} ms CPU an update (best of {args.rounds}), "
          f"{result['updates_per_s']}/s, {result['statements_per_update']} statements and "
          f"{result['commits_per_update']} commits an update ({result['database']})")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
