"""Editing a scheduled broadcast from /broadcasts: its summary reopened with every answer, the same one updated."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import select

from bot.i18n import Renderer
from handlers.broadcasts.service import cancel_broadcast
from handlers.conversation import Deps
from handlers.inputs import Person
from models.clock import utcnow
from models.database import Database
from models.tables import AuditLog, Broadcast, Draft, Outbox
from models.values import BroadcastStatus

pytestmark = pytest.mark.usefixtures("mid_year")  # "15 January next year" is over a year away on 1–14 January

STAFF = 9100


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff, and three focal points of a Senegalese ministry reading English, French and Spanish."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    return await driver.with_focal_points(("en", "fr", "es"))


async def _scheduled(chat: ChatDriver) -> tuple[Person, int]:
    """Staff who scheduled a broadcast with a document, in English and French, for 15 January next year 9:30."""
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:role:focal_point")
    await chat.press(staff, "f:audience:done")
    await chat.send_file(staff, "document", "DOC-FILE-ID", name="programme.pdf")
    await chat.press(staff, "f:language:c:en")
    await chat.send(staff, "Registration is opne")
    await chat.press(staff, "f:translations:c:add:fr")
    await chat.send(staff, "Les inscriptions sont ouvertes")
    await chat.press(staff, "f:translations:done")
    await chat.press(staff, "f:fallback:c:en")
    await chat.press(staff, "f:when:c:later")
    await chat.send(staff, f"{utcnow().year + 1}-01-15 09:30")
    await chat.press(staff, "f:$sum:submit")
    listing = await chat.send(staff, "/broadcasts")
    edit = next(c for c in codes(listing[-1]) if c.startswith("bc:edit:"))
    return staff, int(edit.rsplit(":", 1)[1])


async def test_a_scheduled_broadcast_is_edited_with_every_answer_kept(chat: ChatDriver, database: Database) -> None:
    """Regression: a scheduled broadcast could only be cancelled: to fix a typo staff answered every question again
    and sent the file again."""
    staff, broadcast_id = await _scheduled(chat)
    year = utcnow().year + 1
    summary = await chat.press(staff, f"bc:edit:{broadcast_id}")
    shown = summary[-1].text
    assert f"Editing broadcast #{broadcast_id}" in shown
    for answer in ("Focal points", "📎 programme.pdf", "English", "Registration is opne", "Français",
                   f"Jan 15, {year} 9:30\u202fAM"):
        assert answer in shown
    assert "f:$sum:submit" in codes(summary[-1])
    await chat.press(staff, "f:$sum:edit:text")
    await chat.send(staff, "Registration is open")
    await chat.press(staff, "f:$sum:edit:send_at")
    await chat.send(staff, f"{year}-01-16 10:00")
    done = await chat.press(staff, "f:$sum:submit")
    assert f"Broadcast #{broadcast_id} is updated: it is scheduled for Jan 16, {year} 10:00\u202fAM (UTC)" \
        in done[-1].text
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()  # the same one, not a second
        assert broadcast.id == broadcast_id and broadcast.status == BroadcastStatus.scheduled
        assert broadcast.texts == {"en": "Registration is open", "fr": "Les inscriptions sont ouvertes"}
        assert broadcast.attachment == {"kind": "document", "file_id": "DOC-FILE-ID", "name": "programme.pdf"}
        assert f"{broadcast.scheduled_at:%Y-%m-%d %H:%M}" == f"{year}-01-16 10:00"
        edited = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "broadcast.edited"))
                  ).scalar_one()
        assert edited.target_id == broadcast_id and edited.details["changed"] == ["scheduled_at", "texts"]
        assert not (await uow.session.execute(select(Outbox).where(Outbox.broadcast_id == broadcast_id))).all()


async def test_an_edited_broadcast_sent_now_goes_out_once(chat: ChatDriver, database: Database) -> None:
    staff, broadcast_id = await _scheduled(chat)
    await chat.press(staff, f"bc:edit:{broadcast_id}")
    await chat.press(staff, "f:$sum:edit:when")
    summary = await chat.press(staff, "f:when:c:now")
    done = await chat.press(staff, "f:$sum:submit")
    assert "f:$sum:submit" in codes(summary[-1]) and f"Broadcast #{broadcast_id} is on its way to 3 people" in \
        done[-1].text
    assert "Les inscriptions" in (await chat.collect(101))[-1].text
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
        assert broadcast.status == BroadcastStatus.sending and broadcast.recipients == 3


async def test_a_broadcast_started_while_edited_is_not_changed(chat: ChatDriver, database: Database) -> None:
    """A broadcast the scheduler started while the composer was open keeps what it was sent with."""
    staff, broadcast_id = await _scheduled(chat)
    await chat.press(staff, f"bc:edit:{broadcast_id}")
    await chat.press(staff, "f:$sum:edit:text")
    await chat.send(staff, "Registration is open")
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
        broadcast.status = BroadcastStatus.sending
        await uow.commit()
    refused = await chat.press(staff, "f:$sum:submit")
    assert f"Broadcast #{broadcast_id} has already started, so it can no longer be edited" in refused[-1].text
    again = await chat.press(staff, f"bc:edit:{broadcast_id}")
    assert "has already started" in again[-1].text
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
        assert broadcast.texts["en"] == "Registration is opne"


async def test_a_broadcast_cancelled_while_edited_is_not_changed(chat: ChatDriver, database: Database) -> None:
    """Cancelled by someone else (a colleague, `p2c-bot broadcast`) while this edit was open: Submit is refused."""
    staff, broadcast_id = await _scheduled(chat)
    await chat.press(staff, f"bc:edit:{broadcast_id}")
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
        await cancel_broadcast(uow.session, broadcast, utcnow())
        await uow.commit()
    refused = await chat.press(staff, "f:$sum:submit")
    assert f"Broadcast #{broadcast_id} was cancelled, so it can no longer be edited" in refused[-1].text
    listing = await chat.send(staff, "/broadcasts")
    assert not any(c.startswith("bc:edit:") for c in codes(listing[-1]))


async def test_only_staff_may_edit_a_broadcast(chat: ChatDriver) -> None:
    _, broadcast_id = await _scheduled(chat)
    refused = await chat.press(chat.person(101), f"bc:edit:{broadcast_id}")
    assert "not allowed" in refused[-1].text


async def test_cancelling_the_broadcast_being_edited_ends_its_edit(chat: ChatDriver, database: Database) -> None:
    """A tester cancelled a broadcast from its earlier prompt while editing it: its edit came back at once ("Now,
    back to the current question: Editing broadcast #1"), only to be refused at Submit."""
    staff, broadcast_id = await _scheduled(chat)
    await chat.press(staff, f"bc:cancel:{broadcast_id}")
    await chat.press(staff, f"bc:edit:{broadcast_id}")
    stopped = await chat.press(staff, f"bc:stop:{broadcast_id}")
    assert "is cancelled" in stopped[0].text and not any("Editing broadcast" in m.text for m in stopped), \
        [m.text for m in stopped]
    async with database.uow() as uow:
        assert (await uow.session.execute(select(Draft))).first() is None
