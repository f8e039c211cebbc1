"""Polling where Telegram refuses getUpdates (409 Conflict): a webhook left set is deleted at start; a second poller
on the same token is an error line and a /readyz that says so. Both used to retry for ever logging 'DeliveryError'."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from conftest import answered, log_events

from bot.sandbox.harness import BotStack, free_port

pytestmark = [pytest.mark.e2e]



async def _bot_api(stack: BotStack, method: str, **args: Any) -> Any:
    async with aiohttp.ClientSession() as session, session.post(f"{stack.url}/bot{stack.token}/{method}",
                                                                json=args) as answer:
        return (await answer.json())["result"]


async def test_a_webhook_left_set_is_deleted_at_start_and_updates_arrive(tmp_path: Path) -> None:
    stack = BotStack(tmp_path)
    await stack.start_sandbox()
    await stack.cli("db", "upgrade")
    try:
        await stack.people.add_user(7301, "Polled", language_code="en")
        await _bot_api(stack, "setWebhook", url="http://127.0.0.1:9/telegram/webhook")  # an earlier `run --webhook`
        await stack.people.send_text(7301, "/help")  # waiting at Telegram meanwhile: it must not be dropped
        await stack.start_bot()
        replied = await answered(stack, 7301, 30)
        assert replied, (tmp_path / "bot.log").read_text()
        assert (await _bot_api(stack, "getWebhookInfo"))["url"] == ""
    finally:
        await stack.close()
    told = [e for e in log_events(tmp_path / "bot.log") if "a webhook was set" in e["event"]]
    assert len(told) == 1 and told[0]["webhook_host"] == "127.0.0.1" and told[0]["level"] == "warning"
    assert stack.token.split(":")[1] not in (tmp_path / "bot.log").read_text()


async def test_two_pollers_on_one_token_say_so_in_an_error_line_and_readyz(tmp_path: Path) -> None:
    port = free_port()
    stack = BotStack(tmp_path, env={"P2C_METRICS_PORT": str(port)})
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    await stack.start_sandbox()
    await stack.cli("db", "upgrade")
    other: asyncio.subprocess.Process | None = None
    try:
        await stack.start_bot()
        env = {**stack.env(), "P2C_DATABASE_URL": f"sqlite+aiosqlite:///{other_dir / 'bot.db'}",
               "P2C_METRICS_PORT": str(free_port())}
        with (other_dir / "bot.log").open("wb") as handle:
            other = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", "--log-format",
                                                         "json", cwd=other_dir, env=env, stdout=handle, stderr=handle)
        errors: list[dict[str, Any]] = []
        for _ in range(600):
            errors = [e for e in log_events(tmp_path / "bot.log") if e["level"] == "error"]
            if errors:
                break
            await asyncio.sleep(0.1)
        assert errors, (tmp_path / "bot.log").read_text()
        assert "Conflict: terminated by other getUpdates request" in errors[0]["event"]
        assert "Stop the other process" in errors[0]["event"]
        refusals = [e for e in log_events(tmp_path / "bot.log") if e["event"].startswith("could not fetch updates")]
        assert refusals and refusals[0]["description"].startswith("Conflict: terminated by other getUpdates")
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/readyz") as answer:
            body = await answer.json()
        # the other process may have polled last for a while, but a spell of refusals keeps this one unready
        assert answer.status == 503 and "409 Conflict" in body["checks"]["updates"], body
    finally:
        if other is not None and other.returncode is None:
            other.terminate()
            await other.wait()
        await stack.close()
    assert stack.token.split(":")[1] not in (tmp_path / "bot.log").read_text()
