"""Regression of the review of form headings (s24 review #12): the staff prompt's note on who reads the comment in
which language was stored as the form's heading, so it came back with every question and was squeezed into the
"⏸ Waiting until you finish or cancel this one" line of another form."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from chat_driver import ChatDriver

from bot.i18n import Renderer
from handlers.conversation import Deps
from models.database import Database
from models.tables import Contact, Entity, Pledge, ProgressReport
from models.values import PledgeStatus, Role

STAFF, AWA = 9600, 9601
READERS = "Awa Diop reads French. Write your comment in that language."
_numbers = itertools.count(1)


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member (Bea, whose app is in English)."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def organisation(database: Database) -> tuple[int, int]:
    """Awa (French), focal point of an organisation with a validated pledge and its report for 2025, and a pledge
    waiting for review; returns the report's and the waiting pledge's ids."""
    number = next(_numbers)
    async with database.uow() as uow:
        entity = Entity(name=f"Ministère {number}", name_key=f"ministere {number}", sector="government")
        uow.session.add(entity)
        await uow.session.flush()
        uow.session.add(Contact(telegram_id=AWA, chat_id=AWA, first_name="Awa", full_name="Awa Diop", language="fr",
                                telegram_language="fr", entity_id=entity.id, role=Role.focal_point))
        pledges = [Pledge(ref=f"P2C-2026-{number:03d}{n}", entity_id=entity.id or 0, title="Connecter les écoles",
                          description="Connecter 500 écoles rurales au haut débit.", focus_area="access",
                          pledge_type="programmatic", status=status, start_date=date(2024, 1, 1),
                          end_date=date(2029, 6, 30))
                   for n, status in enumerate((PledgeStatus.validated, PledgeStatus.submitted))]
        uow.session.add_all(pledges)
        await uow.session.flush()
        report = ProgressReport(pledge_id=pledges[0].id or 0, period="2025", status="in_progress",
                                steps_taken="Nous avons connecté 120 écoles à Kolda.")
        uow.session.add(report)
        await uow.commit()
        assert report.id is not None and pledges[1].id is not None
        return report.id, pledges[1].id


async def test_the_readers_note_is_said_once_and_the_question_comes_back(chat: ChatDriver,
                                                                         database: Database) -> None:
    """#12: the note on Awa's language is said when the comment is asked for; the question comes back without it
    after a command, and names the comment left open without it when another one is opened."""
    report_id, pledge_id = await organisation(database)
    bea = chat.person(STAFF, "Bea")
    opened = await chat.press(bea, f"rs:ask:{report_id}")
    assert "What should the focal point clarify" in opened[-1].text and READERS in opened[-1].text, opened[-1].text
    again = await chat.send(bea, "/help")
    shown = "\n".join(m.text for m in again)
    assert "What should the focal point clarify" in shown and "reads French" not in shown, shown
    other = await chat.press(bea, f"pv:chg:{pledge_id}:1")
    assert "Waiting until you finish or cancel this one" in other[-1].text, other[-1].text
    left = next(line for line in other[-1].text.splitlines() if "Waiting until" in line)
    assert "What should the focal point clarify" in left and "reads French" not in left, left
    assert READERS in other[-1].text, other[-1].text  # the new comment's own note, said when it opens
