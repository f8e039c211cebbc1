"""APScheduler 3: decides when reminders are enqueued; delivery sends them.

The periodic jobs are re-added at every start (replace_existing) to an in-memory job store: they
carry no state, since each run reloads what is due from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.logs import Spell
from bot.metrics import ENQUEUED, LEADER
from bot.outage import is_transient, through_the_database
from handlers.broadcasts.service import follow_broadcasts, start_due_broadcasts
from handlers.digests.jobs import send_due_digests
from handlers.digests.service import Translate
from handlers.helpdesk.reminders import remind_waiting_questions
from handlers.reminders import remind_stale_drafts
from handlers.report_reminders import plan_report_reminders
from models.clock import TEST_CLOCK_ENV, clock_offset, utcnow
from models.database import Database
from models.retention import Retention, purge

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
    ENQUEUED.labels("draft_reminder").inc(count)
    if count:
        log.info("draft reminders enqueued", extra={"count": count})
        wake()


async def run_report_reminders(database: Database, wake: Callable[[], None], default_zone: str = "UTC") -> None:
    """Enqueue the report reminders due (one message per person and day), then wake delivery."""
    count = await plan_report_reminders(database.uow(), utcnow(), default_zone)
    ENQUEUED.labels("report_reminder").inc(count)
    if count:
        log.info("report reminders enqueued", extra={"count": count})
        wake()


async def run_question_reminders(database: Database, wake: Callable[[], None], default_zone: str = "UTC") -> None:
    """Enqueue today's reminders of questions waiting for staff more than two working days, then wake delivery."""
    count = await remind_waiting_questions(database.uow(), utcnow(), default_zone)
    if count:
        log.info("question reminders enqueued", extra={"count": count})
        wake()


async def run_broadcasts(database: Database, wake: Callable[[], None], default_locale: str,
                         default_zone: str = "UTC") -> None:
    """Start scheduled broadcasts that are due, update the progress of running ones, then wake delivery."""
    async with database.uow() as uow:
        now = utcnow()
        started = await start_due_broadcasts(uow.session, now, default_locale, default_zone)
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
    count = await send_due_digests(database.uow, utcnow(), translate, default_locale, default_zone)
    ENQUEUED.labels("digest").inc(count)
    if count:
        wake()


RETRY_SECONDS = 30.0
"""When a job that runs every few minutes or hours found the database away (locked, restarting), it runs again after
this long, not at its next turn (a tester's reminders and digests waited 5 to 15 minutes after a 20 s lock)."""


def retried(scheduler: AsyncIOScheduler, job_id: str, job: Callable[..., Awaitable[None]],
            retry: float | None = RETRY_SECONDS) -> Callable[..., Awaitable[None]]:
    """`job`, run again after `retry` seconds (None: at its next turn) when the database was away, said as one spell
    with the first failure's traceback (bot.logs.Spell), not as APScheduler's ERROR traceback at every run. Any other
    failure is the job's defect: raised, as before. (A function, not an object with an async __call__, which
    APScheduler would run in a thread and never await.)"""
    again = f"; it runs again in {retry:.0f} s" if retry is not None else ""
    away = Spell(log, f"the scheduled job {job_id} could not use the database{again}",
                 f"the scheduled job {job_id} ran again", traceback=True)

    async def run(*args: Any) -> None:
        try:
            await job(*args)
        except Exception as error:
            if not (is_transient(error) and through_the_database(error)):  # a chart's OSError is no outage
                raise
            away.failed(error)
            if retry is not None:  # the run's next time was set as it began (APScheduler): this one comes sooner
                with contextlib.suppress(JobLookupError):  # the scheduler shut down meanwhile
                    scheduler.modify_job(job_id, next_run_time=datetime.now(UTC) + timedelta(seconds=retry))
        else:
            away.passed()

    return run


def build_scheduler(database: Database, wake: Callable[[], None], default_locale: str = "en",
                    retention: Retention | None = None, *, default_zone: str = "UTC",
                    reminder_every: float = REMINDER_INTERVAL_SECONDS, translate: Translate | None = None,
                    digest_check_seconds: int = 300) -> AsyncIOScheduler:
    """The scheduler with its periodic jobs (not started); digests only when given a `translate`."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    # APScheduler keeps real time (a moved test clock must not push the first runs months away); the jobs
    # themselves decide with utcnow().
    at_once = datetime.now(UTC)
    # every two seconds: an outage is said as one spell, and its next turn is soon enough (a review)
    scheduler.add_job(retried(scheduler, "broadcasts", run_broadcasts, retry=None), "interval", id="broadcasts",
                      name="broadcasts", seconds=BROADCAST_INTERVAL_SECONDS,
                      args=(database, wake, default_locale, default_zone),
                      replace_existing=True, coalesce=True, max_instances=1, next_run_time=at_once)

    def planning(job_id: str, job: Callable[..., Awaitable[None]], args: tuple[Any, ...],
                 first: datetime = at_once, **every: float) -> None:
        """A job that plans what is due, every so often (`every`: the interval's seconds or hours), run again soon
        when the database was away (`retried`)."""
        scheduler.add_job(retried(scheduler, job_id, job), "interval", id=job_id, name=job_id, args=args,
                          replace_existing=True, coalesce=True, max_instances=1, next_run_time=first, **every)

    planning("draft_reminders", run_draft_reminders, (database, wake, default_zone), seconds=reminder_every)
    planning("report_reminders", run_report_reminders, (database, wake, default_zone), seconds=reminder_every)
    planning("question_reminders", run_question_reminders, (database, wake, default_zone), seconds=reminder_every)
    planning("retention", run_retention, (database, retention or Retention()), at_once + timedelta(minutes=5),
             hours=RETENTION_INTERVAL_HOURS)
    if translate is not None:
        planning("digests", run_digests, (database, wake, translate, default_locale, default_zone),
                 seconds=digest_check_seconds)
    if path := os.environ.get(TEST_CLOCK_ENV):
        scheduler.add_job(ClockWatch(scheduler, path).check, "interval", seconds=CLOCK_WATCH_SECONDS, id="test_clock",
                          replace_existing=True, coalesce=True, max_instances=1)
    return scheduler


FIRST_ROUND_SECONDS = 2.0
"""How long a start on SQLite lets the first round of jobs finish before it polls for updates (`FirstRound`)."""


class FirstRound:
    """Says when the jobs that run as the scheduler starts (build_scheduler's `at_once`: the catch-up after a
    downtime) have each run once (done, failed or missed).

    On SQLite a job's transaction holds the one connection (models.sqlite_thread): the updates that arrive while the
    first round runs wait for it anyway, behind its statements one by one. So a start on SQLite lets the round finish
    (for FIRST_ROUND_SECONDS at most) before it polls for updates, and the first answers no longer share the database
    with it. On PostgreSQL updates and jobs do not wait for each other, and an instance not elected runs no job: it
    takes updates at once. Nor does a webhook wait: Telegram would find its port closed meanwhile.
    """

    def __init__(self) -> None:
        self.done = asyncio.Event()
        self.waiting: set[str] = set()
        self.started: float | None = None
        self.seconds: float | None = None
        """How long the round took, once it is over."""

    def watch(self, scheduler: AsyncIOScheduler) -> AsyncIOScheduler:
        """Follow `scheduler`'s first round, the jobs due by now (before it starts); the scheduler."""
        now = datetime.now(UTC)  # a job added without a first run time has none until the scheduler starts
        self.waiting = {job.id for job in scheduler.get_jobs()
                        if (due := getattr(job, "next_run_time", None)) is not None and due <= now}
        self.started = time.monotonic()
        scheduler.add_listener(self._ran, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        self._check()
        return scheduler

    def _ran(self, event: JobEvent) -> None:
        self.waiting.discard(event.job_id)
        self._check()

    def _check(self) -> None:
        if not self.waiting and not self.done.is_set():
            self.seconds = time.monotonic() - (self.started or time.monotonic())
            self.done.set()

    async def wait(self, stop: asyncio.Event, running: asyncio.Future[Any] | None = None,
                   seconds: float = FIRST_ROUND_SECONDS) -> bool:
        """Wait until the round is over, `stop` is set, `running` (what runs the scheduler: it ends only when it
        failed) has ended, or `seconds` have passed; whether the round is over."""
        waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(self.done.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waits if running is None else [*waits, running], timeout=seconds,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        return self.done.is_set()


CLOCK_WATCH_SECONDS = 2
PLANNING_JOBS = ("draft_reminders", "report_reminders", "question_reminders", "digests")
"""The jobs that decide from utcnow() what is due, run again at once when the test clock moves (the broadcasts' job
runs every two seconds anyway)."""


class ClockWatch:
    """Tests and the sandbox's page only (models.clock's test clock): when the clock file says another time, the
    planning jobs run now rather than at their next turn (up to 15 minutes later), so that a week advanced on the
    page shows its reminders and digests at once."""

    def __init__(self, scheduler: AsyncIOScheduler, path: str) -> None:
        self.scheduler, self.path = scheduler, path
        self.seen = clock_offset(path)

    async def check(self) -> None:
        """Compare the clock's offset with the one last seen; on a change, bring the planning jobs forward (a
        coroutine function, as APScheduler awaits only those on the event loop)."""
        offset = clock_offset(self.path)
        if offset == self.seen:
            return
        self.seen = offset
        now = datetime.now(UTC)
        for job_id in PLANNING_JOBS:
            if self.scheduler.get_job(job_id) is not None:
                self.scheduler.modify_job(job_id, next_run_time=now)


SCHEDULER_LOCK = 0x50324353  # "P2CS": the PostgreSQL advisory lock held by the one scheduling instance
ELECTION_RETRY_SECONDS = 10.0
"""How often an instance not elected asks for the lock: a killed leader's lock is free at once (its connection
closed), so another instance runs the jobs within this time."""
LOCK_CHECK_SECONDS = 5.0
"""How often the leader makes sure it still holds the lock: a PostgreSQL restart, or a killed backend, drops the
lock with the connection, and then another instance may be elected; this one stops its jobs within this time."""
HUNG_AFTER_SECONDS = 60.0
"""A leader whose lock's connection has been silent this long (no check: the process stopped, SIGSTOP or a frozen
VM, while its connection lives on) loses it: PostgreSQL (14 and later) ends the session, which frees the lock for
another instance (a tester's stopped leader kept it, and nobody ran the jobs). A resumed one finds its connection
gone at its next check and stands again."""
_HANG_UP = text("SELECT CASE WHEN current_setting('server_version_num')::int >= 140000 "
                "THEN set_config('idle_session_timeout', :ms, false) END")
"""idle_session_timeout, where PostgreSQL has it (14+): older servers keep a stopped leader's lock as before."""


async def run_when_elected(database: Database, make: Callable[[], AsyncIOScheduler], stop: asyncio.Event,
                           retry: float = ELECTION_RETRY_SECONDS, check: float = LOCK_CHECK_SECONDS,
                           hung_after: float = HUNG_AFTER_SECONDS) -> None:
    """Run a scheduler from `make` in one process only: always on SQLite; on PostgreSQL, in whichever instance
    holds the advisory lock (its connection stays open while it runs, so another takes over if it dies),
    and only while it holds it (a lost connection is a lost lock: the jobs stop, and the election starts again;
    a scheduler shut down keeps no jobs, so each term of office gets a new one)."""
    if database.is_sqlite:
        scheduler = make()
        LEADER.set(1)
        scheduler.start()
        await stop.wait()
        scheduler.shutdown(wait=False)
        LEADER.set(0)
        return
    standing = Spell(log, "could not take part in the scheduler election; trying again",
                     "this instance takes part in the scheduler election again", traceback=True)
    while not stop.is_set():
        async with contextlib.AsyncExitStack() as held:
            try:
                connection = await held.enter_async_context(database.election.connect())
                # no transaction around the lock and its checks: a leader's backend held "idle in transaction" for
                # its whole term (a tester; an alert for database admins, and idle_in_transaction_session_timeout
                # would end the term)
                connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
                elected = (await connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                                    {"key": SCHEDULER_LOCK})).scalar()
                if elected:
                    try:
                        await connection.execute(_HANG_UP, {"ms": str(int(hung_after * 1000))})
                    except (SQLAlchemyError, OSError):
                        # the lock is held: the connection must not go back to the pool with it (a review)
                        with contextlib.suppress(SQLAlchemyError, OSError):
                            await connection.invalidate()
                        raise
            except (SQLAlchemyError, OSError) as error:  # the database away, the connection dead, the pool exhausted
                standing.failed(error)  # its traceback once, then a reminder a minute (an operator: one every 10 s)
                elected = False
            else:
                standing.passed()
            if elected:
                await _term_of_office(connection, make, stop, check)
                if stop.is_set():
                    return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), retry)


async def _term_of_office(connection: AsyncConnection, make: Callable[[], AsyncIOScheduler], stop: asyncio.Event,
                          check: float) -> None:
    """Run the jobs while this instance holds the lock; give the lock back when stopped. When the lock's connection
    is lost, or anything fails, the jobs stop and the connection is dropped (a session lock must not go back to the
    pool still held): the caller holds the election again. Jobs already running finish (they only enqueue rows with
    unique keys, so an overlap with the next leader sends nothing twice)."""
    log.info("this instance runs the scheduled jobs")
    scheduler: AsyncIOScheduler | None = None
    kept = False
    try:
        scheduler = make()
        scheduler.start()
        LEADER.set(1)
        kept = await _lead(connection, stop, check)
    except Exception:
        log.exception("the scheduled jobs failed to run; this instance gives up the lock and stands again")
    finally:
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        LEADER.set(0)
    if kept:
        with contextlib.suppress(SQLAlchemyError, OSError):  # a connection lost meanwhile took the lock along
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEDULER_LOCK})
        # not back to the pool: its session ends itself after HUNG_AFTER_SECONDS idle (idle_session_timeout), and
        # the next unit of work to take it would find it closed (a review)
        with contextlib.suppress(SQLAlchemyError, OSError):
            await connection.invalidate()
        return
    if not stop.is_set():
        log.warning("this instance lost the scheduler lock (its database connection dropped): its jobs stopped; "
                    "it takes part in the election again")
    with contextlib.suppress(SQLAlchemyError, OSError):
        await connection.invalidate()


async def _lead(connection: AsyncConnection, stop: asyncio.Event, check: float) -> bool:
    """Wait for `stop` while the lock's connection lives: True when stopped, False when the connection was lost."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), check)
            return True
        try:
            async with asyncio.timeout(check):
                await connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError, TimeoutError):
            return False
