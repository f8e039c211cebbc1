"""Staff replies that begin with a person's label (tester t2, F9): "a person without a name (id 3004) is not a focal
point of …" began in lower case, the label being a phrase written for the middle of a sentence. A paragraph that
begins with such a phrase now begins with a capital in every language that has them; what people wrote (a name) is
left as written."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from handlers.messages import Reply, Text, text
from models.clock import utcnow
from models.database import Database
from models.tables import Contact
from models.values import Role

BEA, CLAIRE, NAMELESS, LOWER = 9901, 9902, 3004, 3005


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff Bea (English) and Claire (French); a focal point of the Ministry of ICT (no. 1); a person without a name
    or a role, and a coordinator whose name begins in lower case."""
    driver = await ChatDriver.with_staff(database, deps, renderer, BEA)
    await grant_role(GrantRole(CLAIRE, Role.staff), database.uow(), utcnow())
    await driver.send(driver.person(CLAIRE, "Claire", "fr"), "/help")
    await driver.with_focal_points(("en",))
    async with database.uow() as uow:
        uow.session.add(Contact(telegram_id=NAMELESS, chat_id=NAMELESS))  # as one who was forgotten and wrote again
        uow.session.add(Contact(telegram_id=LOWER, chat_id=LOWER, full_name="bell hooks", role=Role.coordinator))
        await uow.commit()
    return driver


@pytest.mark.parametrize(("telegram_id", "name", "language", "begins"), [
    (BEA, "Bea", "en", "A person without a name (id 3004) is not a focal point of “Ministry of ICT”"),
    (CLAIRE, "Claire", "fr", "Une personne sans nom (identifiant 3004) n’est pas point focal de "),
])
async def test_reassign_to_a_nameless_person_begins_with_a_capital(chat: ChatDriver, telegram_id: int, name: str,
                                                                   language: str, begins: str) -> None:
    said = await chat.send(chat.person(telegram_id, name, language), f"/reassign 1 {NAMELESS}")
    assert said[0].text.startswith(begins), said[0].text


async def test_scope_of_a_nameless_person_begins_with_a_capital(chat: ChatDriver) -> None:
    said = await chat.send(chat.person(BEA, "Bea"), f"/scope {NAMELESS} everything")
    assert said[-1].text.startswith("A person without a name (id 3004) is not a coordinator"), said[-1].text
    staff = await chat.send(chat.person(BEA, "Bea"), f"/scope {BEA} everything")
    assert staff[-1].text.startswith("Bea (id 9901) is BDT staff"), staff[-1].text


async def test_a_name_written_in_lower_case_is_left_as_written(chat: ChatDriver) -> None:
    said = await chat.send(chat.person(BEA, "Bea"), f"/reassign 1 {LOWER}")
    assert said[0].text.startswith("bell hooks (id 3005) is not a focal point"), said[0].text


def test_only_a_paragraphs_start_is_capitalised(renderer: Renderer) -> None:
    nameless = Text("a person without a name")
    reply = Reply((text("{person} is not a coordinator: only a coordinator has a scope. /invite with the number of an "
                        "organisation and the word coordinator gives an invitation link that makes someone one.",
                        person=nameless),
                   text("Question {ref} was taken by {person}.", ref="Q-1", person=nameless)))
    first, second = renderer.reply(reply, "en").text.split("\n\n")
    assert first.startswith("A person without a name is not a coordinator"), first
    assert second == "Question Q-1 was taken by a person without a name.", second
    assert renderer.reply(Reply((reply.parts[0],)), "ru").text.startswith("Человек без имени"), "ru"
