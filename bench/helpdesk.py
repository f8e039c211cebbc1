"""Benchmark of questions to BDT: `python bench/helpdesk.py [--threads N] [--staff S] [--other-rows M] [--samples K]`.

SQLite by default, or `--database-url` (an empty database). Seeds N open threads asked by N focal points, each
with its copies to S staff members in the outbox (sent, with Telegram message ids), and M other sent outbox rows
spread over the staff chats (a busy deployment's 90 days of notices). Then, in process, through
handlers.router.handle (no Telegram, no delivery): staff answer by reply-to (the copy found by chat and message
id), a person writes /ask text, staff list /questions, and the scheduler's reminder job plans a day's reminders.
Prints the latencies (ms, p50 and p95 of each), then one JSON object as the last line. Not a test: the numbers
depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.i18n import Catalogs, Renderer
from handlers.conversation import Deps
from handlers.helpdesk.reminders import remind_waiting_questions
from handlers.inputs import Incoming, Person
from handlers.router import handle
from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade
from models.tables import Contact, Entity, Outbox, QuestionMessage, QuestionThread
from models.values import EntityStatus, OutboxStatus, Role

STAFF_ID, FOCAL_ID = 810_000, 820_000
_updates = itertools.count(1)


async def seed(database: Database, threads: int, staff: int, other_rows: int) -> None:
    """Staff, focal points with their entities, threads with one message each, copies and other outbox rows."""
    now = utcnow()
    async with database.uow() as uow:
        run = uow.session.execute
        await run(sa.insert(Contact), [{"telegram_id": STAFF_ID + n, "chat_id": STAFF_ID + n, "first_name": f"S{n}",
                                        "role": Role.staff, "language": "en", "created_at": now} for n in range(staff)])
        await run(sa.insert(Entity), [{"name": f"Entity {n}", "name_key": f"entity {n}", "sector": "government",
                                       "country_iso3": "SEN", "status": EntityStatus.validated, "created_at": now}
                                      for n in range(threads)])
        entity_ids = list((await run(sa.select(Entity.id).order_by(Entity.id))).scalars())  # type: ignore[arg-type]
        await run(sa.insert(Contact), [{"telegram_id": FOCAL_ID + n, "chat_id": FOCAL_ID + n, "first_name": f"F{n}",
                                        "role": Role.focal_point, "entity_id": entity_ids[n], "language": "fr",
                                        "consent_at": now, "created_at": now} for n in range(threads)])
        ids = {t: c for t, c in await run(sa.select(Contact.telegram_id, Contact.id))}
        await run(sa.insert(QuestionThread), [{"asker_id": ids[FOCAL_ID + n], "entity_id": entity_ids[n],
                                               "language": "fr", "status": "open", "version": 1,
                                               "waiting_since": now - timedelta(days=5 + n % 20),
                                               "created_at": now - timedelta(days=5 + n % 20), "updated_at": now}
                                              for n in range(threads)])
        thread_ids = list((await run(sa.select(QuestionThread.id).order_by(QuestionThread.id))).scalars())  # type: ignore[arg-type]
        await run(sa.insert(QuestionMessage), [{"thread_id": t, "author_id": ids[FOCAL_ID + n], "from_staff": False,
                                                "text": "Comment déclarer un engagement financier ?", "files": [],
                                                "created_at": now} for n, t in enumerate(thread_ids)])
        message_ids = list((await run(sa.select(QuestionMessage.id).order_by(QuestionMessage.id))).scalars())  # type: ignore[arg-type]
        rows = [{"key": f"hd:{message_id}:{ids[STAFF_ID + s]}", "telegram_message_id": 1_000 + n, "chat": s}
                for s in range(staff) for n, message_id in enumerate(message_ids)]
        rows += [{"key": f"other:{n}", "telegram_message_id": 1_000_000 + n, "chat": n % staff}
                 for n in range(other_rows)]
        for row in rows:
            s = row.pop("chat")
            row.update(chat_id=STAFF_ID + s, contact_id=ids[STAFF_ID + s], priority=50, payload={"forgotten": True},
                       status=OutboxStatus.sent, attempts=1, not_before=now, created_at=now, sent_at=now)
        for start in range(0, len(rows), 5000):
            await run(sa.insert(Outbox), rows[start:start + 5000])
        await uow.commit()


def timed(values: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(values)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2)}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Seed, then time each operation."""
    with tempfile.TemporaryDirectory() as workdir:
        database = Database(args.database_url or f"sqlite+aiosqlite:///{workdir}/bench.db")
        await upgrade(database)
        started = time.perf_counter()
        await seed(database, args.threads, args.staff, args.other_rows)
        print(f"seeded {args.threads} threads, {args.staff} staff, {args.other_rows} other outbox rows "
              f"in {time.perf_counter() - started:.1f} s")
        renderer = Renderer(Catalogs())
        deps = Deps(translate=lambda label, locale: renderer.label(label, locale, markup=False))
        staff = [Person(STAFF_ID + s, STAFF_ID + s, f"S{s}", language_code="en") for s in range(args.staff)]

        async def run(incoming: Incoming) -> float:
            begun = time.perf_counter()
            await handle(incoming, database.uow(), deps)
            return time.perf_counter() - begun

        answers = [await run(Incoming(next(_updates), staff[n % args.staff], utcnow(), text="Voir le guide, p. 4.",
                                      reply_to=1_000 + n)) for n in range(args.samples)]
        focal = [Person(FOCAL_ID + n, FOCAL_ID + n, "F", language_code="fr") for n in range(args.samples)]
        asks = [await run(Incoming.from_text(next(_updates), focal[n], f"/ask Question numéro {n} sur les rapports",
                                             utcnow())) for n in range(args.samples)]
        lists = [await run(Incoming.from_text(next(_updates), staff[0], "/questions", utcnow()))
                 for _ in range(max(5, args.samples // 10))]
        begun = time.perf_counter()
        reminded = await remind_waiting_questions(database.uow(), utcnow().replace(hour=10))
        plan = time.perf_counter() - begun
        async with database.uow() as uow:
            answered = (await uow.session.execute(sa.select(sa.func.count()).select_from(QuestionThread).where(
                QuestionThread.status == "answered"))).scalar_one()  # type: ignore[arg-type]
        assert answered == args.samples, f"{answered} of {args.samples} replies-to reached their thread"
        await database.dispose()
    figures = {"threads": args.threads, "staff": args.staff, "other_outbox_rows": args.other_rows,
               "answer_by_reply_to": timed(answers), "ask": timed(asks), "questions_list": timed(lists),
               "reminder_plan_ms": round(plan * 1000, 1), "reminders_enqueued": reminded}
    print(f"answer by reply-to: {figures['answer_by_reply_to']}; /ask: {figures['ask']} "
          f"(each copied to {args.staff} staff); /questions: {figures['questions_list']}; "
          f"reminder plan: {figures['reminder_plan_ms']} ms ({reminded} messages)")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2000)
    parser.add_argument("--staff", type=int, default=5)
    parser.add_argument("--other-rows", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--database-url")
    print(json.dumps(asyncio.run(main(parser.parse_args()))))
