"""Malformed button codes through the router: refused like forged ones ("no longer valid"), audited, no crash."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver
from sqlmodel import select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import AuditLog
from models.values import Role

STAFF, FOCAL = 9100, 9200
HOSTILE = ["mp:open:²", "mp:wd:٣", "mp:edit:-1", "mp:open:1:2", "ent:ok:²", "ent:no: 1", "pv:ok:２", "pv:rej:",
           "bc:cancel:①", "bc:stop:+3", "lang:fr\x00", "zz:open:1", "f:x:c:\u202e", "mp:open:" + "1" * 70, ""]


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A staff member and a focal point of an entity."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    token, _, _ = await invite(CreateInvite("Ministry of ICT", Role.focal_point, country_iso3="SEN"),
                               database.uow(), utcnow())
    person = driver.person(FOCAL)
    await driver.send(person, f"/start {token}")
    await driver.press(person, "f:consent:c:yes")
    await driver.send(person, "Awa Diop")
    return driver


@pytest.mark.parametrize("who", [STAFF, FOCAL])
async def test_malformed_codes_are_refused_and_audited(chat: ChatDriver, database: Database, who: int) -> None:
    person = chat.person(who)
    async with database.uow() as uow:
        before = len((await uow.session.execute(select(AuditLog).where(AuditLog.action == "denied"))).all())
    for code in HOSTILE:
        answers = await chat.press(person, code)
        assert [a.text for a in answers] == ["That button is no longer valid."], code
    async with database.uow() as uow:
        denied = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "denied"))).scalars().all()
    assert len(denied) - before == len(HOSTILE)
    assert all(row.details.get("attempted") == "button" for row in denied[before:])
