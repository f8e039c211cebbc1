"""APScheduler 3: decides when reminders are enqueued; delivery sends them.

The periodic jobs are re-added at every start (replace_existing) to an in-memory job store: they
carry no state, since each run reloads what is due from the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from handlers.reminders import remind_stale_drafts
from models.clock import utcnow
from models.database import Database

log = logging.getLogger(__name__)

REMINDER_INTERVAL_MINUTES = 15


async def run_draft_reminders(database: Database, wake: Callable[[], None]) -> None:
    """Enqueue reminders of untouched drafts, then wake delivery."""
    count = await remind_stale_drafts(database.uow(), utcnow())
    if count:
        log.info("draft reminders enqueued", extra={"count": count})
        wake()


def build_scheduler(database: Database, wake: Callable[[], None]) -> AsyncIOScheduler:
    """The scheduler with its periodic jobs (not started)."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(run_draft_reminders, "interval", minutes=REMINDER_INTERVAL_MINUTES, id="draft_reminders",
                      args=(database, wake), replace_existing=True, coalesce=True, max_instances=1,
                      next_run_time=utcnow())
    return scheduler
