"""A pledge BDT returned for changes is not forgotten: its focal points are reminded a week after the request, then
weekly, three times at most, by the job that reminds of untouched drafts (who has the edit open is left to that
reminder, which names the changes); one reminder a day; staff see the pledges waiting in /pending. Both backends."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select, update
from test_form_switches import said

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from handlers.lengths import TEXT_LIMIT, visible_length
from handlers.messages import reply_from_json
from handlers.pending import SHOWN, pending_reply
from handlers.reminders import remind_stale_drafts
from models.clock import utcnow
from models.database import Database
from models.repositories.waiting import Oldest
from models.tables import AuditLog, Contact, Draft, Entity, Outbox, Pledge, ProgressReport
from models.values import LANGUAGES, PledgeStatus, Role

STAFF, AWA, MOUSSA = 9600, 9601, 9602
LINK = re.compile(r"https://t\.me/p2c_test_bot\?start=([A-Za-z0-9_-]+)")
ASKED = datetime(2027, 1, 4, 10, tzinfo=UTC)
"""When BDT asked for the changes (set in the audit trail): a Monday, 10:00 in Dakar (UTC+0)."""


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff (Bea) and Awa, focal point of a Senegalese ministry, whose pledge P2C-2027-00001 BDT returned for
    changes at ASKED."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    token, _, _ = await invite(CreateInvite("Ministère du Numérique", Role.focal_point, country_iso3="SEN"),
                               database.uow(), utcnow())
    await join(driver, AWA, token, "Awa Diop")
    await return_for_changes(driver, await add_pledge(database, AWA, 1))
    driver.mailbox.clear()
    return driver


async def join(chat: ChatDriver, telegram_id: int, token: str, name: str) -> None:
    person = chat.person(telegram_id, name.split()[0])
    await chat.send(person, f"/start {token}")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, name)


async def contact_of(database: Database, telegram_id: int) -> Contact:
    async with database.uow() as uow:
        return (await uow.session.execute(select(Contact).where(Contact.telegram_id == telegram_id))).scalar_one()


async def add_pledge(database: Database, telegram_id: int, n: int) -> int:
    """A pledge submitted by this focal point."""
    contact = await contact_of(database, telegram_id)
    assert contact.entity_id is not None
    async with database.uow() as uow:
        pledge = Pledge(ref=f"P2C-2027-{n:05d}", entity_id=contact.entity_id, created_by=contact.id,
                        title=f"Connect schools {n}", description="Connect rural schools to broadband.",
                        focus_area="access", pillars=["infrastructure"], pledge_type="programmatic",
                        countries=["SEN"], status=PledgeStatus.submitted, submitted_at=utcnow())
        uow.session.add(pledge)
        await uow.flush()
        await uow.commit()
        assert pledge.id is not None
        return pledge.id


async def return_for_changes(chat: ChatDriver, pledge_id: int, at: datetime = ASKED, version: int = 1) -> None:
    """Bea asks for changes to the pledge (that version of it); the request is dated `at` (the pledge too)."""
    staff = chat.person(STAFF, "Bea")
    await chat.press(staff, f"pv:chg:{pledge_id}:{version}")
    await chat.send(staff, "Please give the number of teachers trained as well.")
    async with chat.database.uow() as uow:
        await uow.session.execute(update(AuditLog).where(col(AuditLog.action) == "pledge.changes_requested",
                                                         col(AuditLog.target_id) == pledge_id).values(at=at))
        await uow.session.execute(update(Pledge).where(col(Pledge.id) == pledge_id).values(updated_at=at))
        await uow.commit()


async def pledge_id_of(database: Database, n: int = 1) -> int:
    async with database.uow() as uow:
        found = (await uow.session.execute(select(Pledge.id).where(Pledge.ref == f"P2C-2027-{n:05d}"))).scalar_one()
        assert found is not None
        return found


async def changes_reminders(database: Database) -> list[Outbox]:
    async with database.uow() as uow:
        return list((await uow.session.execute(select(Outbox).where(col(Outbox.key).startswith("changes-reminder:"))
                                               .order_by(col(Outbox.id)))).scalars())


async def test_a_pledge_returned_for_changes_is_reminded_weekly_three_times(chat: ChatDriver, database: Database,
                                                                            renderer: Renderer) -> None:
    """The tester's case: the focal point opened the edit, cancelled it, and the pledge was forgotten for good."""
    pledge = await pledge_id_of(database)
    awa = chat.person(AWA, "Awa")
    await chat.press(awa, f"mp:edit:{pledge}")
    await chat.send(awa, "/cancel")
    cancelled = said(await chat.press(awa, "f:$cancel:yes"))
    # a tester read "Nothing was kept" as the pledge gone: the edit is, the pledge as sent stays
    assert "your changes were not saved, and the pledge stays as you sent it" in cancelled, cancelled
    assert "Nothing was kept" not in cancelled and "Edit the pledge in /mypledges" in cancelled
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=6)) == 0
    first = ASKED + timedelta(days=7, minutes=1)
    assert await remind_stale_drafts(database.uow(), first) == 1
    assert await remind_stale_drafts(database.uow(), first + timedelta(hours=2)) == 0  # that round was given
    (row,) = await changes_reminders(database)
    contact = await contact_of(database, AWA)
    assert row.contact_id == contact.id and row.not_before == first
    message = renderer.reply(reply_from_json(row.payload["reply"]), "en")
    assert "still waiting for your changes" in message.text and "P2C-2027-00001" in message.text
    assert "4 January 2027" in message.text or "Jan 4, 2027" in message.text, message.text
    assert "teachers trained" in message.text  # BDT's comment, said again
    assert codes(message) == [f"mp:edit:{pledge}"]  # /mypledges' own edit button
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=14, hours=1)) == 1
    saturday = ASKED + timedelta(days=26)
    assert await remind_stale_drafts(database.uow(), saturday) == 1
    assert (await changes_reminders(database))[-1].not_before == ASKED + timedelta(days=28, hours=-1)  # Monday 09:00
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=28, hours=1)) == 0  # three at most
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=120)) == 0
    assert len(await changes_reminders(database)) == 3
    opened = await chat.press(awa, f"mp:edit:{pledge}")  # the edit opens at the first question left unanswered
    assert opened[-1].text.startswith("<b>BDT's comment</b>: Please give the number of teachers trained as well.\n\n"
                                      "Question 9 of 15") and "f:target_value:cancel" in codes(opened[-1])


async def test_after_downtime_the_missed_round_is_not_made_up(chat: ChatDriver, database: Database) -> None:
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=15)) == 1
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=15, hours=3)) == 0
    assert [row.key.split(":")[3] for row in await changes_reminders(database)] == ["r2"]


async def test_an_edit_cancelled_after_a_colleague_sent_the_changes_does_not_say_bdt_waits(
        chat: ChatDriver, database: Database) -> None:
    """"BDT still awaits your changes" was said even when a colleague had withdrawn the pledge meanwhile."""
    pledge = await pledge_id_of(database)
    awa = chat.person(AWA, "Awa")
    token = LINK.search((await chat.send(awa, "/invite"))[0].text)
    assert token is not None
    await join(chat, MOUSSA, token.group(1), "Moussa Ndiaye")
    moussa = chat.person(MOUSSA, "Moussa")
    await chat.press(awa, f"mp:edit:{pledge}")
    asked = await chat.press(moussa, f"mp:wd:{pledge}")
    await chat.press(moussa, next(code for code in codes(asked[-1]) if code.startswith("mp:wdy:")))
    async with database.uow() as uow:
        assert (await uow.session.get(Pledge, pledge)).status == PledgeStatus.withdrawn  # type: ignore[union-attr]
    await chat.send(awa, "/cancel")
    cancelled = said(await chat.press(awa, "f:$cancel:yes"))
    assert "your changes were not saved" in cancelled and "no longer waits for changes" in cancelled, cancelled
    assert "still awaits" not in cancelled


async def test_the_primary_focal_point_alone_else_every_focal_point(chat: ChatDriver, database: Database) -> None:
    answer = await chat.send(chat.person(AWA, "Awa"), "/invite")
    token = LINK.search(answer[0].text)
    assert token is not None
    await join(chat, MOUSSA, token.group(1), "Moussa Ndiaye")
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=7, hours=1)) == 1
    awa, moussa = await contact_of(database, AWA), await contact_of(database, MOUSSA)
    assert [row.contact_id for row in await changes_reminders(database)] == [awa.id]
    async with database.uow() as uow:  # Awa blocked the bot: she cannot be reached any more
        await uow.session.execute(update(Contact).where(col(Contact.id) == awa.id).values(blocked=True))
        await uow.commit()
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=14, hours=1)) == 1
    assert [row.contact_id for row in await changes_reminders(database)] == [awa.id, moussa.id]


async def test_resubmitted_or_returned_again_the_rounds_follow_the_version(chat: ChatDriver,
                                                                         database: Database) -> None:
    pledge = await pledge_id_of(database)
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=7, hours=1)) == 1
    async with database.uow() as uow:  # resubmitted: nothing waits for the focal point
        await uow.session.execute(update(Pledge).where(col(Pledge.id) == pledge)
                                  .values(status=PledgeStatus.submitted, version=2))
        await uow.commit()
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=14, hours=1)) == 0
    await return_for_changes(chat, pledge, ASKED + timedelta(days=15), version=2)  # returned again: rounds anew
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=22, hours=1)) == 1
    assert [row.key.split(":")[2:4] for row in await changes_reminders(database)] == [["v1", "r1"], ["v2", "r1"]]


async def test_one_reminder_a_day(chat: ChatDriver, database: Database) -> None:
    """Two pledges returned the same day: one reminder that day, the other the next; a day whose report reminder is
    queued gets none."""
    await return_for_changes(chat, await add_pledge(database, AWA, 2))
    first = ASKED + timedelta(days=7, hours=1)
    assert await remind_stale_drafts(database.uow(), first) == 1
    assert await remind_stale_drafts(database.uow(), first + timedelta(hours=3)) == 0
    assert await remind_stale_drafts(database.uow(), first + timedelta(days=1)) == 1
    awa = await contact_of(database, AWA)
    async with database.uow() as uow:  # the report reminder of Awa's Monday is queued
        uow.session.add(Outbox(key=f"rm:{awa.id}:2027-01-18", chat_id=awa.chat_id, contact_id=awa.id,
                               payload={"reply": {"parts": []}}))
        await uow.commit()
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=14, hours=1)) == 0
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=15, hours=1)) == 1  # one of the two
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=16, hours=1)) == 1
    assert len(await changes_reminders(database)) == 4


async def test_the_edit_left_open_is_reminded_as_changes_then_the_pledge(chat: ChatDriver, database: Database,
                                                                         renderer: Renderer) -> None:
    """Issue 2: the untouched draft of an edit names the changes to the pledge, not a new pledge; while that reminder
    covers the person, the pledge's own waits, then comes when the edit is still left a week after it."""
    pledge = await pledge_id_of(database)
    awa = chat.person(AWA, "Awa")
    await chat.press(awa, f"mp:edit:{pledge}")
    async with database.uow() as uow:
        await uow.session.execute(update(Draft).values(created_at=ASKED, updated_at=ASKED))
        await uow.commit()
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=3, hours=1)) == 1
    (reminder,) = await chat.collect(AWA)
    assert "your changes to P2C-2027-00001" in reminder.text and "started a pledge" not in reminder.text
    assert codes(reminder) == ["pl:resume"]
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=7, hours=1)) == 0  # the draft's covers it
    assert await remind_stale_drafts(database.uow(), ASKED + timedelta(days=10, hours=2)) == 1
    (row,) = await changes_reminders(database)
    assert "still waiting for your changes" in renderer.reply(reply_from_json(row.payload["reply"]), "en").text


async def test_the_draft_of_an_edit_no_longer_possible_is_not_reminded(chat: ChatDriver, database: Database) -> None:
    pledge = await pledge_id_of(database)
    await chat.press(chat.person(AWA, "Awa"), f"mp:edit:{pledge}")
    async with database.uow() as uow:  # a colleague resubmitted it meanwhile
        await uow.session.execute(update(Pledge).where(col(Pledge.id) == pledge)
                                  .values(status=PledgeStatus.submitted, version=2))
        await uow.commit()
    assert await remind_stale_drafts(database.uow(), utcnow() + timedelta(days=3, hours=1)) == 0
    assert await chat.collect(AWA) == []


async def test_staff_see_the_pledges_waiting_for_changes_in_pending(chat: ChatDriver) -> None:
    answer = (await chat.send(chat.person(STAFF, "Bea"), "/pending"))[0]
    assert "Nothing waits for a decision" in answer.text
    assert "1 pledge waits for its organisation's changes" in answer.text
    assert "P2C-2027-00001 of “Ministère du Numérique”" in answer.text and "since" in answer.text
    assert "4 January 2027" in answer.text or "Jan 4, 2027" in answer.text, answer.text


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_the_longest_pending_list_with_pledges_waiting_for_changes_fits_one_message(renderer: Renderer,
                                                                                      locale: str) -> None:
    name = "Organisation " + "W" * 187
    entities = [Entity(id=n, name=name, name_key=str(n), sector="other", created_at=datetime(2026, 1, 1))
                for n in range(1, SHOWN + 1)]
    pledges = [(Pledge(id=n, ref=f"P2C-2026-{n:05d}", entity_id=n, title="T" * 200, description="", focus_area="",
                       pledge_type="", submitted_at=datetime(2026, 1, 1)), entities[0]) for n in range(1, SHOWN + 1)]
    reports = [(ProgressReport(id=n, pledge_id=n, period="2026-Q3", status="", steps_taken="",
                               created_at=datetime(2026, 1, 1)), pledges[0][0]) for n in range(1, SHOWN + 1)]
    returned = [(pledge, entity, ASKED) for pledge, entity in pledges]
    message = pending_reply(Oldest(12_345, entities), Oldest(23_456, pledges), Oldest(1_001, reports),
                            Oldest(4_321, returned))
    rendered = renderer.reply(message, locale)
    assert visible_length(rendered.text) <= TEXT_LIMIT
    assert "…" not in rendered.text[-5:]
    assert len(rendered.buttons) == 3 * SHOWN + 3  # none for the pledges waiting for their organisations
