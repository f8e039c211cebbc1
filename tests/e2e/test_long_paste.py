"""A pasted text over 4,096 characters, split in two by the sandbox as Telegram's apps do, is one answer."""

from __future__ import annotations

from typing import Any

import pytest
from test_pledge_journey import make_focal_point

from bot.sandbox.harness import BotStack

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]
SENTENCE = "We will connect rural schools to broadband and train their teachers in digital skills. "


async def test_a_split_paste_is_judged_whole_not_its_tail_kept(stack: BotStack, person_factory: Any) -> None:
    person = await make_focal_point(stack, person_factory, "en")
    await person.say("/pledge")
    asked = await person.say("Connect 500 rural schools")
    assert "describe" in asked[-1]["text"].lower() or "description" in asked[-1]["text"].lower()
    paste = (SENTENCE * 52).strip()  # 4,523 characters: two messages
    sent = await stack.people.send_text(person.id, paste)
    assert len(sent["parts"]) == 2
    replies = await person.replies()
    assert len(replies) == 1, [r["text"][:80] for r in replies]
    assert "Too long" in replies[0]["text"] and "4,523" in replies[0]["text"]
    fitting = (SENTENCE * 44).strip()  # 3,827 characters, one message: accepted
    assert "parts" not in await stack.people.send_text(person.id, fitting)
    assert "Too long" not in (await person.replies())[0]["text"]
