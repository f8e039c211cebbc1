"""A focal point whose role is revoked (`p2c-bot admin revoke`) leaves their organisation's focal points as /leave
and `admin grant` (f77f46b) make them: the pledges that reminded them first go to the colleague seen most recently,
who is told, and the command says so. It said only "has no role any more", the pledges reminding nobody. And when a
grant or a revocation leaves an organisation with no focal point, staff are told in chat as /leave tells them (the
organisation with its number, the person with their Telegram id, a button for an invitation), each in their own
language: only the operator running the command read it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_pledges import fill_pledge, focal_point
from typer.testing import CliRunner

from bot.cli import app
from bot.i18n import Renderer
from handlers.admin import GrantRole, RevokeRole, grant_role, revoke_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade
from models.tables import AuditLog, Contact, Outbox, Pledge
from models.values import Role

BEA, GRACE, KOFI, LOU = 9751, 9752, 9753, 9754


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff Bea (English) and Lou (French); Grace, the only focal point of the Ministry of ICT, with a pledge."""
    driver = await ChatDriver.with_staff(database, deps, renderer, BEA)
    await grant_role(GrantRole(LOU, Role.staff), database.uow(), utcnow())
    await driver.send(driver.person(LOU, "Lou", "fr"), "/help")
    await focal_point(driver, GRACE, "Ministry of ICT")
    await fill_pledge(driver, GRACE)
    for telegram_id in (BEA, LOU, GRACE):
        await driver.collect(telegram_id)
    return driver


async def contact(database: Database, telegram_id: int) -> Contact:
    async with database.uow() as uow:
        return (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == telegram_id))).scalar_one()


async def only_pledge(database: Database) -> Pledge:
    async with database.uow() as uow:
        return (await uow.session.execute(select(Pledge))).scalar_one()


async def test_revoking_the_only_focal_point_tells_staff_in_their_language(chat: ChatDriver) -> None:
    entity_id = (await contact(chat.database, GRACE)).entity_id
    revoked = await revoke_role(RevokeRole(GRACE), chat.database.uow(), utcnow())
    assert revoked is not None and revoked.left is not None and revoked.left.id == entity_id
    assert revoked.successor is None
    [bea] = await chat.collect(BEA)
    assert bea.text == (f"Ministry of ICT (no. {entity_id}) has no focal point left: Awa Diop (id {GRACE}) left it. "
                        f"Invite a new one with the button, or with /invite {entity_id}."), bea.text
    assert f"lv:inv:{entity_id}" in codes(bea)
    [lou] = await chat.collect(LOU)
    assert lou.text.startswith(f"Ministry of ICT (n°\xa0{entity_id}) n’a plus de point focal\xa0: Awa Diop "
                               f"(identifiant {GRACE}) l’a quittée."), \
        lou.text
    assert await chat.collect(GRACE) == []
    async with chat.database.uow() as uow:
        left = (await uow.session.execute(select(AuditLog).where(col(AuditLog.action) == "entity.left"))).scalar_one()
    assert left.target_id == entity_id and left.details.get("via") == "cli"


async def test_revoking_one_of_two_focal_points_hands_their_pledges_to_the_other(chat: ChatDriver) -> None:
    await focal_point(chat, KOFI, "Ministry of ICT")
    await chat.collect(BEA)
    await chat.collect(KOFI)
    revoked = await revoke_role(RevokeRole(GRACE), chat.database.uow(), utcnow())
    kofi = await contact(chat.database, KOFI)
    assert revoked is not None and revoked.successor is not None and revoked.successor.id == kofi.id
    assert (await only_pledge(chat.database)).primary_contact_id in (None, kofi.id)
    [told] = await chat.collect(KOFI)
    assert "Awa Diop left “Ministry of ICT”." in told.text, told.text
    assert all("lv:inv:" not in " ".join(codes(m)) for m in await chat.collect(BEA)), "a colleague is left"


async def test_granting_staff_to_the_only_focal_point_tells_the_other_staff(chat: ChatDriver) -> None:
    entity_id = (await contact(chat.database, GRACE)).entity_id
    await grant_role(GrantRole(GRACE, Role.staff), chat.database.uow(), utcnow())
    [bea] = await chat.collect(BEA)
    assert f"lv:inv:{entity_id}" in codes(bea) and f"Awa Diop (id {GRACE}) left it" in bea.text, bea.text
    [lou] = await chat.collect(LOU)
    assert "n’a plus de point focal" in lou.text, lou.text
    assert await chat.collect(GRACE) == [], "the new staff member is not told of their own departure"


def test_the_command_line_revoke_says_where_the_pledges_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            deps: Deps, renderer: Renderer) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}"

    async def prepare() -> None:
        database = Database(url)
        await upgrade(database)
        driver = await ChatDriver.with_staff(database, deps, renderer, BEA)
        await focal_point(driver, GRACE, "Global Fibre Partners")
        await focal_point(driver, KOFI, "Global Fibre Partners")
        await database.dispose()

    asyncio.run(prepare())
    monkeypatch.setenv("P2C_DATABASE_URL", url)
    revoked = CliRunner().invoke(app, ["admin", "revoke", str(GRACE)])
    assert revoked.exit_code == 0, revoked.output
    assert f"{GRACE} has no role any more" in revoked.output
    assert (f"{GRACE} is no longer a focal point of “Global Fibre Partners” (no. 1): its pledges now go to Awa Diop "
            f"(id {KOFI}), who is told.") in revoked.output, revoked.output
    last = CliRunner().invoke(app, ["admin", "revoke", str(KOFI)])
    assert last.exit_code == 0, last.output
    assert "“Global Fibre Partners” (no. 1) has no focal point left" in last.output, last.output
    assert "staff are told in chat" in last.output and "/invite 1" in last.output, last.output

    async def queued() -> list[str]:
        database = Database(url)
        async with database.uow() as uow:
            keys = list((await uow.session.execute(select(Outbox.key).where(col(Outbox.key).like("staff:orphan:%"))))
                        .scalars())
        await database.dispose()
        return keys

    assert len(asyncio.run(queued())) == 1, "Bea is told once, of the last focal point's departure"
