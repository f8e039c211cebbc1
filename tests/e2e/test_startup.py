"""Start-up with the Bot API unreachable: one log line per attempt with a growing wait, SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from conftest import answered, log_events

from bot.sandbox.harness import BotStack

pytestmark = [pytest.mark.e2e]



async def _attempts(stack: BotStack, count: int, timeout: float = 30) -> list[dict[str, Any]]:
    for _ in range(int(timeout / 0.1)):
        found = [e for e in log_events(stack.workdir / "bot.log") if "unreachable" in e["event"]]
        if len(found) >= count:
            return found
        assert stack.bot is not None and stack.bot.returncode is None, (stack.workdir / "bot.log").read_text()
        await asyncio.sleep(0.1)
    raise AssertionError(f"fewer than {count} attempts logged: {(stack.workdir / 'bot.log').read_text()}")


async def test_an_unreachable_bot_api_is_retried_with_one_line_each_and_sigterm_stops(tmp_path: Path) -> None:
    stack = BotStack(tmp_path)  # no sandbox: nothing listens on its port
    await stack.cli("db", "upgrade")
    try:
        await stack.start_bot(ready_call=None)
        attempts = await _attempts(stack, 2)
        assert attempts[0]["level"] == "warning" and "attempt 1" in attempts[0]["event"]
        assert "trying again in 1 s" in attempts[0]["event"] and "trying again in 2 s" in attempts[1]["event"]
        assert await stack.stop_bot() == 0
    finally:
        await stack.close()
    text = (tmp_path / "bot.log").read_text()
    assert "Traceback" not in text and all(line.startswith("{") for line in text.splitlines())
    assert not any("error" in e for e in log_events(tmp_path / "bot.log"))
    assert log_events(tmp_path / "bot.log")[-1]["event"] == "stopped before starting"
    assert stack.token.split(":")[1] not in text


async def test_start_up_goes_on_once_the_bot_api_answers(tmp_path: Path) -> None:
    stack = BotStack(tmp_path)
    await stack.cli("db", "upgrade")
    try:
        await stack.start_bot(ready_call=None)
        await _attempts(stack, 1)
        await stack.start_sandbox()
        for _ in range(300):
            if (await stack.people.stats())["calls"].get("getUpdates", 0):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError((tmp_path / "bot.log").read_text())
        await stack.people.add_user(7101, "Late", language_code="en")
        await stack.people.send_text(7101, "/help")
        replied = await answered(stack, 7101, 20)
        assert replied
    finally:
        await stack.close()
    started = [e for e in log_events(tmp_path / "bot.log") if e["event"] == "started"]
    assert len(started) == 1, "one line says the bot is up (it used to say nothing)"
    assert log_events(tmp_path / "bot.log")[-1]["event"] == "stopped", "a bot that served says it stopped"
    assert started[0]["mode"] == "polling" and started[0]["database"] == f"sqlite {tmp_path / 'bot.db'}"
    assert started[0]["bot"] and "instance_id" not in started[0]
    assert started[0].get("first_jobs_s") is not None, "on SQLite the jobs' first round is over before updates come"
