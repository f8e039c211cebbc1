"""What staff decide from (exploratory finding c#8): the notice of a submitted pledge showed only its reference,
organisation, title, type, value, countries and description, never its target, dates, focus area, beneficiaries,
SDGs or WSIS lines; a resubmission's "Changed since" block was lost when the notice was shown again."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_pledges import PLEDGE_INPUTS, focal_point

from bot.i18n import Renderer
from handlers.conversation import Deps
from models.database import Database
from models.tables import Pledge

STAFF, FOCAL = 9400, 9401
EVERY_ANSWER = [*PLEDGE_INPUTS[:-2], ("press", "f:sdgs:c:4"), ("press", "f:sdgs:done"),
                ("press", "f:wsis_action_lines:c:C2"), ("press", "f:wsis_action_lines:done")]


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A staff member and the focal point of a validated organisation."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    await focal_point(driver, FOCAL)
    return driver


async def submit(chat: ChatDriver) -> int:
    person = chat.person(FOCAL)
    await chat.send(person, "/pledge")
    for kind, value in EVERY_ANSWER:
        answers = await chat.press(person, value) if kind == "press" else await chat.send(person, value)
        assert answers, value
    await chat.press(person, "f:$sum:submit")
    async with chat.database.uow() as uow:
        return int((await uow.session.execute(select(Pledge.id).order_by(col(Pledge.id).desc()))).scalars().first())


async def test_staff_read_every_answer_the_focal_point_confirmed(chat: ChatDriver) -> None:
    pledge_id = await submit(chat)
    notice = next(m for m in await chat.collect(STAFF) if f"pv:ok:{pledge_id}:1" in codes(m))
    for line in ("<b>Focus area</b>: Access: connecting people", "<b>Pillars</b>: Infrastructure",
                 "<b>Beneficiaries</b>: Schools",
                 "<b>Target</b>: 500", "<b>Target unit</b>: schools", "<b>Target date</b>: Dec 31, 2027",
                 "<b>Start date</b>: Jan 1, 2026", "<b>End date</b>: Jun 30, 2028", "<b>SDGs</b>: SDG 4",
                 "<b>WSIS action lines</b>: C2", "<b>Value (USD)</b>: $2,500,000", "<b>Organisation</b>: Ministry",
                 "<b>Description</b>: We will connect 500 rural schools"):
        assert line in notice.text, line


async def test_a_resubmission_notice_shown_again_keeps_what_changed(chat: ChatDriver) -> None:
    pledge_id = await submit(chat)
    staff, focal = chat.person(STAFF, "Bea"), chat.person(FOCAL)
    await chat.press(staff, f"pv:chg:{pledge_id}:1")
    await chat.send(staff, "Please give the target in teachers trained too.")
    await chat.press(focal, f"mp:edit:{pledge_id}")
    await chat.press(focal, "f:$sum:edit:target_value")
    await chat.send(focal, "650")
    await chat.press(focal, "f:$sum:submit")
    await chat.collect(STAFF)
    for shown in (await chat.press(staff, f"pn:pl:{pledge_id}"), await chat.press(staff, f"pv:ok:{pledge_id}:1")):
        changes, card = shown[-2], shown[-1]
        assert "Changes requested: Please give the target in teachers trained too." in changes.text
        assert "<b>Target</b>: 500 → 650" in changes.text.split("Changed since the request for changes:")[1]
        assert f"pv:ok:{pledge_id}:2" in codes(card) and "<b>Target</b>: 650" in card.text
    await chat.press(staff, f"pv:ok:{pledge_id}:2")
    decided = await chat.press(staff, f"pn:pl:{pledge_id}")
    assert len(decided) == 1 and "decided already" in decided[0].text
