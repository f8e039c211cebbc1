"""A country of a pledge removed on a phone (a tester's report, in Spanish): the pledge covered Perú and Bolivia,
✏️ Countries and "Ecuador" typed; Bolivia could not be taken out again, and stayed for good."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import Draft, Pledge
from models.values import Role

STAFF = 9300
PERSON = 9301


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def scratch_of(chat: ChatDriver) -> dict[str, object]:
    async with chat.database.uow() as uow:
        draft = (await uow.session.execute(select(Draft).order_by(Draft.id.desc()).limit(1))).scalar_one()  # type: ignore[union-attr]
        return dict(draft.state["scratch"])


async def to_summary(chat: ChatDriver, countries: str) -> None:
    """A Spanish-speaking focal point answers every question of a pledge covering `countries`."""
    token, _, _ = await invite(CreateInvite("Ministerio TIC", Role.focal_point, country_iso3="PER"),
                               chat.database.uow(), utcnow())
    person = chat.person(PERSON, language_code="es")
    steps = [("text", f"/start {token}"), ("press", "f:consent:c:yes"), ("text", "Ana Quispe"), ("text", "/pledge"),
             ("text", "Conectar 500 escuelas"),
             ("text", "Conectaremos 500 escuelas rurales a la banda ancha y formaremos a su profesorado."),
             ("press", "f:focus_area:c:access"), ("press", "f:pillars:c:infrastructure"), ("press", "f:pillars:done"),
             ("press", "f:pledge_type:c:policy"), ("press", "f:value_usd:skip"), ("text", countries),
             ("press", "f:countries:done"), ("press", "f:beneficiary_groups:c:schools"),
             ("press", "f:beneficiary_groups:done"), ("text", "500"), ("press", "f:target_unit:c:schools"),
             ("text", "31/12/2028"), ("text", "2026-01-01"), ("text", "2029-06-30"), ("press", "f:sdgs:skip"),
             ("press", "f:wsis_action_lines:skip")]
    for kind, value in steps:
        assert await (chat.press(person, value) if kind == "press" else chat.send(person, value)), value


async def test_a_country_of_the_summary_is_removed_with_its_button(chat: ChatDriver) -> None:
    await to_summary(chat, "Perú, Bolivia")
    person = chat.person(PERSON, language_code="es")
    await chat.press(person, "f:$sum:edit:countries")
    replies = await chat.send(person, "Ecuador")
    question = replies[-1]
    assert {"f:countries:x:PER", "f:countries:x:BOL", "f:countries:x:ECU"} <= set(codes(question))
    assert "✓ Bolivia" in " ".join(label for row in question.buttons for label, _ in row)

    replies = await chat.send(person, "Bolivia")  # typed again: said to be selected, its button still there
    assert (await scratch_of(chat))["picked"] == ["PER", "BOL", "ECU"]
    assert "f:countries:x:BOL" in codes(replies[-1])

    replies = await chat.press(person, "f:countries:x:BOL")
    assert chat.edited == [True], "the removal edits the question in place"
    assert (await scratch_of(chat))["picked"] == ["PER", "ECU"]
    assert "f:countries:x:BOL" not in codes(replies[-1]) and "Selección: Perú y Ecuador" in replies[-1].text

    replies = await chat.press(person, "f:countries:x:BOL")  # a double tap: answered, nothing changes
    assert replies and "Bolivia" in replies[-1].text and "f:countries:done" in codes(replies[-1])
    assert (await scratch_of(chat))["picked"] == ["PER", "ECU"]

    summary = await chat.press(person, "f:countries:done")
    assert "f:$sum:submit" in codes(summary[-1]) and "Bolivia" not in summary[-1].text
    await chat.press(person, "f:$sum:submit")
    async with chat.database.uow() as uow:
        pledge = (await uow.session.execute(select(Pledge))).scalar_one()
        assert pledge.countries == ["PER", "ECU"]


async def test_forged_removal_codes_are_answered_and_change_nothing(chat: ChatDriver) -> None:
    await to_summary(chat, "Perú, Bolivia")
    person = chat.person(PERSON, language_code="es")
    await chat.press(person, "f:$sum:edit:countries")
    await chat.send(person, "Ecuador")
    before = await scratch_of(chat)
    for forged in ("f:countries:x:ZZZ", "f:countries:x:per", "f:countries:p:7", "f:countries:p:-1"):
        replies = await chat.press(person, forged)
        assert replies and "f:countries:done" in codes(replies[-1]), forged
        assert await scratch_of(chat) == before, forged
