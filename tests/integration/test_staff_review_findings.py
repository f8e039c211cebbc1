"""Regressions of the staff week's findings (g_staff.md #2, #6, #12): staff are told who reads their comment and in
which language, a cadence change does not call an overdue period fine, and a rejected pledge says what is left to do.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.conversation import Deps
from models.database import Database
from models.tables import Contact, Entity, Pledge, ProgressReport
from models.values import PledgeStatus, Role

pytestmark = pytest.mark.usefixtures("autumn_2026")  # reports of 2024 and 2025; 2026's is due on 30 January 2027

STAFF = 9300
AWA, LUCIA = 9301, 9302
_numbers = itertools.count(1)


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member (Bea, whose app is in English)."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def organisation(database: Database, *focal_points: tuple[int, str, str],
                       status: PledgeStatus = PledgeStatus.submitted) -> int:
    """An organisation whose focal points are (Telegram id, full name, language), with one pledge started in 2024
    and reported once a year, in `status`; returns the pledge's id."""
    number = next(_numbers)
    async with database.uow() as uow:
        entity = Entity(name=f"Ministère {number}", name_key=f"ministere {number}", sector="government")
        uow.session.add(entity)
        await uow.session.flush()
        for telegram_id, name, language in focal_points:
            uow.session.add(Contact(telegram_id=telegram_id, chat_id=telegram_id, first_name=name.split()[0],
                                    full_name=name, language=language, telegram_language=language,
                                    entity_id=entity.id, role=Role.focal_point))
        pledge = Pledge(ref=f"P2C-2026-{number:05d}", entity_id=entity.id or 0, title="Connecter les écoles",
                        description="Connecter 500 écoles rurales au haut débit.", focus_area="access",
                        pledge_type="programmatic", status=status, start_date=date(2024, 1, 1),
                        end_date=date(2029, 6, 30))
        uow.session.add(pledge)
        await uow.session.flush()
        assert pledge.id is not None
        await uow.commit()
        return pledge.id


async def test_a_rejection_prompt_names_who_reads_it_and_in_which_language(chat: ChatDriver,
                                                                          database: Database) -> None:
    """#2: staff wrote a reason in their own language to a focal point who reads another, untold which."""
    pledge_id = await organisation(database, (AWA, "Awa Diop", "fr"))
    for verdict in ("rej", "chg"):
        prompt = await chat.press(chat.person(STAFF, "Bea"), f"pv:{verdict}:{pledge_id}:1")
        shown = "\n".join(message.text for message in prompt)
        assert "Awa Diop reads French. Write your comment in that language." in shown, shown
        await chat.press(chat.person(STAFF, "Bea"), "f:comment:cancel")


async def test_focal_points_in_two_languages_are_both_named(chat: ChatDriver, database: Database) -> None:
    """#2: every focal point gets the same comment: each is named with their language."""
    pledge_id = await organisation(database, (AWA, "Awa Diop", "fr"), (LUCIA, "Lucía Mamani", "es"))
    prompt = await chat.press(chat.person(STAFF, "Bea"), f"pv:rej:{pledge_id}:1")
    shown = "\n".join(message.text for message in prompt)
    assert "Awa Diop reads French." in shown and "Lucía Mamani reads Spanish." in shown, shown
    assert "write it in a language each of them reads" in shown, shown


async def test_a_question_on_a_report_names_the_focal_points_language(chat: ChatDriver, database: Database) -> None:
    """#2: the same for a clarification asked on a report (rs:ask)."""
    pledge_id = await organisation(database, (AWA, "Awa Diop", "fr"), status=PledgeStatus.validated)
    async with database.uow() as uow:
        report = ProgressReport(pledge_id=pledge_id, period="2025", status="in_progress",
                                steps_taken="Nous avons connecté 120 écoles à Kolda.")
        uow.session.add(report)
        await uow.commit()
        report_id = report.id
    prompt = await chat.press(chat.person(STAFF, "Bea"), f"rs:ask:{report_id}")
    shown = "\n".join(message.text for message in prompt)
    assert "Awa Diop reads French. Write your comment in that language." in shown, shown


async def test_a_cadence_change_names_the_period_already_overdue(chat: ChatDriver, database: Database) -> None:
    """#6: with 2024 overdue, staff read that the earlier periods are still reported once a year "so none of them
    becomes overdue", as if they were all fine."""
    pledge_id = await organisation(database, (AWA, "Awa Diop", "fr"), status=PledgeStatus.validated)
    done = await chat.press(chat.person(STAFF, "Bea"), f"pc:q:{pledge_id}")
    said = done[-1].text
    assert "still reported once a year, so this change makes none of them overdue." in said, said
    assert "none of them becomes overdue" not in said
    assert "OVERDUE: the report for 2024 was due" in said, said
    async with database.uow() as uow:  # 2024 and 2025 reported: nothing overdue, nothing said of it
        uow.session.add_all([ProgressReport(pledge_id=pledge_id, period=period, status="in_progress",
                                            steps_taken="Nous avons connecté 120 écoles à Kolda.")
                             for period in ("2024", "2025")])
        await uow.commit()
    again = await chat.press(chat.person(STAFF, "Bea"), f"pc:h:{pledge_id}")
    assert "now reports twice a year" in again[-1].text and "OVERDUE" not in again[-1].text, again[-1].text


async def test_a_rejected_pledge_says_what_the_focal_point_can_do(chat: ChatDriver, database: Database) -> None:
    """#12: the rejection notice and the rejected pledge's card left the focal point with no next step."""
    pledge_id = await organisation(database, (AWA, "Awa Diop", "en"))
    await chat.press(chat.person(STAFF, "Bea"), f"pv:rej:{pledge_id}:1")
    await chat.send(chat.person(STAFF, "Bea"), "Out of scope for Partner2Connect: a commercial offer.")
    notice = (await chat.collect(AWA))[-1].text
    assert "Out of scope for Partner2Connect" in notice, notice
    assert "ask BDT about this decision with /ask, or register a new pledge with /pledge" in notice, notice
    card = (await chat.press(chat.person(AWA, "Awa"), f"mp:open:{pledge_id}"))[-1]
    assert "ask BDT about this decision with /ask, or register a new pledge with /pledge" in card.text, card.text
    assert codes(card) == ["mp:list"]
    async with database.uow() as uow:
        status = (await uow.session.execute(select(Pledge.status).where(col(Pledge.id) == pledge_id))).scalar_one()
    assert status == PledgeStatus.rejected
