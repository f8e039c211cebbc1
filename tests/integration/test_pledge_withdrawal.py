"""Withdrawing a pledge among colleagues (es, ru, ar): the organisation's other focal points are told who withdrew
which pledge (not those who left or blocked the bot); a second "Yes, withdraw" says who withdrew it and when instead
of "can no longer be withdrawn"; staff are told the person's name; an edit button on a pledge waiting for BDT's
review says so and offers to withdraw it, instead of "can no longer be changed"; on both backends."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from chat_driver import ChatDriver, codes, confirm
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from handlers.inputs import Incoming, Person
from handlers.messages import Reply, Text
from handlers.router import handle
from models.clock import utcnow
from models.database import Database
from models.tables import AuditLog, Contact, Draft, Outbox, Pledge
from models.values import PledgeStatus, Role

STAFF, LUCIA, IVAN, OMAR, PEDRO, NINA = 9701, 9702, 9703, 9704, 9705, 9706
PEOPLE = {LUCIA: ("Lucía Mamani", "es"), IVAN: ("Иван Петров", "ru"), OMAR: ("عمر الفاروق", "ar"),
          PEDRO: ("Pedro Quispe", "en"), NINA: ("Nina Flores", "en")}
REF = "P2C-2026-00001"


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff, and five focal points of one Bolivian company: Lucía (es), Иван (ru), عمر (ar), Pedro and Nina."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    for telegram_id, (name, _) in PEOPLE.items():
        token, _, _ = await invite(CreateInvite("Conecta Andes", Role.focal_point, country_iso3="BOL"),
                                   database.uow(), utcnow())
        person = someone(driver, telegram_id)
        await driver.send(person, f"/start {token}")
        await driver.press(person, "f:consent:c:yes")
        await driver.send(person, name)
    for telegram_id in (STAFF, *PEOPLE):
        await driver.collect(telegram_id)
    return driver


def someone(chat: ChatDriver, telegram_id: int) -> Person:
    name, language = PEOPLE[telegram_id]
    return chat.person(telegram_id, name.split()[0], language)


async def add_pledge(database: Database, status: PledgeStatus) -> int:
    """A pledge of the company, submitted by Lucía, in `status`."""
    async with database.uow() as uow:
        lucia = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == LUCIA))).scalar_one()
        assert lucia.entity_id is not None
        pledge = Pledge(ref=REF, entity_id=lucia.entity_id, created_by=lucia.id, title="Escuelas conectadas",
                        description="Conectar 300 escuelas rurales.", focus_area="access", pillars=["infrastructure"],
                        pledge_type="programmatic", countries=["BOL"], start_date=date(2026, 1, 1),
                        end_date=date(2030, 12, 31), status=status, submitted_at=utcnow(),
                        validated_at=datetime(2026, 1, 5, tzinfo=UTC) if status != PledgeStatus.submitted else None)
        uow.session.add(pledge)
        await uow.commit()
        assert pledge.id is not None
        return pledge.id


def said(renderer: Renderer, msgid: str, language: str) -> str:
    """An existing message as its reader would read it in their language."""
    return renderer.reply(Reply((Text(msgid),)), language).text


async def test_the_other_focal_points_are_told_who_withdrew_which_pledge(chat: ChatDriver,
                                                                         database: Database) -> None:
    pledge_id = await add_pledge(database, PledgeStatus.validated)
    await chat.send(someone(chat, PEDRO), "/leave")
    await chat.press(someone(chat, PEDRO), confirm("lv:yes"))  # left the company: hears nothing of its pledges
    async with database.uow() as uow:
        nina = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == NINA))).scalar_one()
        nina.blocked = True  # blocked the bot
        await uow.commit()
    for telegram_id in PEOPLE:
        await chat.collect(telegram_id)
    lucia, ivan = someone(chat, LUCIA), someone(chat, IVAN)
    for person in (lucia, ivan):  # both have "Yes, withdraw" open
        asked = await chat.press(person, f"mp:wd:{pledge_id}")
        assert f"mp:wdy:{pledge_id}:1:validated" in codes(asked[0])
    done = await chat.press(lucia, f"mp:wdy:{pledge_id}:1:validated")
    assert len(done) == 1 and REF in done[0].text
    for telegram_id in (IVAN, OMAR):
        told = await chat.collect(telegram_id)
        assert len(told) == 1, (telegram_id, [m.text for m in told])
        assert "Lucía Mamani" in told[0].text and REF in told[0].text and "Escuelas conectadas" in told[0].text
    async with database.uow() as uow:
        keys = (await uow.session.execute(select(Outbox.key, Outbox.contact_id)
                                          .where(col(Outbox.key).startswith("withdrawn-told:")))).all()
        recipients = set((await uow.session.execute(
            select(Contact.telegram_id).where(col(Contact.id).in_([contact for _, contact in keys])))).scalars())
    assert recipients == {IVAN, OMAR}, recipients  # not Lucía herself, not Pedro who left, not Nina who blocked


async def test_a_second_withdrawal_says_who_withdrew_it_and_when(chat: ChatDriver, database: Database,
                                                                 renderer: Renderer) -> None:
    pledge_id = await add_pledge(database, PledgeStatus.validated)
    lucia, ivan = someone(chat, LUCIA), someone(chat, IVAN)
    await chat.press(ivan, f"mp:wd:{pledge_id}")
    await chat.press(lucia, f"mp:wdy:{pledge_id}:1:validated")
    await chat.collect(IVAN)  # the news that Lucía withdrew it
    late = await chat.press(ivan, f"mp:wdy:{pledge_id}:1:validated")
    assert len(late) == 1
    assert said(renderer, "This pledge can no longer be withdrawn.", "ru") not in late[0].text
    assert "Lucía Mamani" in late[0].text and REF in late[0].text, late[0].text
    again = await chat.press(lucia, f"mp:wd:{pledge_id}")  # an old card's 🗑 Withdraw: no question to confirm
    assert REF in again[0].text and "Lucía Mamani" not in again[0].text and not codes(again[0])
    async with database.uow() as uow:
        withdrawals = (await uow.session.execute(select(AuditLog).where(col(AuditLog.action) == "pledge.withdrawn")))
        assert len(withdrawals.scalars().all()) == 1


@pytest.mark.parametrize("status", [PledgeStatus.completed, PledgeStatus.rejected])
async def test_a_pledge_that_cannot_be_withdrawn_says_why(chat: ChatDriver, database: Database, renderer: Renderer,
                                                         status: PledgeStatus) -> None:
    pledge_id = await add_pledge(database, status)
    answer = await chat.press(someone(chat, IVAN), f"mp:wdy:{pledge_id}")
    assert said(renderer, "This pledge can no longer be withdrawn.", "ru") not in answer[0].text
    assert REF in answer[0].text


async def test_staff_are_told_who_withdrew_the_pledge(chat: ChatDriver, database: Database) -> None:
    pledge_id = await add_pledge(database, PledgeStatus.validated)
    await chat.press(someone(chat, LUCIA), f"mp:wdy:{pledge_id}:1:validated")
    notices = [m.text for m in await chat.collect(STAFF) if REF in m.text]
    assert len(notices) == 1 and f"Lucía Mamani (id {LUCIA})" in notices[0], notices


async def test_editing_a_pledge_waiting_for_review_says_it_waits_for_bdt(chat: ChatDriver, database: Database,
                                                                       renderer: Renderer) -> None:
    pledge_id = await add_pledge(database, PledgeStatus.submitted)
    answer = await chat.press(someone(chat, LUCIA), f"mp:edit:{pledge_id}")
    assert said(renderer, "This pledge can no longer be edited.", "es") not in answer[0].text
    assert REF in answer[0].text and f"mp:wd:{pledge_id}" in codes(answer[0]), answer[0].text
    asked = await chat.press(someone(chat, LUCIA), f"mp:wd:{pledge_id}")  # the button it offers asks to confirm
    assert f"mp:wdy:{pledge_id}:1:submitted" in codes(asked[0])


async def test_editing_a_validated_pledge_says_why_it_cannot_be_changed(chat: ChatDriver, database: Database,
                                                                        renderer: Renderer) -> None:
    pledge_id = await add_pledge(database, PledgeStatus.validated)
    answer = await chat.press(someone(chat, OMAR), f"mp:edit:{pledge_id}")
    assert said(renderer, "This pledge can no longer be edited.", "ar") not in answer[0].text
    assert REF in answer[0].text and "/ask" in answer[0].text


async def test_two_colleagues_withdrawing_at_once_withdraw_it_once(chat: ChatDriver, database: Database,
                                                                   deps: Deps) -> None:
    """Lucía and Иван press "Yes, withdraw" at the same moment on two instances: one withdrawal, one set of notices,
    and the other is told who withdrew it."""
    pledge_id = await add_pledge(database, PledgeStatus.validated)
    second = Database(database.url)
    try:
        await second.open_pool()
        presses = [Incoming(90_000 + n, someone(chat, who), utcnow(), code=f"mp:wdy:{pledge_id}:1:validated")
                   for n, who in enumerate((LUCIA, IVAN))]
        await asyncio.gather(handle(presses[0], database.uow(), deps), handle(presses[1], second.uow(), deps))
    finally:
        await second.dispose()
    async with database.uow() as uow:
        actors = (await uow.session.execute(select(Contact.telegram_id).join(
            AuditLog, col(AuditLog.actor_id) == col(Contact.id)).where(col(AuditLog.action) == "pledge.withdrawn")))
        winners = actors.scalars().all()
        staff = (await uow.session.execute(select(Outbox.key).where(col(Outbox.key).startswith("withdrawn:"))))
        assert len(winners) == 1 and len(staff.scalars().all()) == 1
    loser = IVAN if winners[0] == LUCIA else LUCIA
    assert len(await chat.collect(winners[0])) == 1  # "… is withdrawn."
    heard = [m.text for m in await chat.collect(loser)]  # who withdrew it: in answer to the press, and as news
    assert len(heard) == 2 and all(PEOPLE[winners[0]][0] in m and REF in m for m in heard), heard


async def test_a_report_in_progress_on_the_pledge_withdrawn_is_discarded_and_said(chat: ChatDriver,
                                                                                  database: Database) -> None:
    """A tester: Иван went on answering every question of his report on a pledge Lucía had withdrawn, told nothing
    of it, and lost it all at Submit; /report offered to continue it."""
    pledge_id = await add_pledge(database, PledgeStatus.validated)
    ivan = someone(chat, IVAN)
    await chat.send(ivan, "/report")
    await chat.press(ivan, "f:status:c:in_progress")
    lucia = someone(chat, LUCIA)
    await chat.send(lucia, "/report")  # her own report on it, left open while she withdraws it from /mypledges
    withdrawn = await chat.press(lucia, f"mp:wdy:{pledge_id}:1:validated")
    assert [m.text for m in withdrawn] == [
        "Se ha retirado el compromiso P2C-2026-00001.\n\nSe descartó el informe sobre P2C-2026-00001 que tenía en "
        "curso: ya no se aceptan informes sobre este compromiso."]  # and no question of it asked again
    (told,) = await chat.collect(IVAN)
    assert "Lucía Mamani" in told.text and "P2C-2026-00001" in told.text
    assert told.text.endswith("Ваш незаконченный отчёт по P2C-2026-00001 удалён: отчёты по этому обязательству "
                              "больше не принимаются.")
    (nina,) = await chat.collect(NINA)  # no report of hers: nothing said of one
    assert "отчёт" not in nina.text and "report" not in nina.text
    again = await chat.send(ivan, "/report")
    # nothing to continue (a review: this looked for the label's ▶️ in the codes, which are ASCII)
    assert "rp:resume" not in [code for message in again for code in codes(message)]
    assert not any("▶️" in label for message in again for row in message.buttons for label, _ in row)
    async with database.uow() as uow:
        left = (await uow.session.execute(select(Draft).where(col(Draft.form_id) == "report"))).scalars().all()
    assert left == []
