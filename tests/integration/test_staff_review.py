"""Staff review as staff live it (issue 14, items 8-10 and 14): a decision applies to the version shown, a
resubmission says what changed, every staff copy of a decided notification is closed, coordinators hear of
validations."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes, confirm
from sqlmodel import col, select
from test_pledges import fill_pledge, focal_point

from bot.i18n import Renderer
from handlers import outbox
from handlers.admin import CreateInvite, GrantRole, RevokeRole, grant_role, invite, revoke_role
from handlers.conversation import Deps
from handlers.messages import Code, reply_from_json, text
from handlers.pledges.review import CONFIRMATIONS
from handlers.reports.service import report_review_notice
from models.clock import utcnow
from models.database import Database
from models.tables import Contact, Entity, Outbox, Pledge, ProgressReport
from models.values import LANGUAGES, PledgeStatus, Role

BEA, CARL, FOCAL, COORDINATOR = 9301, 9302, 9303, 9304


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Two staff members, a focal point of a validated organisation, and a coordinator of it."""
    driver = ChatDriver(database, deps, renderer)
    for telegram_id, name in ((BEA, "Bea"), (CARL, "Carl")):
        await grant_role(GrantRole(telegram_id, Role.staff), database.uow(), utcnow())
        await driver.send(driver.person(telegram_id, name), "/help")
    await focal_point(driver, FOCAL, "Ministry of ICT")
    token, _, _ = await invite(CreateInvite("Ministry of ICT", Role.coordinator), database.uow(), utcnow())
    coordinator = driver.person(COORDINATOR, "Cora")
    await driver.send(coordinator, f"/start {token}")
    await driver.press(coordinator, "f:consent:c:yes")
    await driver.send(coordinator, "Cora Ordinator")
    for telegram_id in (BEA, CARL, FOCAL, COORDINATOR):
        await driver.collect(telegram_id)
    return driver


async def submitted(chat: ChatDriver) -> int:
    await fill_pledge(chat, FOCAL)
    for telegram_id in (BEA, CARL):
        await chat.collect(telegram_id)
    async with chat.database.uow() as uow:
        return int((await uow.session.execute(select(Pledge.id).order_by(col(Pledge.id).desc()))).scalars().first())


async def request_changes_and_resubmit(chat: ChatDriver, pledge_id: int) -> None:
    bea, focal = chat.person(BEA, "Bea"), chat.person(FOCAL)
    await chat.press(bea, f"pv:chg:{pledge_id}:1")
    await chat.send(bea, "Please say how many teachers you will train.")
    await chat.press(focal, f"mp:edit:{pledge_id}")
    await chat.press(focal, "f:$sum:edit:title")
    await chat.send(focal, "Connect 500 rural schools and train 2,000 teachers")
    await chat.press(focal, "f:$sum:submit")


async def test_the_edit_of_a_pledge_returned_for_changes_shows_bdt_s_comment(chat: ChatDriver) -> None:
    """Regression: the edit opened on the summary without BDT's comment, which the report's clarification shows."""
    pledge_id = await submitted(chat)
    bea, focal = chat.person(BEA, "Bea"), chat.person(FOCAL)
    await chat.press(bea, f"pv:chg:{pledge_id}:1")
    await chat.send(bea, "Please say how many teachers you will train.")
    await chat.collect(FOCAL)
    opened = await chat.press(focal, f"mp:edit:{pledge_id}")
    assert "<b>BDT's comment</b>: Please say how many teachers you will train." in opened[-1].text, opened[-1].text


async def test_validate_on_an_old_notification_shows_the_new_version_instead(chat: ChatDriver,
                                                                             database: Database) -> None:
    pledge_id = await submitted(chat)
    await request_changes_and_resubmit(chat, pledge_id)
    await chat.collect(CARL)
    answers = await chat.press(chat.person(CARL, "Carl"), f"pv:ok:{pledge_id}:1")  # the copy of version 1
    assert "changed since the version you saw" in answers[0].text
    # what changed is shown again with the new version, as when it was first sent
    assert "Changes requested: Please say how many teachers you will train." in answers[1].text
    assert "<b>Title</b>: Connect 500 rural schools → Connect 500 rural schools and train 2,000 teachers" in \
        answers[1].text.split("Changed since the request for changes:")[1]
    assert f"pv:ok:{pledge_id}:2" in codes(answers[2]) and "2,000 teachers" in answers[2].text
    legacy = await chat.press(chat.person(CARL, "Carl"), f"pv:ok:{pledge_id}")  # sent before codes had versions
    assert "changed since the version you saw" in legacy[0].text
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None and (pledge.status, pledge.version) == (PledgeStatus.submitted, 2)
    await chat.press(chat.person(CARL, "Carl"), f"pv:ok:{pledge_id}:2")
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None and pledge.status == PledgeStatus.validated


async def test_a_resubmission_says_what_changed_field_by_field(chat: ChatDriver) -> None:
    pledge_id = await submitted(chat)
    await request_changes_and_resubmit(chat, pledge_id)
    received = await chat.collect(CARL)
    card = next(i for i, m in enumerate(received) if f"pv:ok:{pledge_id}:2" in codes(m))
    notice = received[card - 1]  # the changes come just before the notice of the new version
    assert "Changes requested: Please say how many teachers you will train." in notice.text
    changed = notice.text.split("Changed since the request for changes:")[1]
    assert "<b>Title</b>: Connect 500 rural schools → Connect 500 rural schools and train 2,000 teachers" in changed
    assert "Description" not in changed and "Countries" not in changed


async def test_every_staff_copy_of_a_decided_notification_is_closed(chat: ChatDriver, database: Database,
                                                                    renderer: Renderer) -> None:
    pledge_id = await submitted(chat)
    await revoke_role(RevokeRole(CARL), database.uow())  # received it as staff: their copy is closed all the same
    answers = await chat.press(chat.person(BEA, "Bea"), f"pv:ok:{pledge_id}:1")
    assert any(m.text.startswith("Done: ") and "is validated" in m.text for m in answers)
    async with database.uow() as uow:
        edits = [row for row in (await uow.session.execute(select(Outbox))).scalars()
                 if str(row.payload.get("edit_of", "")).startswith("pledge:")]  # not the form's edits in place
    assert sorted(row.payload["edit_of"].rsplit(":", 1)[0] for row in edits) == [f"pledge:{pledge_id}:v1"] * 2
    said = sorted(renderer.reply(reply_from_json(row.payload["reply"]), "en").text for row in edits)
    # Carl, no longer staff, is not shown the notice as it now reads (test_revoked_staff_copies)
    assert said[0] == "(This notice is closed: you no longer have a BDT staff role.)", said
    assert "✅ Validated by Bea on " in said[1], said
    for row in edits:
        for locale in LANGUAGES:
            closed = renderer.reply(reply_from_json(row.payload["reply"]), locale)
            assert not any(code.startswith("pv:") for code in codes(closed))
    changes = await chat.press(chat.person(BEA, "Bea"), f"pv:chg:{pledge_id}:1")  # nothing left to decide
    assert "Bea already validated" in changes[0].text


async def test_the_staff_copies_of_a_forgotten_person_s_pledge_are_closed_on_a_decision(chat: ChatDriver,
                                                                                        database: Database,
                                                                                        renderer: Renderer) -> None:
    """QA: /forget deleted every outbox row naming the person, staff's copies of the notice of their pledge too, so a
    decision had nothing to close: each copy kept ✅ Validate and "Submitted by: Awa Diop". The copies already sent
    stay, emptied of the name, for the decision to close them, which names the submitter no more."""
    pledge_id = await submitted(chat)
    focal = chat.person(FOCAL)
    await chat.send(focal, "/forget")
    await chat.press(focal, confirm("me:forget:yes"))
    async with database.uow() as uow:
        rows = (await uow.session.execute(select(Outbox))).scalars().all()
    assert not any("Awa" in str(row.payload) for row in rows)
    emptied = [row for row in rows if row.payload.get("erased")]  # the copies sent: kept, for the decision's edits
    assert sorted(row.key.rsplit(":", 1)[0] for row in emptied) == [f"pledge:{pledge_id}:v1"] * 2
    # in staff's chats, the copies are edited into the notice as it now reads, still with its decision buttons
    shown_again = [row for row in rows if row.key.startswith("erased:")]
    assert sorted(row.payload["edit_of"] for row in shown_again) == sorted(row.key for row in emptied)
    for row in shown_again:
        notice = renderer.reply(reply_from_json(row.payload["reply"]), "en")
        assert "Connect 500" in notice.text and f"pv:ok:{pledge_id}:1" in codes(notice), notice.text
    answers = await chat.press(chat.person(BEA, "Bea"), f"pv:ok:{pledge_id}:1")
    assert any(m.text.startswith("Done: ") and "is validated" in m.text for m in answers)
    async with database.uow() as uow:
        edits = [row for row in (await uow.session.execute(select(Outbox))).scalars()
                 if str(row.payload.get("edit_of", "")).startswith("pledge:") and not row.key.startswith("erased:")]
    assert sorted(row.payload["edit_of"].rsplit(":", 1)[0] for row in edits) == [f"pledge:{pledge_id}:v1"] * 2
    for row in edits:
        closed = renderer.reply(reply_from_json(row.payload["reply"]), "en")
        assert "✅ Validated by Bea on " in closed.text and "Awa" not in closed.text
        assert not any(code.startswith("pv:") for code in codes(closed))


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
async def test_each_decision_is_confirmed_in_its_own_words(chat: ChatDriver, locale: str, renderer: Renderer) -> None:
    pledge_id = await submitted(chat)
    bea = chat.person(BEA, "Bea", language_code=locale)
    await chat.press(bea, f"pv:chg:{pledge_id}:1")
    answers = await chat.send(bea, "Please say how many teachers you will train.")
    ref = Code(f"P2C-{utcnow().year}-{pledge_id:05d}")
    expected = text(CONFIRMATIONS[PledgeStatus.changes_requested], ref=ref)
    assert answers[-1].text == renderer.label(expected, locale)
    assert "is now" not in renderer.label(expected, "en")  # no "is now changes requested": a message per decision
    if locale != "en":
        assert answers[-1].text != renderer.label(expected, "en")


async def test_coordinators_are_told_when_their_organisations_pledge_is_validated(chat: ChatDriver) -> None:
    pledge_id = await submitted(chat)
    await chat.press(chat.person(BEA, "Bea"), f"pv:ok:{pledge_id}:1")
    told = await chat.collect(COORDINATOR)
    assert any("was validated by BDT" in m.text and "/mypledges" in m.text for m in told)
    assert not any("/pledge " in m.text for m in told)



async def test_every_staff_copy_of_a_decided_organisation_is_closed(chat: ChatDriver, database: Database) -> None:
    stranger = chat.person(9305, "Awa")
    await chat.send(stranger, "/start")
    await chat.press(stranger, "f:consent:c:yes")
    await chat.send(stranger, "Office of Rural Connectivity")
    await chat.press(stranger, "f:sector:c:government")
    await chat.send(stranger, "Senegal")
    await chat.send(stranger, "Awa Sarr")
    await chat.press(stranger, "f:$sum:submit")
    notices = [m for m in await chat.collect(BEA) if "waiting for validation" in m.text]
    assert notices, "no notice"
    entity_code = next(code for code in codes(notices[0]) if code.startswith("ent:no:"))
    await chat.press(chat.person(CARL, "Carl"), entity_code)
    await chat.send(chat.person(CARL, "Carl"), "Not an organisation we know of.")
    async with database.uow() as uow:
        edits = [row for row in (await uow.session.execute(select(Outbox))).scalars()
                 if row.payload.get("edit_of", "").startswith("staff:entity:")]
    assert len(edits) == 2
    closed = [m for m in await chat.collect(BEA) if "❌ Rejected by Carl on " in m.text]
    assert closed and codes(closed[0]) == [entity_code.replace("ent:no:", "ent:ok:")] and "Awa Sarr" in closed[0].text


async def test_every_staff_copy_of_an_acknowledged_report_is_closed(chat: ChatDriver, database: Database) -> None:
    report_id = await report_notified(chat, database)
    await chat.press(chat.person(CARL, "Carl"), f"rs:ack:{report_id}")
    closed = [m for m in await chat.collect(BEA) if "✅ Acknowledged by Carl on " in m.text]
    assert closed and not any(code.startswith("rs:") for code in codes(closed[0]))


async def test_a_report_acknowledged_after_a_clarification_says_so_on_every_staff_copy(chat: ChatDriver,
                                                                                      database: Database) -> None:
    """A tester: acknowledged once the focal point had answered BDT's question, the report's notification still
    ended "💬 Clarification asked by Bea": the acknowledgement's edit had the key of the question's, and was never
    written. Staff scrolling back read the report as still open."""
    report_id = await report_notified(chat, database)
    bea = chat.person(BEA, "Bea")
    await chat.press(bea, f"rs:ask:{report_id}")
    await chat.send(bea, "How many schools are connected in Kolda?")
    assert any("💬 Clarification asked by Bea on " in m.text for m in await chat.collect(CARL))
    pressed = await chat.press(chat.person(CARL, "Carl"), f"rs:ack:{report_id}")
    carl = [m for m, edit in zip(pressed, chat.edited, strict=True) if edit]
    bea = [m for m, edit in zip(await chat.collect(BEA), chat.edited, strict=True) if edit]
    for edits in (bea, carl):
        closed = [m for m in edits if "✅ Acknowledged by Carl on " in m.text]
        assert closed and not any(code.startswith("rs:") for code in codes(closed[0])), [m.text for m in edits]


async def report_notified(chat: ChatDriver, database: Database) -> int:
    """A validated pledge's report for 2025, its notification sent to both staff members; the report's id."""
    pledge_id = await submitted(chat)
    await chat.press(chat.person(BEA, "Bea"), f"pv:ok:{pledge_id}:1")
    async with database.uow() as uow:
        report = ProgressReport(pledge_id=pledge_id, period="2025", status="in_progress",
                                steps_taken="We connected 120 schools in Kolda.")
        uow.session.add(report)
        await uow.session.flush()
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        entity = await uow.session.get(Entity, pledge.entity_id)
        assert entity is not None and report.id is not None
        for member in (await uow.session.execute(select(Contact).where(col(Contact.telegram_id).in_((BEA, CARL))))
                       ).scalars():
            await outbox.enqueue(uow.session, member, report_review_notice(report, pledge, entity, None),
                                 f"report:{report.id}:v1:{member.id}")
        report_id = report.id
        await uow.commit()
    for telegram_id in (BEA, CARL):
        await chat.collect(telegram_id)
    return report_id


async def test_a_pledge_withdrawn_while_waiting_closes_every_staff_copy(chat: ChatDriver) -> None:
    pledge_id = await submitted(chat)
    focal = chat.person(FOCAL)
    await chat.press(focal, f"mp:wd:{pledge_id}")
    await chat.press(focal, f"mp:wdy:{pledge_id}:1:submitted")
    for telegram_id in (BEA, CARL):
        closed = [m for m in await chat.collect(telegram_id) if f"↩️ Withdrawn by Awa Diop (id {FOCAL}) on " in m.text]
        assert closed and not any(code.startswith("pv:") for code in codes(closed[0]))
    late = await chat.press(chat.person(BEA, "Bea"), f"pv:ok:{pledge_id}:1")
    assert late[-1].text.startswith(f"Awa Diop (id {FOCAL}) withdrew P2C-"), late[-1].text  # which focal point


async def test_a_file_staff_send_on_its_own_says_how_to_send_it_with_an_answer(database: Database, deps: Deps,
                                                                               renderer: Renderer) -> None:
    """Tester (a staff day): a photo sent after an answer, not as a reply, got "I did not understand that." and the
    whole command list. Staff are told how a file goes with an answer."""
    chat = await ChatDriver.with_staff(database, deps, renderer, 9471)
    said = await chat.send_file(chat.person(9471, "Nadia"), "photo", "PHOTO-MODEL", caption="Modèle")
    assert len(said) == 1 and "reply to their question with it, or press ✍️ Answer" in said[0].text, said[0].text
