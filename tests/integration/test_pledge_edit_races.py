"""A pledge returned for changes, edited by two focal points of one organisation at once: the second one's changes
are never thrown away unseen (they are reopened on the pledge as it is now, or listed to send with /ask, with who did
what and when); /pledge names an edit in progress and a new pledge says what it deletes; /pledge during an
organisation's registration says the registration is in progress."""

from __future__ import annotations

from datetime import timedelta

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_pledges import fill_pledge

from bot.i18n import Renderer
from handlers import drafts
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from handlers.forms.base import FormState
from handlers.messages import Reply, Text
from handlers.pledges.notices import RESUBMITTED
from handlers.pledges.service import EDITED_VERSION, EDITING, NOT_A_FOCAL_POINT
from models.clock import utcnow
from models.database import Database
from models.tables import AuditLog, Contact, Draft, Pledge
from models.values import LANGUAGES, PledgeStatus, Role

STAFF, LUCIA, JORGE = 9500, 9501, 9502
OLD_TITLE, NEW_TITLE = "Connect 500 rural schools", "Connect 500 rural schools and train their teachers"


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff, and Lucía and Jorge, focal points of one validated organisation."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    for telegram_id, name in ((LUCIA, "Lucía Gómez"), (JORGE, "Jorge Pérez")):
        command = CreateInvite("Ministry of ICT", Role.focal_point, country_iso3="SEN")
        token, _, _ = await invite(command, database.uow(), utcnow())
        person = driver.person(telegram_id, name.split()[0])
        await driver.send(person, f"/start {token}")
        await driver.press(person, "f:consent:c:yes")
        await driver.send(person, name)
    for telegram_id in (STAFF, LUCIA, JORGE):
        await driver.collect(telegram_id)
    return driver


async def returned_for_changes(chat: ChatDriver) -> int:
    """Lucía submits a pledge, BDT asks for changes, and both focal points open its edit at its summary."""
    await fill_pledge(chat, LUCIA)
    async with chat.database.uow() as uow:
        pledge_id = int((await uow.session.execute(select(Pledge.id))).scalar_one())
    await ask_for_changes(chat, pledge_id, 1)
    for telegram_id in (LUCIA, JORGE):
        summary = await chat.press(chat.person(telegram_id), f"mp:edit:{pledge_id}")
        assert "f:$sum:submit" in codes(summary[-1])
    return pledge_id


async def ask_for_changes(chat: ChatDriver, pledge_id: int, version: int) -> None:
    staff = chat.person(STAFF, "Bea")
    await chat.collect(STAFF)
    await chat.press(staff, f"pv:chg:{pledge_id}:{version}")
    await chat.send(staff, "Please give the value in dollars.")
    for telegram_id in (STAFF, LUCIA, JORGE):
        await chat.collect(telegram_id)


async def lucia_changes_the_value(chat: ChatDriver) -> None:
    lucia = chat.person(LUCIA)
    await chat.press(lucia, "f:$sum:edit:value_usd")
    await chat.send(lucia, "3 million")
    done = await chat.press(lucia, "f:$sum:submit")
    assert any("is submitted" in m.text for m in done)
    await chat.collect(JORGE)


async def jorge_changes_the_title(chat: ChatDriver) -> list[str]:
    jorge = chat.person(JORGE)
    await chat.press(jorge, "f:$sum:edit:title")
    await chat.send(jorge, NEW_TITLE)
    return [m.text for m in await chat.press(jorge, "f:$sum:submit")]


async def pledge_of(database: Database, pledge_id: int) -> Pledge:
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        return pledge


async def resubmissions(database: Database) -> list[AuditLog]:
    async with database.uow() as uow:
        rows = await uow.session.execute(select(AuditLog).where(col(AuditLog.action) == RESUBMITTED)
                                         .order_by(col(AuditLog.id)))
        return list(rows.scalars())


async def test_an_edit_sent_after_a_colleagues_says_who_sent_what_and_lists_the_changes_kept(
        chat: ChatDriver, database: Database) -> None:
    pledge_id = await returned_for_changes(chat)
    await lucia_changes_the_value(chat)
    staff_before = len(await chat.collect(STAFF))
    answer = await jorge_changes_the_title(chat)
    said = "\n".join(answer)
    ref = (await pledge_of(database, pledge_id)).ref
    assert f"Lucía Gómez sent changes to {ref} on " in said and "waits for BDT's decision" in said
    assert "Your changes were not sent" in said and "/ask" in said
    changes = said.split("still needed:")[1]
    assert f"<b>Title</b>: {OLD_TITLE} → {NEW_TITLE}" in changes and "Value" not in changes  # his, not hers
    assert "can no longer be edited" not in said
    pledge = await pledge_of(database, pledge_id)
    assert (pledge.status, pledge.version, pledge.title, int(pledge.value_usd or 0)) == (
        PledgeStatus.submitted, 2, OLD_TITLE, 3_000_000)
    assert len(await resubmissions(database)) == 1 and staff_before > 0
    assert await chat.collect(STAFF) == []  # nothing of Jorge's went to staff


async def test_an_edit_sent_after_a_colleague_withdrew_the_pledge_says_so_and_keeps_the_changes(
        chat: ChatDriver, database: Database) -> None:
    pledge_id = await returned_for_changes(chat)
    lucia = chat.person(LUCIA)
    await chat.send(lucia, "/cancel")
    await chat.press(lucia, "f:$cancel:yes")
    asked = await pledge_of(database, pledge_id)
    await chat.press(lucia, f"mp:wdy:{pledge_id}:{asked.version}:{asked.status}")
    said = "\n".join(await jorge_changes_the_title(chat))
    ref = (await pledge_of(database, pledge_id)).ref
    assert f"Lucía Gómez withdrew {ref} on " in said
    assert f"<b>Title</b>: {OLD_TITLE} → {NEW_TITLE}" in said.split("still needed:")[1]
    assert (await pledge_of(database, pledge_id)).status == PledgeStatus.withdrawn


async def test_an_edit_sent_after_bdt_validated_a_colleagues_version_says_so(chat: ChatDriver,
                                                                            database: Database) -> None:
    pledge_id = await returned_for_changes(chat)
    await lucia_changes_the_value(chat)
    await chat.collect(STAFF)
    await chat.press(chat.person(STAFF, "Bea"), f"pv:ok:{pledge_id}:2")
    await chat.collect(JORGE)
    said = "\n".join(await jorge_changes_the_title(chat))
    ref = (await pledge_of(database, pledge_id)).ref
    assert f"BDT validated {ref} on " in said and NEW_TITLE in said.split("still needed:")[1]
    assert (await pledge_of(database, pledge_id)).title == OLD_TITLE


async def test_an_edit_sent_after_bdt_asked_again_is_reopened_with_the_colleagues_changes_and_its_own(
        chat: ChatDriver, database: Database) -> None:
    pledge_id = await returned_for_changes(chat)
    await lucia_changes_the_value(chat)
    await ask_for_changes(chat, pledge_id, 2)
    answer = await jorge_changes_the_title(chat)
    said = "\n".join(m for m in answer)
    assert "Lucía Gómez sent changes to " in said and "asked for changes again" in said
    assert "with your changes applied" in said
    summary = answer[-1]
    assert NEW_TITLE in summary and "3,000,000" in summary  # his title on her value: neither is lost
    pledge = await pledge_of(database, pledge_id)
    assert (pledge.status, pledge.version, pledge.title) == (PledgeStatus.changes_requested, 2, OLD_TITLE)
    await chat.collect(STAFF)
    await chat.press(chat.person(JORGE), "f:$sum:submit")
    pledge = await pledge_of(database, pledge_id)
    assert (pledge.status, pledge.version, pledge.title, int(pledge.value_usd or 0)) == (
        PledgeStatus.submitted, 3, NEW_TITLE, 3_000_000)
    audited = await resubmissions(database)
    assert [set(row.details["before"]) for row in audited] == [{"value_usd"}, {"title"}]
    staff = "\n".join(m.text for m in await chat.collect(STAFF))
    changed = staff.split("Changed since the request for changes:")[1]
    assert "<b>Title</b>" in changed and "Value" not in changed.split("pv:")[0].split("\n\n")[0]


async def test_an_edit_opened_before_a_colleagues_resubmission_committed_is_told_by_version_not_by_clock(
        chat: ChatDriver, database: Database) -> None:
    """Lucía's resubmission is audited at T but commits later (or on an instance whose clock is behind): Jorge's edit,
    opened on the old version, is dated after her audit row. His submit still sees her version and undoes nothing."""
    pledge_id = await returned_for_changes(chat)
    await lucia_changes_the_value(chat)
    await ask_for_changes(chat, pledge_id, 2)
    (hers,) = await resubmissions(database)
    async with database.uow() as uow:
        jorge = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == JORGE))).scalar_one()
        draft = (await uow.session.execute(select(Draft).where(col(Draft.contact_id) == jorge.id))).scalar_one()
        draft.created_at = hers.at + timedelta(seconds=1)  # opened "after" her audit row, on the version before it
        uow.session.add(draft)
        await uow.commit()
    answer = await jorge_changes_the_title(chat)
    said = "\n".join(answer)
    assert "Lucía Gómez sent changes to " in said and "with your changes applied" in said
    assert NEW_TITLE in answer[-1] and "3,000,000" in answer[-1]
    pledge = await pledge_of(database, pledge_id)
    assert (pledge.version, pledge.title, int(pledge.value_usd or 0)) == (2, OLD_TITLE, 3_000_000)
    await chat.collect(STAFF)
    await chat.press(chat.person(JORGE), "f:$sum:submit")
    pledge = await pledge_of(database, pledge_id)
    assert (pledge.status, pledge.version, pledge.title, int(pledge.value_usd or 0)) == (
        PledgeStatus.submitted, 3, NEW_TITLE, 3_000_000)  # her value is not undone
    assert [set(row.details["before"]) for row in await resubmissions(database)] == [{"value_usd"}, {"title"}]
    changed = "\n".join(m.text for m in await chat.collect(STAFF)).split("Changed since the request for changes:")[1]
    assert "<b>Title</b>" in changed and "Value" not in changed.split("pv:")[0].split("\n\n")[0]  # not his


async def test_an_edit_saved_before_drafts_recorded_their_version_is_still_told_by_its_date(
        chat: ChatDriver, database: Database) -> None:
    pledge_id = await returned_for_changes(chat)
    await lucia_changes_the_value(chat)
    async with database.uow() as uow:
        jorge = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == JORGE))).scalar_one()
        draft = (await uow.session.execute(select(Draft).where(col(Draft.contact_id) == jorge.id))).scalar_one()
        answers = {key: value for key, value in draft.state["answers"].items() if key != EDITED_VERSION}
        assert answers != draft.state["answers"]
        draft.state = {**draft.state, "answers": answers}
        uow.session.add(draft)
        await uow.commit()
    said = "\n".join(await jorge_changes_the_title(chat))
    assert "Lucía Gómez sent changes to " in said and "Your changes were not sent" in said
    changes = said.split("still needed:")[1]
    assert f"<b>Title</b>: {OLD_TITLE} → {NEW_TITLE}" in changes and "Value" not in changes
    assert (await pledge_of(database, pledge_id)).title == OLD_TITLE


async def test_an_edit_with_no_race_is_resubmitted_as_before(chat: ChatDriver, database: Database) -> None:
    pledge_id = await returned_for_changes(chat)
    said = "\n".join(await jorge_changes_the_title(chat))
    assert "Your pledge is submitted with the reference" in said
    pledge = await pledge_of(database, pledge_id)
    assert (pledge.status, pledge.version, pledge.title) == (PledgeStatus.submitted, 2, NEW_TITLE)
    assert [row.details["before"] for row in await resubmissions(database)] == [{"title": OLD_TITLE}]


async def test_pledge_during_an_edit_names_it_and_a_new_pledge_says_what_it_deletes(chat: ChatDriver,
                                                                                 database: Database) -> None:
    pledge_id = await returned_for_changes(chat)
    ref = (await pledge_of(database, pledge_id)).ref
    jorge = chat.person(JORGE)
    await chat.press(jorge, "f:$sum:edit:title")
    await chat.send(jorge, NEW_TITLE)
    offer = await chat.send(jorge, "/pledge")
    assert f"changes to {ref}" in offer[-1].text and "deletes those changes" in offer[-1].text
    labels = [label for row in offer[-1].buttons for label, _ in row]
    assert "🗑 Delete them and start a new pledge" in labels and "🔄 Start over" not in labels
    resumed = await chat.press(jorge, "pl:resume")
    assert NEW_TITLE in resumed[-1].text  # continuing keeps the changes
    offer = await chat.send(jorge, "/pledge")
    restarted = await chat.press(jorge, codes(offer[-1])[1])
    assert f"Your changes to {ref} are deleted" in restarted[0].text
    assert "Question 1" in restarted[-1].text
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == JORGE))).scalar_one()
        assert contact.id is not None
        draft = await drafts.find_draft(uow.session, contact.id, "pledge")
        assert draft is not None and EDITING not in FormState.from_json(draft.state).answers


async def test_an_old_start_over_button_during_an_edit_names_it(chat: ChatDriver, database: Database) -> None:
    pledge_id = await returned_for_changes(chat)
    ref = (await pledge_of(database, pledge_id)).ref
    jorge = chat.person(JORGE)
    offer = await chat.send(jorge, "/pledge")
    await chat.press(jorge, "pl:resume")
    await chat.press(jorge, "f:$sum:edit:title")
    await chat.send(jorge, NEW_TITLE)  # the draft moved on since the offer
    again = await chat.press(jorge, codes(offer[-1])[1])
    assert f"Delete your changes to {ref}" in again[0].text
    assert "Start over" not in again[0].text  # the button pressed was "Delete them and start a new pledge"
    assert (await pledge_of(database, pledge_id)).status == PledgeStatus.changes_requested


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
async def test_pledge_during_registration_says_it_is_in_progress(chat: ChatDriver, locale: str,
                                                                 renderer: Renderer) -> None:
    person = chat.person(9600, "Ana", locale)
    await chat.send(person, "/start")
    question = (await chat.press(person, "f:consent:c:yes"))[-1].text.split("\n\n")[-1]
    answers = await chat.send(person, "/pledge")
    confusing = renderer.reply(Reply((Text(NOT_A_FOCAL_POINT[None]),)), locale).text
    assert confusing not in answers[0].text
    if locale == "en":
        assert answers[0].text.startswith("Your organisation's registration is in progress.")
    assert question in answers[-1].text  # its question comes back at once, to continue
    welcome = await chat.send(person, "/start")  # what the note says takes them back
    assert question in welcome[-1].text
