"""The broadcast composer and its service: audience counts, translations, fallback, refusals, cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.broadcasts.service import delivery_counts, follow_broadcasts
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.retention import Retention, purge
from models.tables import AuditLog, Broadcast, Outbox
from models.values import Role

STAFF = 9100


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff, and six focal points of a Senegalese ministry in six languages."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    for n, language in enumerate(("ar", "en", "es", "fr", "ru", "zh")):
        command = CreateInvite("Ministry of ICT", Role.focal_point, country_iso3="SEN")
        token, _, _ = await invite(command, database.uow(), utcnow())
        person = driver.person(100 + n, language_code=language)
        await driver.send(person, f"/start {token}")
        await driver.press(person, "f:consent:c:yes")
        await driver.send(person, "Focal Point")
        await driver.collect(100 + n)
    return driver


async def test_staff_compose_translate_and_send(chat: ChatDriver, database: Database) -> None:
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:role:focal_point")
    counted = await chat.press(staff, "f:audience:c:group:ldc")
    assert "6 people match" in counted[-1].text
    await chat.press(staff, "f:audience:done")
    await chat.press(staff, "f:attachment:skip")
    await chat.press(staff, "f:language:c:en")
    bad = await chat.send(staff, "<b>Unclosed")
    assert "not closed" in bad[-1].text
    translations = await chat.send(staff, "<b>WTDC</b> registration is open")
    assert "Still missing" in translations[-1].text and "(1)" in translations[-1].text
    await chat.press(staff, "f:translations:c:add:fr")
    await chat.send(staff, "Les inscriptions à la <b>CMDT</b> sont ouvertes")
    preview = await chat.press(staff, "f:translations:c:show:fr")
    assert any("<b>CMDT</b>" in m.text for m in preview)
    await chat.press(staff, "f:translations:done")
    await chat.press(staff, "f:fallback:c:en")
    summary = await chat.press(staff, "f:when:c:now")
    assert "f:$sum:submit" in codes(summary[-1])
    done = await chat.press(staff, "f:$sum:submit")
    assert any("6 people" in m.text for m in done)
    assert "Les inscriptions" in (await chat.collect(103))[0].text
    assert "registration is open" in (await chat.collect(104))[0].text  # Russian reader: English fallback
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
        assert broadcast.recipients == 6 and set(broadcast.texts) == {"en", "fr"}
        assert len((await uow.session.execute(select(Outbox).where(Outbox.broadcast_id == broadcast.id))).all()) == 6


async def test_focal_points_cannot_broadcast_and_are_audited(chat: ChatDriver, database: Database) -> None:
    intruder = chat.person(101)
    for attempt in ("/broadcast", "/broadcasts"):
        answers = await chat.send(intruder, attempt)
        assert "not allowed" in answers[0].text
    answers = await chat.press(intruder, "bc:stop:1")
    assert "not allowed" in answers[0].text
    async with database.uow() as uow:
        denied = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "denied"))).scalars().all()
        assert {d.details["attempted"] for d in denied} == {"broadcast.compose", "broadcast.list", "broadcast.stop"}


async def test_scheduled_broadcast_can_be_cancelled(chat: ChatDriver, database: Database) -> None:
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:everyone")
    await chat.press(staff, "f:audience:done")
    refused = await chat.send(staff, "here is no file")
    assert "photo or a document" in refused[-1].text
    await chat.send_file(staff, "photo", "PHOTO-FILE-ID")
    await chat.press(staff, "f:language:c:en")
    too_long = await chat.send(staff, "x" * 1100)
    assert "1,024" in too_long[-1].text
    await chat.send(staff, "Reminder: reports are due")
    await chat.press(staff, "f:translations:done")
    await chat.press(staff, "f:fallback:c:en")
    await chat.press(staff, "f:when:c:later")
    await chat.send(staff, f"{utcnow().year + 1}-01-15 09:30")
    scheduled = await chat.press(staff, "f:$sum:submit")
    assert "scheduled" in scheduled[-1].text
    listing = await chat.send(staff, "/broadcasts")
    cancel = next(c for c in codes(listing[0]) if c.startswith("bc:cancel:"))
    confirm = await chat.press(staff, cancel)
    await chat.press(staff, codes(confirm[0])[0])
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
        assert broadcast.status == "cancelled"
        assert broadcast.attachment == {"kind": "photo", "file_id": "PHOTO-FILE-ID"}
        assert await delivery_counts(uow.session, broadcast.id or 0) == {}


async def test_a_finished_broadcast_keeps_its_figures_once_its_rows_are_deleted(chat: ChatDriver,
                                                                                database: Database) -> None:
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:role:focal_point")
    await chat.press(staff, "f:audience:done")
    await chat.press(staff, "f:attachment:skip")
    await chat.press(staff, "f:language:c:en")
    await chat.send(staff, "Registration is open")
    await chat.press(staff, "f:translations:done")
    await chat.press(staff, "f:fallback:c:en")
    await chat.press(staff, "f:when:c:now")
    await chat.press(staff, "f:$sum:submit")
    for n in range(6):
        await chat.collect(100 + n)  # delivered: the rows are "sent"
    async with database.uow() as uow:
        await follow_broadcasts(uow.session, utcnow())
        await uow.commit()
    purged = await purge(database.uow, Retention(outbox=timedelta(days=90)), utcnow() + timedelta(days=91))
    assert purged["outbox"] >= 6
    listing = await chat.send(staff, "/broadcasts")
    assert "6 sent" in listing[-1].text, listing[-1].text
