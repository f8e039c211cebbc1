"""A sandbox started again on the bot's old database: its update ids restart at 1, and the bot still answers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
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


async def chat_menu(stack: BotStack, chat_id: int) -> list[str]:
    async with aiohttp.ClientSession() as http, http.post(f"{stack.url}/bot{stack.token}/getMyCommands",
                                                          json={"scope": {"type": "chat", "chat_id": chat_id}}) as r:
        return [command["command"] for command in (await r.json())["result"]]


async def test_a_restart_sets_no_chat_menu_again_and_a_new_sandbox_gets_each_again(tmp_path: Path) -> None:
    """Every start set every staff member's menu, and every person's first update theirs, again (a Bot API call
    each); Telegram keeps them. A sandbox started afresh keeps none: there they are set again."""
    staff = 4344
    for run in (1, 2):
        stack = BotStack(tmp_path)
        try:
            await stack.start_sandbox()
            await stack.cli("db", "upgrade")
            if run == 1:
                await stack.cli("admin", "grant", str(staff), "staff")
            await stack.people.add_user(staff, "Bea", language_code="es")
            await stack.start_bot()
            assert "pending" in await chat_menu(stack, staff), f"run {run}: staff have their menu from the start"
            calls = (await stack.people.stats())["calls"]["setMyCommands"]
            if run == 1:
                await stack.restart_bot()
                again = (await stack.people.stats())["calls"]["setMyCommands"] - calls
                assert again == 7, "the default menus (six languages and one without), and no chat's again"
                assert "pending" in await chat_menu(stack, staff)
        finally:
            await stack.close()
