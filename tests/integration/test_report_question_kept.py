"""A report edited in answer to BDT's question names that question in its staff notice; when staff then ask another,
the closed notice still names the question the edit answered, not the new one (tester t2, F2)."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver
from sqlmodel import col, select
from test_colleague_reports import AWA, KARIMS_STEPS, asked, colleagues
from test_reports import STAFF

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.messages import reply_from_json
from models.database import Database
from models.tables import Outbox

FIRST = "How many of these schools are really online?"
SECOND = "Which regions are they in?"


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def test_a_closed_notice_of_an_edit_keeps_the_question_it_answered(chat: ChatDriver, database: Database,
                                                                        renderer: Renderer) -> None:
    await colleagues(chat)
    report_id = await asked(chat, database)  # BDT's first question
    awa, staff = chat.person(AWA), chat.person(STAFF)
    await chat.collect(AWA)
    await chat.press(awa, f"rp:edit:{report_id}")
    await chat.press(awa, "f:$sum:edit:steps_taken")
    await chat.send(awa, KARIMS_STEPS)
    await chat.press(awa, "f:$sum:submit")
    notice = next(m for m in await chat.collect(STAFF) if "edited by" in m.text)
    assert FIRST in notice.text
    await chat.press(staff, f"rs:ask:{report_id}:2")  # on the edit
    await chat.send(staff, SECOND)
    async with database.uow() as uow:
        edits = [row for row in (await uow.session.execute(select(Outbox).order_by(col(Outbox.id)))).scalars()
                 if str(row.payload.get("edit_of", "")).startswith(f"report:{report_id}:v2:")]
    assert edits, "the notice of the edit was not closed"
    closed = renderer.reply(reply_from_json(edits[-1].payload["reply"]), "en").text
    assert "💬 Clarification asked by " in closed
    assert FIRST in closed and SECOND not in closed, closed
