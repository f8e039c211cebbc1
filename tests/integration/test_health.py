"""Health probes and metrics (bot.metrics): what /readyz checks, what the gauges read, and the HTTP answers."""

from __future__ import annotations

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.config import ConfigError
from bot.metrics import OUTBOX_ROWS, Health, kind_of, serve_probes
from handlers.inputs import Incoming, Person
from models.clock import utcnow
from models.database import Database
from models.repositories.outbox import BULK, INTERACTIVE, NOTICE, OutboxRows
from models.values import OutboxStatus


async def answers() -> object:
    return {"id": 1}


async def refuses() -> object:
    raise aiohttp.ClientConnectionError("refused")


async def test_ready_when_database_schema_and_bot_api_answer(database: Database) -> None:
    health = Health(database, answers)
    assert await health.readiness() == {"database": "ok", "schema": "ok", "bot_api": "ok"}


async def test_not_ready_without_the_bot_api_and_asked_again_only_when_stale(database: Database) -> None:
    calls: list[int] = []

    async def counted() -> object:
        calls.append(1)
        return await answers()

    assert (await Health(database, refuses).readiness())["bot_api"] == "unreachable (ClientConnectionError)"
    health = Health(database, counted)
    await health.readiness()
    await health.readiness()
    assert calls == [1], "a Bot API that answered a minute ago is not asked again"


async def test_not_ready_on_an_empty_database(empty_database: Database) -> None:
    checks = await Health(empty_database, answers).readiness()
    assert checks["database"] == "ok"
    assert checks["schema"].startswith("at nothing, needs ")


async def test_not_ready_when_the_database_is_gone() -> None:
    gone = Database("postgresql+asyncpg://nobody:x@127.0.0.1:9/none")
    checks = await Health(gone, answers).readiness()
    await gone.dispose()
    assert checks["database"].startswith("unreachable (")
    assert checks["schema"].startswith("unknown (")


async def test_outbox_depth_counts_open_rows_by_priority_and_status(database: Database) -> None:
    async with database.uow() as uow:
        rows = OutboxRows(uow.session)
        for key, priority in (("a", BULK), ("b", BULK), ("c", INTERACTIVE)):
            await rows.enqueue(key, 1, None, {"text": "x"}, priority=priority, now=utcnow())
        await uow.commit()
    health = Health(database, answers)
    await health.refresh()
    samples = {tuple(sample.labels.values()): sample.value
               for family in text_string_to_metric_families(_exposition()) if family.name == "p2c_outbox_rows"
               for sample in family.samples}
    zero = {(str(level), str(status)): 0.0 for level in (INTERACTIVE, NOTICE, BULK)
            for status in (OutboxStatus.pending, OutboxStatus.sending)}  # none open: 0, not a missing series
    assert samples == {**zero, ("0", OutboxStatus.pending): 2.0, ("100", OutboxStatus.pending): 1.0}
    OUTBOX_ROWS.clear()


def _exposition() -> str:
    from prometheus_client import generate_latest

    from bot.metrics import REGISTRY
    return generate_latest(REGISTRY).decode()


async def test_probe_server_answers_healthz_readyz_and_metrics(sqlite_database: Database) -> None:
    runner = await serve_probes(Health(sqlite_database, refuses), "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    try:
        async with aiohttp.ClientSession(f"http://{host}:{port}") as client:
            async with client.get("/healthz") as answer:
                assert answer.status == 200
            async with client.get("/readyz") as answer:
                body = await answer.json()
                assert answer.status == 503
                assert body["checks"]["bot_api"].startswith("unreachable")
                assert body["checks"]["database"] == "ok"
            async with client.get("/metrics") as answer:
                assert answer.status == 200
                names = {family.name for family in text_string_to_metric_families(await answer.text())}
    finally:
        await runner.cleanup()
    assert {"p2c_updates", "p2c_sends", "p2c_outbox_rows", "p2c_scheduler_leader",
            "p2c_db_connections_in_use", "process_resident_memory_bytes"} <= names


def test_kinds_of_updates_name_no_content() -> None:
    person = Person(telegram_id=1, chat_id=1, first_name="A", last_name=None, username=None, language_code="en")
    now = utcnow()
    assert kind_of(Incoming(1, person, now, code="lg:fr")) == "button"
    assert kind_of(Incoming(1, person, now, command="start")) == "command"
    assert kind_of(Incoming(1, person, now, text="Bonjour")) == "text"
    assert kind_of(Incoming(1, person, now, file_id="f", file_kind="photo")) == "file"
    assert kind_of(Incoming(1, person, now, unreadable="sticker")) == "other"


async def test_a_metrics_port_that_is_taken_stops_start_up_with_one_line(sqlite_database: Database) -> None:
    first = await serve_probes(Health(sqlite_database, answers), "127.0.0.1", 0)
    port = first.addresses[0][1]
    try:
        with pytest.raises(ConfigError, match=f"P2C_METRICS_PORT {port} on 127.0.0.1: cannot listen"):
            await serve_probes(Health(sqlite_database, answers), "127.0.0.1", port)
    finally:
        await first.cleanup()
