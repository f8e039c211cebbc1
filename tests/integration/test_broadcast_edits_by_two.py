"""A scheduled broadcast edited by two staff members, its translations after its message changed, and /broadcasts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import select

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from handlers.inputs import Person
from models.clock import utcnow
from models.database import Database
from models.tables import Broadcast
from models.values import BroadcastStatus, Role

pytestmark = pytest.mark.usefixtures("mid_year")  # "15 January next year" is over a year away on 1–14 January

BEA, TOM = 9100, 9101


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Two staff members, Bea and Tom, and three focal points reading English, French and Spanish."""
    driver = await ChatDriver.with_staff(database, deps, renderer, BEA)
    await grant_role(GrantRole(TOM, Role.staff), database.uow(), utcnow())
    await driver.send(driver.person(TOM, "Tom"), "/help")
    return await driver.with_focal_points(("en", "fr", "es"))


async def _scheduled(chat: ChatDriver, fallback: str = "en") -> int:
    """Bea scheduled a broadcast in English and French for 15 January next year 9:30; its id."""
    bea = chat.person(BEA, "Bea")
    await chat.send(bea, "/broadcast")
    await chat.press(bea, "f:audience:c:role:focal_point")
    await chat.press(bea, "f:audience:done")
    await chat.press(bea, "f:attachment:skip")
    await chat.press(bea, "f:language:c:en")
    await chat.send(bea, "Webinar on 15 January.")
    await chat.press(bea, "f:translations:c:add:fr")
    await chat.send(bea, "Webinaire le 15 janvier.")
    await chat.press(bea, "f:translations:done")
    await chat.press(bea, f"f:fallback:c:{fallback}")
    await chat.press(bea, "f:when:c:later")
    await chat.send(bea, f"{utcnow().year + 1}-01-15 09:30")
    await chat.press(bea, "f:$sum:submit")
    async with chat.database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
        assert broadcast.id is not None
        return broadcast.id


async def _stored(database: Database) -> Broadcast:
    async with database.uow() as uow:
        return (await uow.session.execute(select(Broadcast))).scalar_one()


async def _bea_changes_the_message(chat: ChatDriver, broadcast_id: int, message: str) -> None:
    bea = chat.person(BEA, "Bea")
    await chat.press(bea, f"bc:edit:{broadcast_id}")
    await chat.press(bea, "f:$sum:edit:text")
    await chat.send(bea, message)
    done = await chat.press(bea, "f:$sum:submit")
    assert f"Broadcast #{broadcast_id} is updated" in done[-1].text
    assert not any("changed your broadcast" in m.text for m in done)  # her own broadcast: no notice to herself


async def test_a_second_edit_does_not_undo_the_first_and_keeps_the_editors_changes(chat: ChatDriver,
                                                                                    database: Database) -> None:
    """Regression: Tom opened the broadcast, Bea changed its message, and Tom's later submit of a new time silently
    put the old message back; Bea, its creator, was not told that Tom changed it."""
    year = utcnow().year + 1
    broadcast_id = await _scheduled(chat)
    tom = chat.person(TOM, "Tom")
    await chat.press(tom, f"bc:edit:{broadcast_id}")
    await _bea_changes_the_message(chat, broadcast_id, "Webinar on 15 January, 14:00 (new time!).")
    await chat.press(tom, "f:$sum:edit:send_at")
    await chat.send(tom, f"{year}-01-15 12:00")
    refused = await chat.press(tom, "f:$sum:submit")
    said = "\n".join(m.text for m in refused)
    assert f"Bea changed broadcast #{broadcast_id} while you were editing it: Message" in said
    assert "your changes (Scheduled for) are kept" in said
    assert "14:00 (new time!)" in refused[-1].text and f"Jan 15, {year} 12:00" in refused[-1].text
    assert "f:$sum:submit" in codes(refused[-1])
    stored = await _stored(database)  # nothing of Tom's written over Bea's edit
    assert stored.texts["en"] == "Webinar on 15 January, 14:00 (new time!)."
    assert f"{stored.scheduled_at:%H:%M}" == "09:30"
    done = await chat.press(tom, "f:$sum:submit")
    assert f"Broadcast #{broadcast_id} is updated: it is scheduled for Jan 15, {year} 12:00" in done[-1].text
    stored = await _stored(database)
    assert stored.texts["en"] == "Webinar on 15 January, 14:00 (new time!)."
    assert f"{stored.scheduled_at:%H:%M}" == "12:00" and stored.status == BroadcastStatus.scheduled
    told = (await chat.collect(BEA))[-1].text
    assert f"Tom changed your broadcast #{broadcast_id}: Scheduled for. It is now scheduled for Jan 15, {year} " \
           "12:00" in told


async def test_what_both_changed_shows_the_other_version(chat: ChatDriver, database: Database) -> None:
    broadcast_id = await _scheduled(chat)
    tom = chat.person(TOM, "Tom")
    await chat.press(tom, f"bc:edit:{broadcast_id}")
    await _bea_changes_the_message(chat, broadcast_id, "Bea's webinar text.")
    await chat.press(tom, "f:$sum:edit:text")
    await chat.send(tom, "Tom's webinar text.")
    refused = await chat.press(tom, "f:$sum:submit")
    said = "\n".join(m.text for m in refused)
    assert "Message, as Bea left it" in said and "Bea's webinar text." in said
    assert "<b>Message</b>: Tom's webinar text." in refused[-1].text  # the summary: Tom's, not only Bea's line
    assert "<b>Message</b>: Bea's webinar text." not in refused[-1].text
    assert (await _stored(database)).texts["en"] == "Bea's webinar text."


async def test_a_long_message_under_a_file_attached_meanwhile_is_asked_again(chat: ChatDriver,
                                                                            database: Database) -> None:
    """Regression (review s25 #3): Tom attached a photo while Bea replaced the message with 1,250 characters; the
    merged summary put both together unchecked, and each recipient's caption would have been cut at 1,024."""
    broadcast_id = await _scheduled(chat)
    tom = chat.person(TOM, "Tom")
    await chat.press(tom, f"bc:edit:{broadcast_id}")
    await chat.press(tom, "f:$sum:edit:attachment")
    await chat.send_file(tom, "photo", "PHOTO_TOM")
    long = "Webinar on 15 January, with the programme. " * 29  # 1,247 characters: fits a message, not a caption
    await _bea_changes_the_message(chat, broadcast_id, long)
    reopened = await chat.press(tom, "f:$sum:submit")
    said = "\n".join(m.text for m in reopened)
    assert "your changes (Attachment) are kept. Put together with theirs, these answers no longer fit and are " \
           "asked again: Message." in said
    assert "<b>Message, as Bea left it</b>: Webinar on 15 January, with the programme." in said
    assert "Question 4 of 8" in reopened[-1].text and "Write the message." in reopened[-1].text
    assert "With a file, the message can have 900 characters at most." in reopened[-1].text
    assert "f:$sum:submit" not in codes(reopened[-1])
    assert (await _stored(database)).attachment is None  # nothing of Tom's written yet
    summary = await chat.send(tom, "Webinar on 15 January: the programme is in the photo.")
    assert "<b>Attachment</b>: 📷 a photo" in summary[-1].text
    done = await chat.press(tom, "f:$sum:submit")
    assert f"Broadcast #{broadcast_id} is updated" in done[-1].text
    stored = await _stored(database)
    assert stored.attachment == {"kind": "photo", "file_id": "PHOTO_TOM"}
    assert stored.texts["en"] == "Webinar on 15 January: the programme is in the photo."


async def test_a_fallback_left_without_a_text_by_a_colleague_is_asked_again(chat: ChatDriver,
                                                                           database: Database) -> None:
    """Regression (review s25 #3): Tom chose English as the fallback while Bea made Spanish the first language (no
    English text any more); the merged summary offered Submit, and Submit crashed on the service's refusal."""
    broadcast_id = await _scheduled(chat, fallback="fr")
    tom, bea = chat.person(TOM, "Tom"), chat.person(BEA, "Bea")
    await chat.press(tom, f"bc:edit:{broadcast_id}")
    await chat.press(tom, "f:$sum:edit:fallback")
    await chat.press(tom, "f:fallback:c:en")
    await chat.press(bea, f"bc:edit:{broadcast_id}")
    await chat.press(bea, "f:$sum:edit:language")
    await chat.press(bea, "f:language:c:es")
    await chat.press(bea, "f:$sum:submit")
    assert set((await _stored(database)).texts) == {"es", "fr"}
    reopened = await chat.press(tom, "f:$sum:submit")
    said = "\n".join(m.text for m in reopened)
    assert "these answers no longer fit and are asked again: Fallback language." in said
    assert "<b>Fallback language, as you left it</b>: English" in said
    assert "People whose language has no text receive it in:" in reopened[-1].text
    assert [c for c in codes(reopened[-1]) if c.startswith("f:fallback:c:")] == ["f:fallback:c:es",
                                                                                 "f:fallback:c:fr"]
    await chat.press(tom, "f:fallback:c:es")
    done = await chat.press(tom, "f:$sum:submit")
    assert f"Broadcast #{broadcast_id} is updated" in done[-1].text
    assert (await _stored(database)).fallback == "es"


async def test_an_editor_who_changed_nothing_is_told_and_nothing_is_written(chat: ChatDriver,
                                                                            database: Database) -> None:
    broadcast_id = await _scheduled(chat)
    tom = chat.person(TOM, "Tom")
    await chat.press(tom, f"bc:edit:{broadcast_id}")
    await _bea_changes_the_message(chat, broadcast_id, "Bea's webinar text.")
    answer = await chat.press(tom, "f:$sum:submit")
    assert "You had changed nothing, so nothing of yours is lost" in answer[-1].text
    assert (await _stored(database)).texts["en"] == "Bea's webinar text."
    assert not any("changed your broadcast" in m.text for m in await chat.collect(BEA))


async def test_translations_not_changed_with_the_message_are_pointed_out(chat: ChatDriver) -> None:
    """Regression: after the message of a scheduled broadcast changed, the summary listed its translations as if
    they were up to date, and they went out with the earlier content."""
    broadcast_id = await _scheduled(chat)
    bea = chat.person(BEA, "Bea")
    opened = await chat.press(bea, f"bc:edit:{broadcast_id}")
    assert "The message changed" not in opened[-1].text
    await chat.press(bea, "f:$sum:edit:text")
    summary = await chat.send(bea, "Webinar on 16 January.")
    assert "The message changed, but not these translations: Français. Check them with ✏️ Translations." \
        in summary[-1].text
    assert "f:$sum:edit:translations" in codes(summary[-1])
    step = await chat.press(bea, "f:$sum:edit:translations")
    assert "The message changed, but not these translations: Français." in step[-1].text
    await chat.press(bea, "f:translations:c:add:fr")
    added = await chat.send(bea, "Webinaire le 16 janvier.")
    assert "The message changed" not in added[-1].text
    summary = await chat.press(bea, "f:translations:done")
    assert "The message changed" not in summary[-1].text


async def test_broadcasts_are_dated_by_when_they_went_out(chat: ChatDriver, database: Database) -> None:
    """Regression: /broadcasts dated a broadcast scheduled weeks ahead by the day it was composed."""
    broadcast_id = await _scheduled(chat)
    async with database.uow() as uow:
        broadcast = await uow.session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        broadcast.created_at = datetime(2020, 3, 2, 8, 0, tzinfo=UTC)
        await uow.commit()
    bea = chat.person(BEA, "Bea")
    await chat.press(bea, f"bc:edit:{broadcast_id}")
    await chat.press(bea, "f:$sum:edit:when")
    await chat.press(bea, "f:when:c:now")
    await chat.press(bea, "f:$sum:submit")
    listing = await chat.send(bea, "/broadcasts")
    assert "Mar 2, 2020" not in listing[-1].text
    assert f"#{broadcast_id} · {utcnow():%b} {utcnow().day}, {utcnow().year} · sending" in listing[-1].text


async def test_the_cancel_confirmation_offers_to_keep_the_broadcast(chat: ChatDriver, database: Database) -> None:
    """Regression: "Cancel broadcast #1…?" had only [Yes, cancel it]."""
    broadcast_id = await _scheduled(chat)
    bea: Person = chat.person(BEA, "Bea")
    confirm = await chat.press(bea, f"bc:cancel:{broadcast_id}")
    assert codes(confirm[-1]) == [f"bc:stop:{broadcast_id}", f"bc:keep:{broadcast_id}"]
    kept = await chat.press(bea, f"bc:keep:{broadcast_id}")
    assert f"Broadcast #{broadcast_id} is not cancelled: nothing changed." in kept[-1].text
    assert (await _stored(database)).status == BroadcastStatus.scheduled
