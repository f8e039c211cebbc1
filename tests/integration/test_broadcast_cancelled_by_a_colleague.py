"""A scheduled broadcast cancelled by a colleague (tester t2, F5): whoever created it and whoever last edited it are
told, in their language, who cancelled it (Bea had just corrected it and believed it would go out); the one who
cancels is not told of their own act; the confirmation pressed loses its buttons (it kept "Yes, cancel it / No, keep
it", which then said "already cancelled"). The cancellation is audited."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_broadcast_edits_by_two import _bea_changes_the_message, _scheduled

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import AuditLog, Draft
from models.values import Role

pytestmark = pytest.mark.usefixtures("mid_year")  # "15 January next year" is over a year away on 1–14 January

BEA, TOM = 9100, 9101
ZOE = 9102


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff Bea (English), Tom (English) and Zoé (French), and three focal points."""
    driver = await ChatDriver.with_staff(database, deps, renderer, BEA)
    for telegram_id, name, language in ((TOM, "Tom", "en"), (ZOE, "Zoé", "fr")):
        await grant_role(GrantRole(telegram_id, Role.staff), database.uow(), utcnow())
        await driver.send(driver.person(telegram_id, name, language), "/help")
    return await driver.with_focal_points(("en", "fr", "es"))


async def cancel(chat: ChatDriver, telegram_id: int, name: str, language: str, broadcast_id: int) -> int:
    """The staff member asks to cancel the broadcast and confirms; Telegram's id of the confirmation pressed."""
    person = chat.person(telegram_id, name, language)
    await chat.press(person, f"bc:cancel:{broadcast_id}")
    confirmation = chat.sent_ids[-1]
    await chat.press(person, f"bc:stop:{broadcast_id}", on=confirmation)
    return confirmation


async def test_the_author_who_just_corrected_it_is_told_that_a_colleague_cancelled_it(chat: ChatDriver) -> None:
    broadcast_id = await _scheduled(chat)
    await _bea_changes_the_message(chat, broadcast_id, "Webinar on 15 January, 14:00 (new time!).")
    await chat.collect(BEA)
    await cancel(chat, TOM, "Tom", "en", broadcast_id)
    [told] = await chat.collect(BEA)
    assert f"Tom cancelled your broadcast #{broadcast_id}, scheduled for Jan 15" in told.text, told.text
    assert "nobody will receive it" in told.text, told.text


async def test_the_creator_and_the_last_editor_are_told_each_in_their_language(chat: ChatDriver) -> None:
    broadcast_id = await _scheduled(chat)
    zoe = chat.person(ZOE, "Zoé", "fr")
    await chat.press(zoe, f"bc:edit:{broadcast_id}")
    await chat.press(zoe, "f:$sum:edit:text")
    await chat.send(zoe, "Webinar on 15 January, room B.")
    await chat.press(zoe, "f:$sum:submit")
    for telegram_id in (BEA, ZOE):
        await chat.collect(telegram_id)
    await cancel(chat, TOM, "Tom", "en", broadcast_id)
    [creator] = await chat.collect(BEA)
    assert f"Tom cancelled your broadcast #{broadcast_id}" in creator.text, creator.text
    [editor] = await chat.collect(ZOE)
    assert f"Tom a annulé la diffusion #{broadcast_id}" in editor.text, editor.text
    assert "que vous avez modifiée" in editor.text, editor.text


async def test_one_cancelling_their_own_broadcast_hears_only_the_answer(chat: ChatDriver) -> None:
    broadcast_id = await _scheduled(chat)
    await chat.collect(BEA)
    await cancel(chat, BEA, "Bea", "en", broadcast_id)
    assert not [m.text for m in chat.mailbox.get(BEA, []) if "cancelled your broadcast" in m.text]


async def test_the_confirmation_used_loses_its_buttons_and_the_cancellation_is_audited(chat: ChatDriver,
                                                                                      database: Database) -> None:
    broadcast_id = await _scheduled(chat)
    tom = chat.person(TOM, "Tom")
    await chat.press(tom, f"bc:cancel:{broadcast_id}")
    confirmation = chat.sent_ids[-1]
    done = await chat.press(tom, f"bc:stop:{broadcast_id}", on=confirmation)
    assert chat.edited == [True] and not codes(done[-1]), "the confirmation is replaced by the answer"
    assert f"Broadcast #{broadcast_id} is cancelled" in done[-1].text
    await chat.press(tom, f"bc:cancel:{broadcast_id}")
    kept = await chat.press(tom, f"bc:keep:{broadcast_id}", on=chat.sent_ids[-1])
    assert chat.edited == [True] and not codes(kept[-1]), "a confirmation shown before is replaced too"
    async with database.uow() as uow:
        audited = (await uow.session.execute(select(AuditLog.action, AuditLog.target_id).where(
            col(AuditLog.action) == "broadcast.cancelled"))).all()
    assert [tuple(row) for row in audited] == [("broadcast.cancelled", broadcast_id)]


async def test_a_colleague_with_an_edit_open_is_told_at_once_and_the_edit_closed(chat: ChatDriver,
                                                                                  database: Database) -> None:
    """A tester: Zoé, editing the broadcast, heard of Tom's cancellation only at Envoyer, her changes lost then. She
    is told at once that her edit is closed, once (not also as its last editor); Tom's own edit ends as before."""
    broadcast_id = await _scheduled(chat)
    zoe = chat.person(ZOE, "Zoé", "fr")
    await chat.press(zoe, f"bc:edit:{broadcast_id}")
    await chat.press(zoe, "f:$sum:edit:text")
    await chat.send(zoe, "Webinar on 15 January, room B.")  # not submitted
    await chat.collect(BEA)
    await cancel(chat, TOM, "Tom", "en", broadcast_id)
    told = await chat.collect(ZOE)
    assert len(told) == 1 and f"Tom a annulé la diffusion #{broadcast_id}" in told[0].text, [m.text for m in told]
    assert "modification" in told[0].text, told[0].text
    async with database.uow() as uow:
        assert (await uow.session.execute(select(Draft))).first() is None
    [creator] = await chat.collect(BEA)
    assert f"Tom cancelled your broadcast #{broadcast_id}" in creator.text, creator.text
