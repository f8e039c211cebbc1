"""A staff notification shown again (/pending, /find, a decision on a version since changed) is a copy like those every
staff member was sent: once someone decided, it loses its decision buttons and says who decided and when, the copy
that was pressed included (tester t2, F1)."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_pledges import fill_pledge, focal_point

from bot.i18n import Rendered, Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from handlers.messages import reply_from_json
from models.clock import utcnow
from models.database import Database
from models.tables import Entity, Outbox, Pledge, ProgressReport
from models.values import EntityStatus, Role

BEA, CARL, FOCAL, STRANGER = 9501, 9502, 9503, 9504


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Two staff members and a focal point of a validated organisation."""
    driver = ChatDriver(database, deps, renderer)
    for telegram_id, name in ((BEA, "Bea"), (CARL, "Carl")):
        await grant_role(GrantRole(telegram_id, Role.staff), database.uow(), utcnow())
        await driver.send(driver.person(telegram_id, name), "/help")
    await focal_point(driver, FOCAL, "Ministry of ICT")
    for telegram_id in (BEA, CARL, FOCAL):
        await driver.collect(telegram_id)
    return driver


async def submitted(chat: ChatDriver) -> int:
    await fill_pledge(chat, FOCAL)
    for telegram_id in (BEA, CARL, FOCAL):
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


def shown(chat: ChatDriver, answers: list[Rendered], code: str) -> int:
    """The id of the message among `answers` (the last collect's) that has the button `code`."""
    index = next(i for i, message in enumerate(answers) if code in codes(message))
    return chat.sent_ids[index]


async def closing_of(chat: ChatDriver, telegram_id: int, message_id: int) -> Rendered | None:
    """The last edit written for a message of this chat, rendered in English (None: it was never edited)."""
    async with chat.database.uow() as uow:
        key = (await uow.session.execute(select(Outbox.key).where(
            col(Outbox.chat_id) == telegram_id, col(Outbox.telegram_message_id) == message_id))).scalar_one()
        edits = [row for row in (await uow.session.execute(select(Outbox).order_by(col(Outbox.id)))).scalars()
                 if row.payload.get("edit_of") == key]
    return chat.renderer.reply(reply_from_json(edits[-1].payload["reply"]), "en") if edits else None


async def test_a_pledge_notice_opened_from_pending_is_closed_with_the_others(chat: ChatDriver) -> None:
    pledge_id = await submitted(chat)
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    decide = f"pv:ok:{pledge_id}:1"
    beas = shown(chat, await chat.press(bea, f"pn:pl:{pledge_id}"), decide)
    carls = shown(chat, await chat.press(carl, f"pn:pl:{pledge_id}"), decide)
    await chat.press(carl, decide, on=carls)  # pressed on the copy /pending showed
    for telegram_id, message_id in ((BEA, beas), (CARL, carls)):
        closed = await closing_of(chat, telegram_id, message_id)
        assert closed is not None, f"the /pending copy of {telegram_id} keeps its buttons"
        assert "✅ Validated by Carl on " in closed.text and not any(c.startswith("pv:") for c in codes(closed))


async def test_an_organisation_opened_from_pending_is_closed_with_the_others(chat: ChatDriver,
                                                                            database: Database) -> None:
    async with database.uow() as uow:
        entity = Entity(name="Office of Rural Connectivity", name_key="office of rural connectivity",
                        sector="government", status=EntityStatus.pending)
        uow.session.add(entity)
        await uow.session.flush()
        entity_id = int(entity.id or 0)
        await uow.commit()
    carl = chat.person(CARL, "Carl")
    copy = shown(chat, await chat.press(carl, f"pn:ent:{entity_id}"), f"ent:ok:{entity_id}")
    await chat.press(chat.person(BEA, "Bea"), f"ent:ok:{entity_id}")
    closed = await closing_of(chat, CARL, copy)
    assert closed is not None and "✅ Validated by Bea on " in closed.text and not codes(closed)


async def test_a_report_opened_from_pending_loses_its_buttons_once_acknowledged_on_it(chat: ChatDriver,
                                                                                     database: Database) -> None:
    pledge_id = await submitted(chat)
    await chat.press(chat.person(BEA, "Bea"), f"pv:ok:{pledge_id}:1")
    async with database.uow() as uow:
        report = ProgressReport(pledge_id=pledge_id, period="2025", status="in_progress",
                                steps_taken="We connected 120 schools in Kolda.")
        uow.session.add(report)
        await uow.session.flush()
        report_id = int(report.id or 0)
        await uow.commit()
    carl = chat.person(CARL, "Carl")
    copy = shown(chat, await chat.press(carl, f"pn:rs:{report_id}"), f"rs:ack:{report_id}:1")
    await chat.press(carl, f"rs:ack:{report_id}", on=copy)
    closed = await closing_of(chat, CARL, copy)
    assert closed is not None and "✅ Acknowledged by Carl on " in closed.text
    assert not any(code.startswith("rs:") for code in codes(closed))


async def test_a_pledge_found_by_its_reference_loses_its_decision_buttons_once_decided(chat: ChatDriver) -> None:
    pledge_id = await submitted(chat)
    carl = chat.person(CARL, "Carl")
    found = await chat.send(carl, f"/find P2C-{utcnow().year}-{pledge_id:05d}")
    copy = shown(chat, found, f"pv:ok:{pledge_id}:1")
    await chat.press(chat.person(BEA, "Bea"), f"pv:rej:{pledge_id}:1")
    await chat.send(chat.person(BEA, "Bea"), "Not within the coalition's aims.")
    closed = await closing_of(chat, CARL, copy)
    assert closed is not None and "❌ Rejected by Bea on " in closed.text
    assert not any(code.startswith("pv:") for code in codes(closed))


async def test_the_new_version_shown_to_a_late_decision_is_closed_with_the_others(chat: ChatDriver) -> None:
    pledge_id = await submitted(chat)
    await request_changes_and_resubmit(chat, pledge_id)
    await chat.collect(CARL)  # the notice of the new version, which they leave unread
    carl = chat.person(CARL, "Carl")
    late = await chat.press(carl, f"pv:ok:{pledge_id}:1")  # the version they saw was changed: the new one is shown
    copy = shown(chat, late, f"pv:ok:{pledge_id}:2")
    await chat.press(chat.person(BEA, "Bea"), f"pv:ok:{pledge_id}:2")
    closed = await closing_of(chat, CARL, copy)
    assert closed is not None and "✅ Validated by Bea on " in closed.text
    assert not any(code.startswith("pv:") for code in codes(closed))


async def test_the_question_to_validate_a_rejected_organisation_after_all_is_closed_by_a_colleague(
        chat: ChatDriver, database: Database) -> None:
    async with database.uow() as uow:
        entity = Entity(name="Office of Rural Connectivity", name_key="office of rural connectivity",
                        sector="government", status=EntityStatus.rejected)
        uow.session.add(entity)
        await uow.session.flush()
        entity_id = int(entity.id or 0)
        await uow.commit()
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    asked = shown(chat, await chat.press(carl, f"ent:ok:{entity_id}"), f"ent:re:{entity_id}")
    await chat.press(bea, f"ent:ok:{entity_id}")
    await chat.press(bea, f"ent:re:{entity_id}")  # Bea validates it after all first
    closed = await closing_of(chat, CARL, asked)
    assert closed is not None and "✅ Validated by Bea on " in closed.text and not codes(closed)


async def waiting_report(chat: ChatDriver, database: Database) -> int:
    """A report on a validated pledge, waiting for staff."""
    pledge_id = await submitted(chat)
    await chat.press(chat.person(BEA, "Bea"), f"pv:ok:{pledge_id}:1")
    async with database.uow() as uow:
        report = ProgressReport(pledge_id=pledge_id, period="2025", status="in_progress",
                                steps_taken="We connected 120 schools in Kolda.")
        uow.session.add(report)
        await uow.session.flush()
        report_id = int(report.id or 0)
        await uow.commit()
    return report_id


async def test_a_report_both_opened_from_pending_and_acknowledged_at_once_closes_both_copies(
        chat: ChatDriver, database: Database) -> None:
    """Tester t2, F6: each staff member opens the report from /pending and presses ✅; one applies, and neither copy
    keeps ✅ / 💬."""
    report_id = await waiting_report(chat, database)
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    beas = shown(chat, await chat.press(bea, f"pn:rs:{report_id}"), f"rs:ack:{report_id}:1")
    carls = shown(chat, await chat.press(carl, f"pn:rs:{report_id}"), f"rs:ack:{report_id}:1")
    await chat.press(bea, f"rs:ack:{report_id}", on=beas)
    late = await chat.press(carl, f"rs:ack:{report_id}", on=carls)
    assert "was already decided by Bea" in late[-1].text and not codes(late[-1]), late[-1].text
    for telegram_id, message_id in ((BEA, beas), (CARL, carls)):
        closed = await closing_of(chat, telegram_id, message_id)
        assert closed is not None, f"the /pending copy of {telegram_id} keeps its buttons"
        assert "✅ Acknowledged by Bea on " in closed.text and not any(c.startswith("rs:") for c in codes(closed))


async def test_the_acknowledge_offered_to_a_late_question_is_closed_once_the_report_is_acknowledged(
        chat: ChatDriver, database: Database) -> None:
    """Carl presses 💬 after Bea asked for a clarification: told so, with ✅ Acknowledge. Once Bea acknowledges the
    report, that button goes, as on every copy of the report's notice; it stayed, and said "already decided"."""
    report_id = await waiting_report(chat, database)
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    await chat.press(bea, f"rs:ask:{report_id}")
    await chat.send(bea, "How many of the schools are in Kolda?")
    late = await chat.press(carl, f"rs:ask:{report_id}")
    assert "Bea already asked for a clarification" in late[-1].text, late[-1].text
    offered = shown(chat, late, f"rs:ack:{report_id}:1")
    await chat.press(bea, f"rs:ack:{report_id}:1")
    closed = await closing_of(chat, CARL, offered)
    assert closed is not None, "the offer keeps ✅ Acknowledge"
    assert "✅ Acknowledged by Bea on " in closed.text and not any(c.startswith("rs:") for c in codes(closed))
