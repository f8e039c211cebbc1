"""Regressions of f_robust.md #3: an old ▶️ Continue pressed once its pledge or report was sent, and opening one form
while another is in progress (what the person is told, and that only one question is asked at a time)."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, Rendered, codes
from sqlmodel import select
from test_pledges import fill_pledge
from test_reports import STAFF, Counter, first_report, member, validated_pledge

from bot.i18n import Renderer
from handlers import drafts
from handlers.conversation import Deps
from handlers.router import JOURNEYS
from models.database import Database
from models.tables import Contact, Draft, Pledge


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def drafts_of(database: Database, telegram_id: int) -> dict[str, Draft]:
    """The person's drafts by form id."""
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == telegram_id))).scalar_one()
        found = await uow.session.execute(select(Draft).where(Draft.contact_id == contact.id))
        return {draft.form_id: draft for draft in found.scalars()}


def said(replies: list[Rendered]) -> str:
    """Everything the bot answered to one update."""
    return "\n".join(reply.text for reply in replies)


async def test_continue_after_the_pledge_was_submitted_names_it_and_opens_no_blank_pledge(
        chat: ChatDriver, database: Database) -> None:
    """▶️ Continue pressed after the pledge was submitted began a blank pledge, saying nothing of the one sent."""
    await member(chat, 41)
    person = chat.person(41)
    await fill_pledge(chat, 41)
    async with database.uow() as uow:
        ref = (await uow.session.execute(select(Pledge.ref))).scalars().one()
    answer = await chat.press(person, "pl:resume")
    assert len(answer) == 1 and "no pledge in progress" in answer[0].text, said(answer)
    assert ref is not None and ref in answer[0].text and "/mypledges" in answer[0].text, answer[0].text
    assert "Question 1" not in said(answer) and "pledge" not in await drafts_of(database, 41)
    assert codes(answer[0]) == ["pl:restart"], "registering another is offered, not begun"
    another = await chat.press(person, "pl:restart")
    assert "Question 1" in another[-1].text and "pledge" in await drafts_of(database, 41)


async def test_continue_with_no_pledge_ever_submitted_opens_nothing(chat: ChatDriver, database: Database) -> None:
    """The same button after the pledge was cancelled, with none submitted before: nothing to name, nothing begun."""
    await member(chat, 42)
    person = chat.person(42)
    await chat.send(person, "/pledge")
    await chat.press(person, "f:title:cancel")
    await chat.press(person, "f:$cancel:yes")
    answer = await chat.press(person, "pl:resume")
    assert "no pledge in progress" in answer[-1].text and "/mypledges" in answer[-1].text, said(answer)
    assert "pledge" not in await drafts_of(database, 42)


async def test_continue_after_the_report_was_sent_names_it_and_opens_no_next_period(
        chat: ChatDriver, database: Database) -> None:
    """rp:resume pressed after the report was sent opened a report for the next period, saying nothing of it."""
    await member(chat, 43)
    await validated_pledge(chat, 43)
    sent = await first_report(Counter(chat, 43))
    assert "is sent to BDT" in sent[0].text, sent[0].text
    async with database.uow() as uow:
        ref = (await uow.session.execute(select(Pledge.ref))).scalars().one()
    answer = await chat.press(chat.person(43), "rp:resume")
    assert len(answer) == 1 and "no report in progress" in answer[0].text, said(answer)
    assert f"on {ref} for 2024" in answer[0].text and "/mypledges" in answer[0].text, answer[0].text
    assert "report" not in await drafts_of(database, 43), "no report for 2025 was opened"


async def test_opening_one_form_over_another_says_the_other_is_kept_and_asks_one_thing(
        chat: ChatDriver, database: Database) -> None:
    """/report during the pledge form said nothing of the pledge kept; /pledge during the report form asked
    "continue or start over?" and gave the report's question back, both at once."""
    await member(chat, 44)
    await validated_pledge(chat, 44)
    person = chat.person(44)
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 300 rural clinics")
    report = await chat.send(person, "/report")
    assert report[0].text == "Your pledge in progress is kept: send /pledge to go back to it.", said(report)
    assert "f:status:c:in_progress" in codes(report[-1]) and "Question 1" in report[-1].text, said(report)
    await chat.press(person, "f:status:c:in_progress")
    pledge = await chat.send(person, "/pledge")
    assert len(pledge) == 1, said(pledge)  # not "continue or start over?" and the report's question again
    assert "Waiting until you finish or cancel this one</b>: Progress report on" in pledge[0].text, pledge[0].text
    assert "Question 2" in pledge[0].text and "start over?" not in pledge[0].text, pledge[0].text
    described = await chat.send(person, "We will equip 300 rural clinics with broadband and telemedicine kits.")
    assert "f:focus_area:c:access" in codes(described[-1]), "the answer went to the pledge, now in progress"
    kept = await drafts_of(database, 44)
    assert kept["report"].state["answers"]["status"] == "in_progress", "the report's answers are kept"
    back = await chat.press(person, "rp:resume")  # an earlier Continue of the report, the pledge in progress
    assert "Your pledge in progress is kept" in back[-1].text and "How far along" in back[-1].text, said(back)


async def test_a_form_opened_over_another_keeps_its_own_heading_only(chat: ChatDriver, database: Database) -> None:
    """The line saying the pledge is kept is said once, not kept as the report's heading said with every question."""
    await member(chat, 45)
    await validated_pledge(chat, 45)
    person = chat.person(45)
    await chat.send(person, "/pledge")
    await chat.send(person, "/report")
    await chat.press(person, "f:status:c:in_progress")
    again = await chat.send(person, "/settings")  # the report's question comes back, with its heading
    assert "Progress report on" in again[-1].text and "pledge in progress" not in again[-1].text, said(again)


def test_every_kept_note_names_a_form_that_exists() -> None:
    """A renamed form would silently lose its note."""
    assert set(drafts.KEPT) <= {journey.form.id for journey in JOURNEYS.values()}
