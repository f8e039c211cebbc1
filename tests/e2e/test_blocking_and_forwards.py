"""Through the sandbox (tester t2 #1 and #3): unblocking the bot, which sends Telegram's my_chat_member and no
message, makes a person reachable again and tells them where to look; the bot's own message forwarded back at a
question is not taken as the answer."""

from __future__ import annotations

from typing import Any

import pytest
from test_pledge_journey import make_focal_point

from bot.sandbox.harness import BotStack
from models.database import Database
from models.repositories.contacts import Contacts

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def blocked(stack: BotStack, telegram_id: int) -> bool:
    database = Database(stack.database_url)
    try:
        async with database.uow() as uow:
            contact = await Contacts(uow.session).by_telegram_id(telegram_id)
            assert contact is not None
            return contact.blocked
    finally:
        await database.dispose()


async def test_unblocking_without_writing_makes_the_person_reachable_and_tells_them(
        stack: BotStack, person_factory: Any) -> None:
    person = await make_focal_point(stack, person_factory, "fr")
    await person.replies(at_least=0)
    await stack.people.block(person.id)
    assert await stack.people.wait_idle(timeout=15, quiet_ms=300)
    assert await blocked(stack, person.id), "the block is seen without a failed delivery"
    await stack.people.unblock(person.id)
    back = await person.replies()
    assert len(back) == 1 and back[0]["text"].startswith("Ravi de vous revoir\xa0!") and "/mypledges" in back[0]["text"]
    assert not await blocked(stack, person.id)


async def test_the_bots_own_message_forwarded_back_is_not_an_answer(stack: BotStack, person_factory: Any) -> None:
    person = await make_focal_point(stack, person_factory, "en")
    asked = await person.say("/pledge")
    question = asked[-1]["text"]
    await stack.people.send_text(person.id, question, forward_from={"bot": True})
    again = await person.replies()
    assert again[0]["text"].startswith("That is one of my own messages, forwarded back to me")
    assert question in again[-1]["text"], "the same question again"
