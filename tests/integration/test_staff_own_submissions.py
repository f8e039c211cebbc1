"""A focal point made staff (tester t2, F4): `admin grant ID staff` given to an organisation's only focal point said
nothing of the organisation left without one (its pledges then reminded nobody), and the new staff member could
validate their own pledge from /pending. Now the grant says so (or names the colleague the pledges go to, who is
told), and staff cannot decide on an organisation, a pledge or a report they submitted themselves: refused with a
clear message and audited; a colleague decides."""

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
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade
from models.repositories.audit import AuditTrail
from models.tables import AuditLog, Contact, Entity, Pledge, ProgressReport
from models.values import EntityStatus, PledgeStatus, ReviewStatus, Role

BEA, GRACE, KOFI = 9701, 9702, 9703
OWN = "validation by someone else is the point"


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff Bea; Grace, the only focal point of the Ministry of ICT, who submitted a pledge."""
    driver = await ChatDriver.with_staff(database, deps, renderer, BEA)
    await focal_point(driver, GRACE, "Ministry of ICT")
    await fill_pledge(driver, GRACE)
    for telegram_id in (BEA, GRACE):
        await driver.collect(telegram_id)
    return driver


async def only_pledge(database: Database) -> Pledge:
    async with database.uow() as uow:
        return (await uow.session.execute(select(Pledge))).scalar_one()


async def contact(database: Database, telegram_id: int) -> Contact:
    async with database.uow() as uow:
        return (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == telegram_id))).scalar_one()


async def denials(database: Database) -> list[tuple[str | None, int | None, dict[str, object]]]:
    async with database.uow() as uow:
        rows = await uow.session.execute(select(AuditLog.target_type, AuditLog.target_id, AuditLog.details)
                                         .where(col(AuditLog.action) == "denied").order_by(col(AuditLog.id)))
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_granting_staff_to_the_only_focal_point_says_the_organisation_has_none_left(chat: ChatDriver) -> None:
    granted = await grant_role(GrantRole(GRACE, Role.staff), chat.database.uow(), utcnow())
    assert granted.left is not None and granted.left.name == "Ministry of ICT", "the organisation left is named"
    assert granted.successor is None


async def test_granting_staff_to_one_of_two_focal_points_hands_their_pledges_to_the_other(chat: ChatDriver) -> None:
    await focal_point(chat, KOFI, "Ministry of ICT")
    await chat.collect(KOFI)
    pledge = await only_pledge(chat.database)
    grace = await contact(chat.database, GRACE)
    assert pledge.primary_contact_id in (None, grace.id)
    granted = await grant_role(GrantRole(GRACE, Role.staff), chat.database.uow(), utcnow())
    kofi = await contact(chat.database, KOFI)
    assert granted.successor is not None and granted.successor.id == kofi.id
    assert (await only_pledge(chat.database)).primary_contact_id in (None, kofi.id)
    [told] = await chat.collect(KOFI)
    assert "Awa Diop left “Ministry of ICT”." in told.text, told.text


def test_the_command_line_grant_says_the_organisation_is_left_without_a_focal_point(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deps: Deps, renderer: Renderer) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}"

    async def prepare() -> None:
        database = Database(url)
        await upgrade(database)
        driver = ChatDriver(database, deps, renderer)
        await focal_point(driver, GRACE, "Global Fibre Partners")
        await database.dispose()

    asyncio.run(prepare())
    monkeypatch.setenv("P2C_DATABASE_URL", url)
    granted = CliRunner().invoke(app, ["admin", "grant", str(GRACE), "staff"])
    assert granted.exit_code == 0, granted.output
    assert f"{GRACE} is now staff" in granted.output
    assert "“Global Fibre Partners” (no. 1) has no focal point left" in granted.output, granted.output
    assert "/invite 1" in granted.output, granted.output


async def test_staff_cannot_validate_a_pledge_they_submitted(chat: ChatDriver) -> None:
    pledge = await only_pledge(chat.database)
    await grant_role(GrantRole(GRACE, Role.staff), chat.database.uow(), utcnow())
    grace = chat.person(GRACE)
    shown = await chat.press(grace, f"pn:pl:{pledge.id}")
    assert any(f"pv:ok:{pledge.id}:1" in codes(m) for m in shown)
    for code in (f"pv:ok:{pledge.id}:1", f"pv:rej:{pledge.id}:1"):
        [refused] = await chat.press(grace, code)
        assert f"You submitted {pledge.ref} yourself" in refused.text and OWN in refused.text, refused.text
    assert (await only_pledge(chat.database)).status == PledgeStatus.submitted
    assert [(t, i, d.get("attempted"), d.get("reason")) for t, i, d in await denials(chat.database)] == \
        [("pledge", pledge.id, "pledge.review", "own")] * 2
    done = await chat.press(chat.person(BEA, "Bea"), f"pv:ok:{pledge.id}:1")
    assert "is validated" in done[-1].text, "a colleague decides"


async def test_staff_cannot_review_a_report_they_sent(chat: ChatDriver) -> None:
    pledge = await only_pledge(chat.database)
    await chat.press(chat.person(BEA, "Bea"), f"pv:ok:{pledge.id}:1")
    grace = await contact(chat.database, GRACE)
    async with chat.database.uow() as uow:
        report = ProgressReport(pledge_id=pledge.id, period="2025", status="in_progress", submitted_by=grace.id,
                                steps_taken="We connected 120 schools in Kolda.")
        uow.session.add(report)
        await uow.session.flush()
        report_id = int(report.id or 0)
        await uow.commit()
    await grant_role(GrantRole(GRACE, Role.staff), chat.database.uow(), utcnow())
    await chat.collect(GRACE)  # BDT's validation of her pledge
    for code in (f"rs:ack:{report_id}", f"rs:ask:{report_id}"):
        [refused] = await chat.press(chat.person(GRACE), code)
        assert "You sent the report on" in refused.text and OWN in refused.text, refused.text
    async with chat.database.uow() as uow:
        stored = await uow.session.get(ProgressReport, report_id)
        assert stored is not None and stored.review_status == ReviewStatus.submitted
    assert [(t, d.get("reason")) for t, _, d in await denials(chat.database)] == [("report", "own")] * 2


async def test_staff_cannot_decide_on_an_organisation_they_registered(chat: ChatDriver) -> None:
    grace = await contact(chat.database, GRACE)
    async with chat.database.uow() as uow:
        entity = Entity(name="Office of Rural Connectivity", name_key="office of rural connectivity",
                        sector="government", status=EntityStatus.pending)
        uow.session.add(entity)
        await uow.session.flush()
        entity_id = int(entity.id or 0)
        await AuditTrail(uow.session).record(grace.id, "entity.registered", "entity", entity_id, {})
        await uow.commit()
    await grant_role(GrantRole(GRACE, Role.staff), chat.database.uow(), utcnow())
    for code in (f"ent:ok:{entity_id}", f"ent:no:{entity_id}"):
        [refused] = await chat.press(chat.person(GRACE), code)
        assert "You registered “Office of Rural Connectivity” yourself" in refused.text, refused.text
        assert OWN in refused.text, refused.text
    async with chat.database.uow() as uow:
        found = await uow.session.get(Entity, entity_id)
        assert found is not None and found.status == EntityStatus.pending
    assert [(t, d.get("reason")) for t, _, d in await denials(chat.database)] == [("entity", "own")] * 2
