"""One sandbox and one bot process for the whole end-to-end session (aiogram starts slowly)."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.sandbox.harness import BotStack

_ids = itertools.count(500_000)
STAFF = 900001
"""The staff member every end-to-end test shares."""
JOB_SECONDS = 1
"""How often a test bot's reminder job runs (P2C_REMINDER_INTERVAL_SECONDS), where a test moves its clock."""


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotStack]:
    """The sandbox server and the bot, as real processes; staff member 900001 granted beforehand.

    The staff member is in the sandbox from the start, as staff who have opened the bot are: a notice sent to a
    chat Telegram does not know marks its person unreachable, so a test that makes the first notice (a pledge
    submitted) would otherwise leave them unreachable for every test after it.
    """
    workdir: Path = tmp_path_factory.mktemp("e2e")
    stack = BotStack(workdir)
    await stack.start_sandbox()
    await stack.cli("db", "upgrade")
    await stack.cli("admin", "grant", str(STAFF), "staff")
    await stack.people.add_user(STAFF, "Bea", language_code="en")
    await stack.start_bot()
    yield stack
    await stack.close()


@pytest.fixture
def new_id() -> int:
    """A Telegram id no other test uses."""
    return next(_ids)


class Person:
    """Someone chatting with the bot through the sandbox's client API."""

    def __init__(self, stack: BotStack, user_id: int) -> None:
        self.stack = stack
        self.id = user_id
        self.seen = 0
        self.last: dict[str, object] = {}

    async def replies(self, at_least: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
        """The bot's new messages; waits until the bot is idle and at least `at_least` arrived."""
        replies: list[dict[str, Any]] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            assert await self.stack.people.wait_idle(timeout=timeout, quiet_ms=150)
            chat = await self.stack.people.chat(self.id, since=self.seen)
            self.seen = chat["last_seq"]
            replies += [m for m in chat["messages"] if m["from_bot"]]
            if len(replies) >= at_least or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.1)
        if replies:
            self.last = replies[-1]
        return replies

    async def say(self, text: str, at_least: int = 1) -> list[dict[str, Any]]:
        """Send text; the bot's answers (waiting for `at_least` of them: the bot paces messages to one chat)."""
        await self.stack.people.send_text(self.id, text)
        return await self.replies(at_least)

    async def press(self, callback_data: str, message: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Press a button of the last bot message (or of `message`)."""
        target = message or self.last
        await self.stack.people.press(self.id, int(target["message_id"]), callback_data)  # type: ignore[call-overload]
        return await self.replies()


@pytest_asyncio.fixture(loop_scope="session")
async def person_factory(stack: BotStack) -> Any:
    """Make people in the sandbox: `await person_factory("fr")`."""

    async def make(language: str = "en", first_name: str = "Test", user_id: int | None = None) -> Person:
        uid = user_id or next(_ids)
        await stack.people.add_user(uid, first_name, language_code=language)
        person = Person(stack, uid)
        # someone already there (the shared staff member) reads on from now, not what earlier tests sent them
        person.seen = (await stack.people.chat(uid))["last_seq"]
        return person

    return make


def buttons(message: dict[str, Any]) -> list[str]:
    """The callback data of a message's inline buttons."""
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row if "callback_data" in b]


async def moved_now(stack: BotStack) -> datetime:
    """The bot's time, as its test clock says (its P2C_TEST_CLOCK_FILE, which the sandbox moves)."""
    return datetime.fromisoformat((await stack.people.clock())["now"])


async def advance_to(stack: BotStack, target: datetime) -> None:
    """Move the bot's clock to `target` (never back)."""
    seconds = (target - await moved_now(stack)).total_seconds()
    assert seconds > 0, "the test clock only moves ahead"
    await stack.people.advance_clock(seconds)


async def bot_messages(person: Person, *, settle: float = 2.5 * JOB_SECONDS, at_least: int = 0,
                       timeout: float = 30.0) -> list[dict[str, Any]]:
    """The bot's new messages to the person, after `settle` seconds (by default, a few runs of the reminder job),
    waiting up to `timeout` more for `at_least` of them (a loaded machine runs the jobs late)."""
    await asyncio.sleep(settle)
    return await person.replies(at_least, timeout)


def log_events(log: Path) -> list[dict[str, Any]]:
    """The JSON lines of a bot's log (`BotStack` writes bot.log so), each an event."""
    lines = log.read_text().splitlines() if log.exists() else []
    return [json.loads(line) for line in lines if line.startswith("{")]


async def answered(stack: BotStack, user_id: int, tries: int) -> bool:
    """Whether the bot writes in the person's chat within `tries` waits of a second."""
    since = 0
    for _ in range(tries):
        chat = await stack.people.chat(user_id, since=since, wait=1)
        since = chat["last_seq"]
        if any(message["from_bot"] for message in chat["messages"]):
            return True
    return False
