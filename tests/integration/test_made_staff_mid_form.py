"""Someone made staff (`p2c-bot admin grant ID staff`) half-way through a form their new role does not fill in.

Before: the pledge begun stayed open until the next answer, which met only "Sorry, you are not allowed to do that."
(the answer lost, the pledge gone unsaid); the registration of an organisation stayed open under every staff
command ("Now, back to the current question: May ITU store your name…", /start "Let's continue where you left off"),
and finishing it made the new staff member a focal point. Now the grant closes those forms, the person is told in
their language, and staff commands work at once."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver
from test_form_switches import drafts_of, said
from test_reports import STAFF, member
from test_staff_role_changes import audit_rows

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.values import Role


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def test_a_focal_point_made_staff_mid_pledge_is_told_and_acts_as_staff_at_once(
        chat: ChatDriver, database: Database) -> None:
    await member(chat, 41)
    person = chat.person(41)
    await chat.send(person, "/pledge")
    await chat.send(person, "Connecting schools in the north")
    change = await grant_role(GrantRole(41, Role.staff), database.uow(), utcnow())
    told = said(await chat.collect(person.chat_id))
    assert "Your role is now: BDT staff." in told and "(New pledge) is closed" in told and "/help" in told, told
    assert await drafts_of(database, 41) == {}
    pending = said(await chat.send(person, "/pending"))
    assert "Nothing waits for a decision" in pending and "Question" not in pending, pending
    assert change.closed == ("pledge",)
    [closed] = await audit_rows(database, "draft.closed")
    assert closed.details.get("forms") == ["pledge"] and closed.details.get("role") == "staff"


async def test_someone_made_staff_mid_registration_is_not_taken_back_to_it(
        chat: ChatDriver, database: Database) -> None:
    person = chat.person(77, "Zoé", "fr")
    assert "Question 1" in said(await chat.send(person, "/start"))
    change = await grant_role(GrantRole(77, Role.staff), database.uow(), utcnow())
    told = said(await chat.collect(person.chat_id))
    assert "Votre rôle est désormais" in told and "Inscription" in told, told
    pending = said(await chat.send(person, "/pending"))
    assert "Question 1" not in pending and "Revenons" not in pending, pending
    again = said(await chat.send(person, "/start"))
    assert "/pending" in again and "Question 1" not in again, again
    assert await drafts_of(database, 77) == {} and change.closed == ("onboarding",)


async def test_a_grant_that_leaves_the_form_open_to_the_role_closes_nothing(
        chat: ChatDriver, database: Database) -> None:
    """A staff member made administrator keeps the broadcast they were writing, and is told nothing."""
    person = chat.person(STAFF)
    await chat.send(person, "/broadcast")
    change = await grant_role(GrantRole(STAFF, Role.admin), database.uow(), utcnow())
    assert change.closed == () and await chat.collect(person.chat_id) == []
    assert list(await drafts_of(database, STAFF)) == ["broadcast"]
