"""/forget says what each role loses (d_settings #7), and /mydata after it is consistent (d_settings #13): someone
the bot does not know gets no announcements or digests, whatever their consent."""

from __future__ import annotations

import json
import re

import pytest
from chat_driver import ChatDriver, codes, confirm, unstamped
from sqlmodel import select

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import GeneratedFile
from models.values import Role

STAFF, PERSON = 9600, 9601


@pytest.fixture
async def chat(sqlite_database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    driver = await ChatDriver.with_staff(sqlite_database, deps, renderer, STAFF)
    driver.mailbox.clear()
    return driver


@pytest.mark.parametrize(("role", "loses", "keeps_quiet_about"), [
    (Role.staff, "stop being BDT staff", "pledges and progress reports you submitted"),
    (Role.admin, "stop being an administrator", "pledges and progress reports you submitted"),
    (Role.coordinator, "stop being a coordinator", "pledges and progress reports you submitted"),
    (Role.focal_point, "pledges and progress reports you submitted", "stop being"),
])
async def test_forget_says_what_the_role_loses(chat: ChatDriver, role: Role, loses: str,
                                               keeps_quiet_about: str) -> None:
    await grant_role(GrantRole(PERSON, role), chat.database.uow(), utcnow())
    asked = await chat.send(chat.person(PERSON, "Bea"), "/forget")
    said = " ".join(m.text for m in asked)
    assert loses in said and keeps_quiet_about not in said and "cannot be undone" in said
    assert unstamped(codes(asked[-1])) == ["me:forget:yes", "me:forget:no"]


async def test_forget_of_a_stranger_promises_nothing_about_pledges(chat: ChatDriver) -> None:
    asked = await chat.send(chat.person(PERSON, "Eve"), "/forget")
    said = " ".join(m.text for m in asked)
    assert "pledges and progress reports you submitted" not in said and "This cannot be undone." in said


async def test_after_forget_my_data_says_announcements_are_off(chat: ChatDriver) -> None:
    await grant_role(GrantRole(PERSON, Role.staff), chat.database.uow(), utcnow())
    person = chat.person(PERSON, "Bea")
    await chat.send(person, "/forget")
    await chat.press(person, confirm("me:forget:yes"))
    summary = await chat.send(person, "/mydata")
    text = re.sub(r"</?b>", "", summary[0].text)
    assert "Consent to be registered: not given" in text and "Announcements and digests: off" in text, text
    async with chat.database.uow() as uow:
        (content,) = (await uow.session.execute(select(GeneratedFile.content))).scalars().all()
    assert json.loads(content)["consents"]["announcements_and_digests"] is False
