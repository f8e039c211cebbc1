"""Regression: a coordinator invited to an organisation was welcomed as "a coordinator of “Ministry of ICT”" while
their digests and /export covered every pledge of the coalition (no scope set), with no word of it to them nor to
the staff member who invited them. Both are now told what the digests cover, and staff how to set a scope."""

from __future__ import annotations

import re

import pytest
from chat_driver import ChatDriver
from test_colleagues import AWA, COORDINATOR, STAFF, contact, join

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.values import Role

LINK = re.compile(r"start=([A-Za-z0-9_-]+)")


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff, and Awa, focal point of a Senegalese ministry."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    token, _, _ = await invite(CreateInvite("Ministère du Numérique", Role.focal_point, country_iso3="SEN"),
                               database.uow(), utcnow())
    await join(driver, AWA, token, "Awa Diop", "fr")
    driver.mailbox.clear()
    return driver


async def test_a_coordinator_and_the_staff_who_invited_them_are_told_what_the_digests_cover(
        chat: ChatDriver, database: Database) -> None:
    entity_id = (await contact(database, AWA)).entity_id
    staff = chat.person(STAFF, "Bea")
    answer = await chat.send(staff, f"/invite {entity_id} coordinator")
    token = LINK.search(answer[0].text)
    assert token is not None
    person = chat.person(COORDINATOR, "Ivan")
    await chat.send(person, f"/start {token.group(1)}")
    await chat.press(person, "f:consent:c:yes")
    welcome = [m.text for m in await chat.send(person, "Ivan Petrov")]
    assert any("You are now a coordinator of “Ministère du Numérique”" in t and
               "Your digests and /export cover: All pledges" in t for t in welcome), welcome
    told = [m.text for m in await chat.collect(STAFF)]
    joined = next(t for t in told if "joined “Ministère du Numérique” as coordinator" in t)
    assert "Their digests and /export cover: All pledges" in joined, joined
    assert f"/scope {COORDINATOR}" in joined and f"entity {entity_id}" in joined
    await chat.send(staff, f"/scope {COORDINATOR} entity {entity_id}")  # the command as suggested is taken
    told = [m.text for m in await chat.collect(COORDINATOR)]
    assert any("BDT set the scope of your digests to: Organisation “Ministère du Numérique”" in t for t in told), told
