"""/pledge never loses answers and never misleads: an old "🔄 Start over" button pressed after more answers were given
wiped the draft without a word (exploratory finding a#3), and a person whose organisation BDT rejected was told it
was waiting for validation (c#1)."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import select
from test_pledges import focal_point

from bot.i18n import Renderer
from handlers import drafts
from handlers.conversation import Deps
from handlers.forms.base import FormState
from models.database import Database
from models.tables import Contact, Entity
from models.values import EntityStatus

STAFF, FOCAL = 9500, 9501
TITLE, DESCRIPTION = "Connect 500 rural schools", "We will connect 500 rural schools to broadband and train teachers."


@pytest.fixture
async def chat(sqlite_database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A staff member and the focal point of a validated organisation."""
    driver = await ChatDriver.with_staff(sqlite_database, deps, renderer, STAFF)
    await focal_point(driver, FOCAL)
    return driver


async def answers(chat: ChatDriver) -> dict[str, object]:
    async with chat.database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == FOCAL))).scalar_one()
        draft = await drafts.find_draft(uow.session, contact.id or 0, "pledge")
        return FormState.from_json(draft.state).answers if draft is not None else {}


async def test_an_old_start_over_button_asks_before_deleting_answers_given_since(chat: ChatDriver) -> None:
    person = chat.person(FOCAL)
    await chat.send(person, "/pledge")
    await chat.send(person, TITLE)
    offer = await chat.send(person, "/pledge")
    old_restart = codes(offer[-1])[1]
    await chat.press(person, "pl:resume")
    await chat.send(person, DESCRIPTION)
    for stale in (old_restart, "pl:restart"):  # the earlier offer's button, and one sent before codes had versions
        asked = await chat.press(person, stale)
        assert "from an earlier message" in asked[-1].text and "pl:resume" in codes(asked[-1])
        assert (await answers(chat))["description"] == DESCRIPTION
    restart = codes(asked[-1])[1]
    assert restart.startswith("pl:restart:") and restart != old_restart
    started = await chat.press(person, restart)  # the draft as the confirmation showed it: started over at once
    assert "Question 1" in started[-1].text and "title" not in await answers(chat)


async def test_continuing_after_an_old_start_over_keeps_every_answer(chat: ChatDriver) -> None:
    person = chat.person(FOCAL)
    await chat.send(person, "/pledge")
    await chat.send(person, TITLE)
    offer = await chat.send(person, "/pledge")
    await chat.press(person, "pl:resume")
    await chat.send(person, DESCRIPTION)
    await chat.press(person, codes(offer[-1])[1])
    resumed = await chat.press(person, "pl:resume")
    assert "Question 3" in resumed[-1].text
    assert (await answers(chat))["title"] == TITLE and (await answers(chat))["description"] == DESCRIPTION


async def test_start_over_from_the_current_offer_is_at_once(chat: ChatDriver) -> None:
    person = chat.person(FOCAL)
    await chat.send(person, "/pledge")
    await chat.send(person, TITLE)
    offer = await chat.send(person, "/pledge")
    started = await chat.press(person, codes(offer[-1])[1])
    assert "Question 1" in started[-1].text and "title" not in await answers(chat)


async def test_a_person_of_a_rejected_organisation_is_told_so_and_what_to_do(chat: ChatDriver) -> None:
    async with chat.database.uow() as uow:
        entity = (await uow.session.execute(select(Entity).where(Entity.name == "Ministry of ICT"))).scalar_one()
        entity.status = EntityStatus.rejected
        await uow.commit()
    said = await chat.send(chat.person(FOCAL), "/pledge")
    assert "did not validate your organisation “Ministry of ICT”" in said[-1].text and "/ask" in said[-1].text
    assert "waiting" not in said[-1].text
