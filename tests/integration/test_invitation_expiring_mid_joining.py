"""A link valid when it was opened is honoured to the end of the joining it began, for a while after its expiry:
a link opened on its 13th day, answered on the 15th, lost the consent and name given with only "expired"."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from chat_driver import ChatDriver
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from models.clock import advance_test_clock, utcnow
from models.database import Database
from models.tables import Contact, Invite
from models.values import Role

PERSON = 9500
DAY = timedelta(days=1).total_seconds()


@pytest.fixture
def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver on each backend."""
    return ChatDriver(database, deps, renderer)


async def joined_on(chat: ChatDriver, clock: Path, opened: float, named: float) -> str:
    """A fortnight's link opened on day `opened`, consent given, the name typed on day `named`: the last answer."""
    token, _, _ = await invite(CreateInvite("Ministry of ICT", Role.focal_point), chat.database.uow(), utcnow())
    person = chat.person(PERSON, language_code="zh-hans")
    advance_test_clock(str(clock), opened * DAY)
    await chat.send(person, f"/start {token}")
    await chat.press(person, "f:consent:c:yes")
    advance_test_clock(str(clock), (named - opened) * DAY)
    return "\n".join(message.text for message in await chat.send(person, "王芳"))


async def role_of(database: Database) -> str | None:
    async with database.uow() as uow:
        found = await uow.session.execute(select(Contact.role).where(col(Contact.telegram_id) == PERSON))
        return found.scalar_one()


async def test_a_link_that_expires_while_joining_is_honoured(chat: ChatDriver, database: Database,
                                                             clock: Path) -> None:
    answer = await joined_on(chat, clock, 13, 15)
    assert "Ministry of ICT" in answer and "过期" not in answer, answer
    assert await role_of(database) == Role.focal_point
    async with database.uow() as uow:
        assert (await uow.session.execute(select(Invite.used_by))).scalar_one() is not None


async def test_not_for_ever(chat: ChatDriver, database: Database, clock: Path) -> None:
    answer = await joined_on(chat, clock, 13, 17)
    assert "过期" in answer, answer
    assert await role_of(database) is None


async def test_a_link_opened_after_its_expiry_is_refused(chat: ChatDriver, database: Database, clock: Path) -> None:
    token, _, _ = await invite(CreateInvite("Ministry of ICT", Role.focal_point), chat.database.uow(), utcnow())
    advance_test_clock(str(clock), 14.5 * DAY)
    answer = await chat.send(chat.person(PERSON), f"/start {token}")
    assert "expired" in answer[0].text
