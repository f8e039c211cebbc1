"""Webhook mode end to end (the secret header is checked), and logs that keep secrets out."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url

from bot.sandbox.harness import BotStack, free_port
from tests.conftest import POSTGRES_URL, _fresh_postgres

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]
SECRET = "s3cret-Webhook-Token_123-long-enough-0123456789"


@pytest_asyncio.fixture(loop_scope="session", scope="module", params=["sqlite", "postgresql"])
async def webhook_stack(request: pytest.FixtureRequest,
                        tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotStack]:
    """The bot in webhook mode behind the sandbox, which posts updates to it; on each backend."""
    database_url = None
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("PostgreSQL tests need P2C_TEST_POSTGRES_URL (make test and .ci/run provide it)")
        database_url = await _fresh_postgres()
    port = free_port()
    workdir: Path = tmp_path_factory.mktemp("webhook")
    # No P2C_WEBHOOK_HOST: the server listens on loopback by default
    stack = BotStack(workdir, database_url=database_url,
                     env={"P2C_WEBHOOK_URL": f"http://127.0.0.1:{port}", "P2C_WEBHOOK_SECRET": SECRET,
                          "P2C_WEBHOOK_PORT": str(port)})
    await stack.start_sandbox()
    await stack.cli("db", "upgrade")
    await stack.start_bot("--webhook", ready_call="setWebhook")
    stack.extra_env["webhook_port"] = str(port)
    yield stack
    await stack.close()


async def test_updates_arrive_by_webhook(webhook_stack: BotStack) -> None:
    people = webhook_stack.people
    await people.add_user(7001, "Hook", language_code="fr")
    sent = await people.send_text(7001, "/help")
    replies: list[dict[str, Any]] = []
    since = 0
    for _ in range(30):
        chat = await people.chat(7001, since=since, wait=1)
        since = chat["last_seq"]
        replies += [m for m in chat["messages"] if m["from_bot"]]
        if replies:
            break
    assert sent["update_id"]
    assert replies and "/language" in replies[0]["text"]
    stats = await people.stats()
    assert stats["calls"].get("getUpdates", 0) == 0


async def test_a_request_without_the_secret_is_refused(webhook_stack: BotStack) -> None:
    port = webhook_stack.extra_env["webhook_port"]
    update: dict[str, Any] = {"update_id": 99_999, "message": {
        "message_id": 1, "date": 1, "chat": {"id": 7002, "type": "private"},
        "from": {"id": 7002, "is_bot": False, "first_name": "Forger"}, "text": "/help"}}
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(f"http://127.0.0.1:{port}/telegram/webhook", json=update, headers=headers) as answer:
                assert answer.status in (401, 403)


async def test_logs_hold_neither_the_token_nor_what_people_wrote(webhook_stack: BotStack) -> None:
    people = webhook_stack.people
    await people.add_user(7003, "Quiet", language_code="en")
    phrase = "my very private phrase 8472"
    await people.send_text(7003, phrase)
    await people.chat(7003, wait=5)
    await people.wait_idle(timeout=10)
    log = (webhook_stack.workdir / "bot.log").read_text()
    assert webhook_stack.token not in log and webhook_stack.token.split(":")[1] not in log
    assert phrase not in log and SECRET not in log
    assert '"update_id"' in log and '"contact_id"' in log


async def test_an_update_the_database_could_not_take_is_answered_with_a_5xx_and_handled_when_redelivered(
        webhook_stack: BotStack) -> None:
    if not webhook_stack.database_url.startswith("sqlite"):
        pytest.skip("another process locks an SQLite file; PostgreSQL's outages: tests/integration/test_reconnect.py")
    people = webhook_stack.people
    await people.add_user(7004, "Patient", language_code="es")
    path = make_url(webhook_stack.database_url).database
    assert path
    locker = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        locker.execute("BEGIN EXCLUSIVE")  # another process holds the database
        await people.send_text(7004, "/help")
        told: list[str] = []
        for _ in range(200):
            told = [m["text"] for m in (await people.chat(7004))["messages"] if m["from_bot"]]
            if told:
                break
            await asyncio.sleep(0.1)
        assert told and "guardado" in told[0], told
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    answered: list[str] = []
    for _ in range(300):
        answered = [m["text"] for m in (await people.chat(7004))["messages"] if m["from_bot"]]
        if len(answered) >= 2:
            break
        await asyncio.sleep(0.1)
    assert len(answered) == 2 and "/language" in answered[1], "redelivered after the 5xx, then answered once"
    # tester t4: each refused post logged aiogram's and aiohttp's ERROR tracebacks (a 500), and a warning per attempt
    events: list[dict[str, Any]] = []
    for _ in range(50):  # the end of the outage is logged once the update's handling is over (after its reply)
        lines = (webhook_stack.workdir / "bot.log").read_text().splitlines()
        events = [json.loads(line) for line in lines if line.startswith("{")]
        if any(e["event"] == "the database takes updates again" for e in events):
            break
        await asyncio.sleep(0.1)
    assert [e["event"][:80] for e in events if e["level"] in ("error", "critical")] == []
    assert "POST /telegram/webhook 503" in [e["event"] for e in events if e["logger"] == "aiohttp.access"]
    refused = [e["event"] for e in events if e["logger"] == "bot.app" and e["event"].startswith("the database")]
    assert refused == ["the database cannot take updates now; they are handled again once it can",
                       "the database takes updates again"], refused


async def test_the_start_is_one_line_and_probes_leave_no_access_lines(webhook_stack: BotStack) -> None:
    """The operator saw no start line, and a ~500-character access line for every probe and update."""
    port = webhook_stack.extra_env["webhook_port"]
    async with aiohttp.ClientSession() as http:
        for path in ("/healthz", "/readyz", "/healthz", "/readyz"):
            async with http.get(f"http://127.0.0.1:{port}{path}") as answer:
                assert answer.status == 200
        async with http.post(f"http://127.0.0.1:{port}/telegram/webhook", json={"update_id": 1}) as answer:
            assert answer.status == 401  # no secret: the one kind of access line left at INFO
    await webhook_stack.people.add_user(7005, "Logged", language_code="en")
    await webhook_stack.people.send_text(7005, "/help")
    await webhook_stack.people.chat(7005, wait=5)
    await webhook_stack.people.wait_idle(timeout=10)
    lines = (webhook_stack.workdir / "bot.log").read_text().splitlines()
    events = [json.loads(line) for line in lines if line.startswith("{")]
    started = [e for e in events if e["event"] == "started"]
    assert len(started) == 1 and started[0]["mode"] == "webhook"
    # its site alone: a path may hold a secret (a review), as the refusal of a webhook names it
    assert started[0]["listening"] == f"127.0.0.1:{port}" and started[0]["webhook"] == f"http://127.0.0.1:{port}"
    url = make_url(webhook_stack.database_url)
    assert started[0]["database"].startswith(url.get_backend_name() + " ")
    assert started[0]["rehearsed_s"] > 0 and not [e for e in events if e["logger"] == "bot.rehearsal"]
    if url.password:
        assert url.password not in json.dumps(started[0])
    access = [e for e in events if e["logger"] == "aiohttp.access"]
    assert all("/healthz" not in e["event"] and "/readyz" not in e["event"] for e in access)
    assert "POST /telegram/webhook 401" in [e["event"] for e in access]
    assert all(int(e["event"].rsplit(" ", 1)[1]) >= 400 for e in access), "updates answered 200 are not lines"
