"""A decision on an organisation that no focal point can hear of (exploratory finding c#7): staff read "Its focal
points have been told" or "your question is sent" when nobody was; now they read that nobody could be told, and
how to give the organisation a focal point (the invitation button, or /invite with its number)."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_reports import STAFF, Counter, first_report, member, validated_pledge

from bot.i18n import Renderer
from handlers.conversation import Deps
from models.database import Database
from models.tables import Contact, Outbox, Pledge, ProgressReport
from models.values import PledgeStatus


@pytest.fixture
async def chat(sqlite_database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(sqlite_database, deps, renderer, STAFF)


async def unreachable(chat: ChatDriver, telegram_id: int) -> int:
    """The focal point blocks the bot (as delivery records it); the id of their organisation."""
    async with chat.database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == telegram_id))).scalar_one()
        contact.blocked = True
        await uow.commit()
        assert contact.entity_id is not None
        return contact.entity_id


async def submitted_pledge(chat: ChatDriver, telegram_id: int) -> int:
    """A pledge submitted by the focal point and not yet decided."""
    await member(chat, telegram_id)
    pledge_id = await validated_pledge(chat, telegram_id)
    async with chat.database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        pledge.status = PledgeStatus.submitted
        await uow.commit()
    return pledge_id


async def messages_to(chat: ChatDriver, telegram_id: int) -> int:
    async with chat.database.uow() as uow:
        return len((await uow.session.execute(select(Outbox.id).where(col(Outbox.chat_id) == telegram_id))).all())


@pytest.mark.parametrize(("verb", "comment", "done"), [
    ("ok", None, "is validated."),
    ("chg", "Please add target figures.", "you asked for changes to"),
    ("rej", "This is not a connectivity pledge.", "is rejected."),
])
async def test_a_pledge_decision_nobody_hears_of_says_so_and_offers_an_invitation(
        chat: ChatDriver, verb: str, comment: str | None, done: str) -> None:
    pledge_id = await submitted_pledge(chat, 41)
    entity_id = await unreachable(chat, 41)
    before = await messages_to(chat, 41)
    staff = chat.person(STAFF, "Bea")
    answers = await chat.press(staff, f"pv:{verb}:{pledge_id}:1")
    if comment is not None:
        answers = await chat.send(staff, comment)
    said = answers[-1]
    assert done in said.text and "have been told" not in said.text
    assert "Nobody could be told: “Ministry of ICT” has no focal point the bot can reach." in said.text
    assert f"/invite {entity_id}" in said.text and f"lv:inv:{entity_id}" in codes(said)
    assert await messages_to(chat, 41) == before
    invitation = await chat.press(staff, f"lv:inv:{entity_id}")
    assert any("/start" in m.text or "t.me/" in m.text for m in invitation)


async def test_a_reachable_focal_point_is_still_told(chat: ChatDriver) -> None:
    pledge_id = await submitted_pledge(chat, 42)
    staff = chat.person(STAFF, "Bea")
    await chat.press(staff, f"pv:chg:{pledge_id}:1")
    answers = await chat.send(staff, "Please add target figures.")
    assert "Its focal points have been told." in answers[-1].text and not codes(answers[-1])
    assert any("asks for changes" in m.text for m in await chat.collect(42))


async def test_a_question_on_a_report_nobody_can_read_is_recorded_not_sent(chat: ChatDriver) -> None:
    await member(chat, 43)
    await validated_pledge(chat, 43)
    await first_report(Counter(chat, 43))
    entity_id = await unreachable(chat, 43)
    async with chat.database.uow() as uow:
        report_id = (await uow.session.execute(select(ProgressReport.id))).scalar_one()
    staff = chat.person(STAFF, "Bea")
    await chat.press(staff, f"rs:ask:{report_id}")
    answers = await chat.send(staff, "Which regions exactly had power cuts?")
    said = answers[-1]
    assert "is recorded" in said.text and "is sent" not in said.text
    assert "Nobody could be told" in said.text and f"lv:inv:{entity_id}" in codes(said)
