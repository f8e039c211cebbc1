"""Health probes and Prometheus metrics: what an operator needs to know the bot is well (docs/operations.md).

`/healthz` says the process is alive (the event loop answers). `/readyz` says this instance can do its work:
the database answers, its schema is the one this code needs (or a newer one: bot.schema), and the Bot API
answers (getMe, asked at most once a minute while it answers, at every probe while it does not); the three checks
run at once, three seconds at most. `/metrics` is Prometheus' text format,
from the official client library, in a registry of our own (tests build several apps in one process).

They are served on the webhook server in webhook mode, and on `P2C_METRICS_PORT` (a small aiohttp server) in
either mode when it is set. A proxy in front of the webhook should route only the webhook path from outside.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from bot.config import ConfigError
from bot.logs import Spell
from bot.schema import SchemaCheck
from handlers.inputs import Incoming
from models.database import Database
from models.migrate import current_revision
from models.repositories.operations import Operations
from models.repositories.outbox import BULK, INTERACTIVE, NOTICE
from models.values import OutboxStatus

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

UPDATES = Counter("p2c_updates", "Updates handled, by kind (command, button, text, file, other).", ["kind"],
                  registry=REGISTRY)
UPDATE_SECONDS = Histogram("p2c_update_seconds", "Time to handle an update, from its arrival to its reply queued.",
                           ["kind"], registry=REGISTRY,
                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
SENDS = Counter("p2c_sends", "Messages sent to the Bot API, by result: ok, 429, 5xx (a server error or the "
                "network: tried again), blocked (the person blocked the bot or the chat is gone), failed (refused, or "
                "given up).", ["result"], registry=REGISTRY)
SEND_RESULTS = {result: SENDS.labels(result) for result in ("ok", "429", "5xx", "blocked", "failed")}
"""`SENDS` by result, each looked up once (bot.delivery counts every message sent)."""
RETRY_AFTER = Counter("p2c_retry_after_seconds", "Seconds of waiting Telegram asked for in 429 answers.",
                      registry=REGISTRY)
OUTBOX_ROWS = Gauge("p2c_outbox_rows", "Open outbox rows (pending, sending) by priority (100 replies, 50 notices, "
                    "0 bulk) and status; refreshed every few seconds.", ["priority", "status"], registry=REGISTRY)
BROADCASTS_RUNNING = Gauge("p2c_broadcasts_running", "Broadcasts being sent.", registry=REGISTRY)
ENQUEUED = Counter("p2c_scheduled_enqueued", "Messages the scheduled jobs enqueued, by kind (report_reminder, "
                   "draft_reminder, digest).", ["kind"], registry=REGISTRY)
LEADER = Gauge("p2c_scheduler_leader", "1 while this instance runs the scheduled jobs.", registry=REGISTRY)
POOL_IN_USE = Gauge("p2c_db_connections_in_use", "Database connections taken from this instance's pool.",
                    registry=REGISTRY)
POLLING_CONFLICTS = Counter("p2c_polling_conflicts", "getUpdates refused with 409 Conflict: a webhook is set for the "
                            "bot's token, or another process polls with it.", registry=REGISTRY)
SCRAPE_ERRORS = Counter("p2c_metrics_refresh_errors", "Times the database figures could not be refreshed.",
                        registry=REGISTRY)

REFRESH_SECONDS = 15.0
"""How often the database figures (outbox depth, broadcasts running) are read: two cheap indexed counts."""
BOT_API_FRESH = 60.0
"""The Bot API counts as reachable for this long after it last answered; then /readyz asks it (getMe)."""
PROBE_TIMEOUT = 3.0


def kind_of(incoming: Incoming) -> str:
    """An update's kind, for metrics: a handful of values, never anything a person wrote."""
    if incoming.code is not None:
        return "button"
    if incoming.command is not None:
        return "command"
    if incoming.file_id is not None:
        return "file"
    if incoming.text is not None:
        return "text"
    return "other"


UPDATE_KINDS = ("button", "command", "file", "text", "other")
_BY_KIND = {kind: (UPDATES.labels(kind), UPDATE_SECONDS.labels(kind)) for kind in UPDATE_KINDS}
"""Each kind's counter and histogram, looked up once: `labels()` takes a lock and checks its values on every call
(about 8 µs of an update's CPU)."""


def observe_update(incoming: Incoming, seconds: float) -> None:
    """Count one handled update and its time."""
    counted, timed = _BY_KIND[kind_of(incoming)]
    counted.inc()
    timed.observe(seconds)


@dataclass
class BotApiSeen:
    """When the Bot API last answered a readiness probe of this instance."""

    at: float | None = None
    clock: Callable[[], float] = time.monotonic

    def answered(self) -> None:
        """The Bot API answered just now."""
        self.at = self.clock()

    def recently(self) -> bool:
        """It answered within BOT_API_FRESH seconds."""
        return self.at is not None and self.clock() - self.at < BOT_API_FRESH


@dataclass
class Health:
    """The answers of /healthz, /readyz and /metrics for one running instance."""

    database: Database
    probe_bot_api: Callable[[], Awaitable[object]]
    """Asks the Bot API something harmless (getMe); raises when it does not answer."""
    seen: BotApiSeen = field(default_factory=BotApiSeen)
    schema_check: SchemaCheck = field(default_factory=SchemaCheck)
    """Shared with the start-up check (bot.app.prepare), so that a newer schema is said once."""
    receiving: Callable[[], str] | None = None
    """Polling: "ok", or why no update arrives (bot.polling.Conflicts); checked as "updates"."""

    async def readiness(self) -> dict[str, str]:
        """Each check's state: "ok", or why not. Ready when all are "ok"."""
        database, schema, bot_api = await asyncio.gather(self._database(), self._schema(), self._bot_api())
        checks = {"database": database, "schema": schema, "bot_api": bot_api}
        if self.receiving is not None:
            checks["updates"] = self.receiving()
        return checks

    async def _database(self) -> str:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT), self.database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as error:  # any failure means not ready; the reason is a class name, never data
            return f"unreachable ({type(error).__name__})"
        return "ok"

    async def _schema(self) -> str:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                current = await current_revision(self.database)
        except Exception as error:
            return f"unknown ({type(error).__name__})"
        return self.schema_check.verdict(current)

    async def _bot_api(self) -> str:
        if self.seen.recently():
            return "ok"
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                await self.probe_bot_api()
        except Exception as error:
            return f"unreachable ({type(error).__name__})"
        self.seen.answered()
        return "ok"

    async def refresh(self) -> None:
        """Read the database figures into the gauges."""
        # SQLite: the connection of its thread, which the units of work use (models.sqlite_thread)
        pool = self.database.engine.pool if self.database.thread is None else self.database.thread_engine.pool
        if isinstance(pool, QueuePool):  # both backends' pools are (models.database)
            POOL_IN_USE.set(pool.checkedout())
        async with self.database.uow() as uow:
            depth = await Operations(uow.session).outbox_depth()
            running = await Operations(uow.session).broadcasts_running()
        OUTBOX_ROWS.clear()
        # every priority and status said, at 0 when none is open: an empty outbox is a figure, not a missing series
        # (a tester's dashboard and its alert on the depth had nothing to read)
        for (priority, status), count in {**{(level, str(status)): 0 for level in (INTERACTIVE, NOTICE, BULK)
                                             for status in (OutboxStatus.pending, OutboxStatus.sending)},
                                          **depth}.items():
            OUTBOX_ROWS.labels(str(priority), status).set(count)
        BROADCASTS_RUNNING.set(running)

    async def refresh_continuously(self, stop: asyncio.Event, every: float = REFRESH_SECONDS) -> None:
        """Refresh the gauges until `stop`; a database away is counted and tried again next time."""
        refreshing = Spell(log, "could not refresh the database metrics", "the database metrics are refreshed again",
                           traceback=True)
        while not stop.is_set():
            try:
                await self.refresh()
            except Exception as error:
                SCRAPE_ERRORS.inc()
                refreshing.failed(error)  # its traceback once, when it begins: not at every refresh of an outage
            else:
                refreshing.passed()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)

    def routes(self) -> list[web.RouteDef]:
        """GET /healthz, /readyz and /metrics."""
        return [web.get("/healthz", self._healthz), web.get("/readyz", self._readyz),
                web.get("/metrics", self._metrics)]

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _readyz(self, _request: web.Request) -> web.Response:
        checks = await self.readiness()
        ready = all(state == "ok" for state in checks.values())
        return web.json_response({"status": "ok" if ready else "unavailable", "checks": checks},
                                 status=200 if ready else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})


PROBES = frozenset({"/healthz", "/readyz", "/metrics"})


class QuietAccessLog(AbstractAccessLogger):
    """The webhook server's access log, short: never a probe or a scrape (an orchestrator asks every few seconds),
    an update answered 2xx only at DEBUG (the bot logs each update it handles), anything else one INFO line."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """One short line, or none."""
        if request.path in PROBES:
            return
        self.logger.log(logging.DEBUG if response.status < 400 else logging.INFO, "%s %s %d", request.method,
                        request.path, response.status, extra={"ms": round(time * 1000)})


async def serve_probes(health: Health, host: str, port: int) -> web.AppRunner:
    """A small HTTP server for the probes and metrics alone (P2C_METRICS_PORT); the caller cleans it up. A port
    that cannot be listened on (taken, say) is a ConfigError: one line naming the setting."""
    app = web.Application()
    app.add_routes(health.routes())
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:
        await runner.cleanup()
        raise ConfigError(f"P2C_METRICS_PORT {port} on {host}: cannot listen ({error.strerror or error}).") from None
    return runner
