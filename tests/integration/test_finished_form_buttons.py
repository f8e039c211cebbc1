"""Regression: a form's button pressed again after the form ended ("✅ Send" tapped twice) answered with a line and
the whole command list, fourteen lines for a double tap; it is now the line alone, pointing to /help."""

from __future__ import annotations

from chat_driver import ChatDriver

from bot.i18n import Renderer
from handlers.conversation import Deps
from models.database import Database

STAFF = 9700


async def test_a_finished_forms_button_gets_one_line(database: Database, deps: Deps, renderer: Renderer) -> None:
    chat = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    answer = await chat.press(chat.person(STAFF, "Bea"), "f:pledge:c:yes")
    assert len(answer) == 1, [m.text for m in answer]
    assert answer[0].text == "Those questions are already finished. /help lists what I can do.", answer[0].text
    assert "Here is what you can do" not in answer[0].text
