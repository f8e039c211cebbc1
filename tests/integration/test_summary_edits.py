"""Changing one answer of a pledge from its summary, on a phone, in Spanish: the question shows the current answer
and goes back to the summary unchanged, the summary's other ✏️ buttons still work, and a change of Type to
Financial asks the Value it now needs."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import Draft
from models.values import Role

STAFF = 9150
PERSON = 9151


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def answers_of(chat: ChatDriver) -> tuple[str, dict[str, object]]:
    """The step and the answers of the person's pledge draft."""
    async with chat.database.uow() as uow:
        draft = (await uow.session.execute(select(Draft).order_by(Draft.id.desc()).limit(1))).scalar_one()  # type: ignore[union-attr]
        return str(draft.state["step"]), dict(draft.state["answers"])


async def test_one_answer_changed_from_the_summary_goes_back_to_it(chat: ChatDriver) -> None:
    token, _, _ = await invite(CreateInvite("Telefónica Andina", Role.focal_point, country_iso3="PER"),
                               chat.database.uow(), utcnow())
    person = chat.person(PERSON, "Lucía", language_code="es")
    await chat.send(person, f"/start {token}")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, "Lucía Fernández")
    await chat.send(person, "/pledge")
    for given in ("Conectar 300 escuelas rurales en Cusco y Puno",
                  "Conectaremos 300 escuelas rurales de Cusco y Puno con banda ancha y formaremos a sus docentes.",
                  "f:focus_area:c:access", "f:pillars:c:infrastructure", "f:pillars:done",
                  "f:pledge_type:c:policy", "f:value_usd:skip", "Perú y Bolivia", "f:countries:done",
                  "f:beneficiary_groups:c:schools", "f:beneficiary_groups:done", "300 escuelas",
                  "finales de 2027", "1/3/2026", "30/6/2028", "f:sdgs:skip"):
        summary = await (chat.press(person, given) if given.startswith("f:") else chat.send(person, given))
    summary = await chat.press(person, "f:wsis_action_lines:skip")
    assert "f:$sum:submit" in codes(summary[-1])
    step, before = await answers_of(chat)
    assert step == "$sum"

    # the end date asked again shows the current one (not among the quick dates) and goes back unchanged
    replies = await chat.press(person, "f:$sum:edit:end_date")
    assert "30 jun 2028" in replies[-1].text and "f:end_date:back" in codes(replies[-1])
    replies = await chat.press(person, "f:end_date:back")
    assert "f:$sum:submit" in codes(replies[-1]) and await answers_of(chat) == ("$sum", before)

    # the title, the first question, has a way back too; the older summary's ✏️ buttons are not stale
    replies = await chat.press(person, "f:$sum:edit:title")
    assert "Conectar 300 escuelas rurales" in replies[-1].text and "f:title:back" in codes(replies[-1])
    replies = await chat.press(person, "f:$sum:edit:description")
    assert "formaremos a sus docentes" in replies[-1].text and "f:description:back" in codes(replies[-1])
    replies = await chat.send(person, "atrás")  # typed Back: the summary, not the title before it
    assert "f:$sum:submit" in codes(replies[-1]) and await answers_of(chat) == ("$sum", before)

    # Type changed to Financial asks the Value it now needs, which the person types, then the summary
    await chat.press(person, "f:$sum:edit:pledge_type")
    replies = await chat.press(person, "f:pledge_type:c:financial")
    assert (await answers_of(chat))[0] == "value_usd" and "f:value_usd:back" in codes(replies[-1])
    replies = await chat.send(person, "2.500.000")
    step, after = await answers_of(chat)
    assert step == "$sum" and "f:$sum:submit" in codes(replies[-1])
    assert after == {**before, "pledge_type": "financial", "value_usd": "2500000"}

    # Back while changing the Value: the summary as it was, not the Type question before it
    replies = await chat.press(person, "f:$sum:edit:value_usd")
    assert "2.500.000" in replies[-1].text
    replies = await chat.press(person, "f:value_usd:back")
    assert "f:$sum:submit" in codes(replies[-1]) and await answers_of(chat) == ("$sum", after)
