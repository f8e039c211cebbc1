"""The database unavailable for a while: no update is lost, the person is told their message waits."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.sandbox.harness import BotStack

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def bot_texts(stack: BotStack, user_id: int) -> list[str]:
    return [m["text"] for m in (await stack.people.chat(user_id))["messages"] if m["from_bot"]]


async def until_said(stack: BotStack, user_id: int, count: int, timeout: float) -> list[str]:
    deadline = asyncio.get_running_loop().time() + timeout
    while ((texts := await bot_texts(stack, user_id)) and len(texts) < count) or not texts:
        if asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.1)
    return texts


async def test_a_message_sent_while_another_process_locks_the_database_is_answered_after(
        stack: BotStack, person_factory: Any) -> None:
    person = await person_factory("fr")
    path = make_url(stack.database_url).database
    assert path, "this test locks the SQLite file of the e2e stack"
    locker = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        locker.execute("BEGIN EXCLUSIVE")  # another process writes for a long time
        await stack.people.send_text(person.id, "/start")
        waiting = await until_said(stack, person.id, 1, timeout=20)
        assert waiting and "conservé" in waiting[0], waiting
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    answered = await until_said(stack, person.id, 2, timeout=30)
    assert len(answered) >= 2, "the message was handled once the database was free"
    assert "conservé" not in answered[-1]
