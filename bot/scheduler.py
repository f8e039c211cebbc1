"""APScheduler 3: decides when reminders are enqueued; delivery sends them.

The periodic jobs are re-added at every start (replace_existing) to an in-memory job store: they
carry no state, since each run reloads what is due from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from handlers.broadcasts.service import follow_broadcasts, start_due_broadcasts
from handlers.digests.jobs import send_due_digests
from handlers.digests.service import Translate
from handlers.helpdesk.reminders import remind_waiting_questions
from handlers.reminders import remind_stale_drafts
from handlers.report_reminders import plan_report_reminders
from models.clock import utcnow
from models.database import Database
from models.repositories.subscriptions import Files
from models.retention import GENERATED_FILES_KEPT, Retention, purge

log = logging.getLogger(__name__)

REMINDER_INTERVAL_SECONDS = 900.0
"""How often reminders are planned. Each run decides from utcnow() alone (keys make runs idempotent), so a
moved test clock (models.clock) needs no help from APScheduler: the next run sees the moved time."""
BROADCAST_INTERVAL_SECONDS = 2
RETENTION_INTERVAL_HOURS = 6
"""Old operational rows are deleted this often, in small batches (models.retention)."""


async def run_draft_reminders(database: Database, wake: Callable[[], None], default_zone: str = "UTC") -> None:
    """Enqueue reminders of untouched drafts, then wake delivery."""
    count = await remind_stale_drafts(database.uow(), utcnow(), default_zone)
    if count:
        log.info("draft reminders enqueued", extra={"count": count})
        wake()


async def run_report_reminders(database: Database, wake: Callable[[], None], default_zone: str = "UTC") -> None:
    """Enqueue the report reminders due (one message per person and day), then wake delivery."""
    count = await plan_report_reminders(database.uow(), utcnow(), default_zone)
    if count:
        log.info("report reminders enqueued", extra={"count": count})
        wake()


async def run_question_reminders(database: Database, wake: Callable[[], None], default_zone: str = "UTC") -> None:
    """Enqueue today's reminders of questions waiting for staff more than two working days, then wake delivery."""
    count = await remind_waiting_questions(database.uow(), utcnow(), default_zone)
    if count:
        log.info("question reminders enqueued", extra={"count": count})
        wake()


async def run_broadcasts(database: Database, wake: Callable[[], None], default_locale: str) -> None:
    """Start scheduled broadcasts that are due, update the progress of running ones, then wake delivery."""
    async with database.uow() as uow:
        now = utcnow()
        started = await start_due_broadcasts(uow.session, now, default_locale)
        running = await follow_broadcasts(uow.session, now)
        await uow.commit()
    if started or running:
        wake()


async def run_retention(database: Database, retention: Retention) -> None:
    """Delete operational rows past their retention, a batch per transaction."""
    deleted = await purge(database.uow, retention, utcnow())
    if any(deleted.values()):
        log.info("old rows deleted", extra={"deleted": deleted})


async def run_digests(database: Database, wake: Callable[[], None], translate: Translate, default_locale: str,
                      default_zone: str) -> None:
    """Enqueue the digests that have fallen due (each once per person and period), then wake delivery."""
    if await send_due_digests(database.uow, utcnow(), translate, default_locale, default_zone):
        wake()




async def forget_generated_files(database: Database) -> None:
    """Delete the charts and spreadsheets made more than two weeks ago."""
    async with database.uow() as uow:
        deleted = await Files(uow.session).delete_before(utcnow() - GENERATED_FILES_KEPT)
        await uow.commit()
    if deleted:
        log.info("generated files deleted", extra={"count": deleted})


def build_scheduler(database: Database, wake: Callable[[], None], default_locale: str = "en",
                    retention: Retention | None = None, *, default_zone: str = "UTC",
                    reminder_every: float = REMINDER_INTERVAL_SECONDS, translate: Translate | None = None,
                    digest_check_seconds: int = 300) -> AsyncIOScheduler:
    """The scheduler with its periodic jobs (not started); digests only when given a `translate`."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    # APScheduler keeps real time (a moved test clock must not push the first runs months away); the jobs
    # themselves decide with utcnow().
    at_once = datetime.now(UTC)
    scheduler.add_job(run_broadcasts, "interval", seconds=BROADCAST_INTERVAL_SECONDS, id="broadcasts",
                      args=(database, wake, default_locale), replace_existing=True, coalesce=True, max_instances=1,
                      next_run_time=at_once)
    scheduler.add_job(run_draft_reminders, "interval", seconds=reminder_every, id="draft_reminders",
                      args=(database, wake, default_zone), replace_existing=True, coalesce=True, max_instances=1,
                      next_run_time=at_once)
    scheduler.add_job(run_report_reminders, "interval", seconds=reminder_every, id="report_reminders",
                      args=(database, wake, default_zone), replace_existing=True, coalesce=True, max_instances=1,
                      next_run_time=at_once)
    scheduler.add_job(run_question_reminders, "interval", seconds=reminder_every, id="question_reminders",
                      args=(database, wake, default_zone), replace_existing=True, coalesce=True, max_instances=1,
                      next_run_time=at_once)
    scheduler.add_job(run_retention, "interval", hours=RETENTION_INTERVAL_HOURS, id="retention",
                      args=(database, retention or Retention()), replace_existing=True, coalesce=True,
                      max_instances=1, next_run_time=at_once + timedelta(minutes=5))
    if translate is not None:
        scheduler.add_job(run_digests, "interval", seconds=digest_check_seconds, id="digests",
                          args=(database, wake, translate, default_locale, default_zone), replace_existing=True,
                          coalesce=True, max_instances=1, next_run_time=at_once)
        scheduler.add_job(forget_generated_files, "interval", hours=6, id="generated_files", args=(database,),
                          replace_existing=True, coalesce=True, max_instances=1)
    return scheduler


SCHEDULER_LOCK = 0x50324353  # "P2CS": the PostgreSQL advisory lock held by the one scheduling instance
ELECTION_RETRY_SECONDS = 30.0


async def run_when_elected(database: Database, scheduler: AsyncIOScheduler, stop: asyncio.Event,
                           retry: float = ELECTION_RETRY_SECONDS) -> None:
    """Start the scheduler in one process only: always on SQLite; on PostgreSQL, in whichever instance
    holds the advisory lock (its connection stays open while it runs, so another takes over if it dies)."""
    if database.is_sqlite:
        scheduler.start()
        await stop.wait()
        scheduler.shutdown(wait=False)
        return
    while not stop.is_set():
        async with contextlib.AsyncExitStack() as held:
            try:
                connection = await held.enter_async_context(database.engine.connect())
                elected = (await connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                                    {"key": SCHEDULER_LOCK})).scalar()
            except (DBAPIError, OSError):  # the database is away or the connection was dead: ask again later
                log.warning("could not take part in the scheduler election; trying again", exc_info=True)
                elected = False
            if elected:
                log.info("this instance runs the scheduled jobs")
                scheduler.start()
                try:
                    await stop.wait()
                finally:
                    scheduler.shutdown(wait=False)
                    await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEDULER_LOCK})
                return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), retry)
