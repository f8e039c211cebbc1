"""A sandbox started again on the bot's old database: its update ids restart at 1, and the bot still answers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.sandbox.harness import BotStack

pytestmark = pytest.mark.e2e


async def first_answer(stack: BotStack, user_id: int) -> list[str]:
    await stack.people.add_user(user_id, "Amina", language_code="fr")
    await stack.people.send_text(user_id, "/start")
    for _ in range(100):
        await stack.people.wait_idle(timeout=10, quiet_ms=150)
        messages = (await stack.people.chat(user_id))["messages"]
        answers = [m["text"] for m in messages if m["from_bot"]]
        if answers:
            return answers
        await asyncio.sleep(0.1)
    return []


async def test_the_first_messages_of_a_second_sandbox_run_are_answered(tmp_path: Path) -> None:
    for run in (1, 2):  # `make sandbox` twice in the same folder: a new sandbox, the same database file
        stack = BotStack(tmp_path)
        try:
            await stack.start_sandbox()
            await stack.cli("db", "upgrade")
            await stack.start_bot()
            assert await first_answer(stack, 4242), f"run {run}: the first /start got no answer"
        finally:
            await stack.close()
