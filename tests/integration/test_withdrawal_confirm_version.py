"""Regression: "Yes, withdraw" carried only the pledge's id, so a pledge changed between the question and the press
(BDT validated it, a colleague resubmitted changes) was withdrawn all the same; and the organisation's coordinators,
told when BDT validates one of its pledges, were not told when a focal point withdrew one. The button now names the
version and status asked about: pressed on another, it withdraws nothing, says so and asks again; a bare one, sent
before, asks again; a malformed one crashes nothing. On both backends."""

from __future__ import annotations

from datetime import date

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from handlers.inputs import Person
from models.clock import utcnow
from models.database import Database
from models.tables import AuditLog, Contact, Outbox, Pledge
from models.values import PledgeStatus, Role

STAFF, LUCIA, IVAN, CORA, OTTO = 9801, 9802, 9803, 9804, 9805
PEOPLE = {LUCIA: ("Lucia Mamani", "Conecta Andes", Role.focal_point),
          IVAN: ("Ivan Petrov", "Conecta Andes", Role.focal_point),
          CORA: ("Cora Vargas", "Conecta Andes", Role.coordinator),
          OTTO: ("Otto Berg", "Nordic Links", Role.coordinator)}
REF = "P2C-2026-00001"
CHANGED = f"{REF} changed since you were asked"


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff; Lucía and Ivan, focal points of Conecta Andes, and Cora, its coordinator; Otto, another's."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    for telegram_id, (name, entity, role) in PEOPLE.items():
        token, _, _ = await invite(CreateInvite(entity, role, country_iso3="BOL"), database.uow(), utcnow())
        person = someone(driver, telegram_id)
        await driver.send(person, f"/start {token}")
        await driver.press(person, "f:consent:c:yes")
        await driver.send(person, name)
    for telegram_id in (STAFF, *PEOPLE):
        await driver.collect(telegram_id)
    return driver


def someone(chat: ChatDriver, telegram_id: int) -> Person:
    return chat.person(telegram_id, PEOPLE[telegram_id][0].split()[0], "en")


async def add_pledge(database: Database, status: PledgeStatus) -> int:
    """A pledge of Conecta Andes, submitted by Lucía, in `status` (version 1)."""
    async with database.uow() as uow:
        lucia = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == LUCIA))).scalar_one()
        assert lucia.entity_id is not None
        pledge = Pledge(ref=REF, entity_id=lucia.entity_id, created_by=lucia.id, title="Escuelas conectadas",
                        description="Conectar 300 escuelas rurales.", focus_area="access", pillars=["infrastructure"],
                        pledge_type="programmatic", countries=["BOL"], start_date=date(2026, 1, 1),
                        end_date=date(2030, 12, 31), status=status, submitted_at=utcnow())
        uow.session.add(pledge)
        await uow.commit()
        assert pledge.id is not None
        return pledge.id


async def pledge_of(database: Database, pledge_id: int) -> Pledge:
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        return pledge


async def withdrawals(database: Database) -> int:
    async with database.uow() as uow:
        rows = await uow.session.execute(select(AuditLog).where(col(AuditLog.action) == "pledge.withdrawn"))
        return len(rows.scalars().all())


def yes_withdraw(message_codes: list[str]) -> str:
    """The "Yes, withdraw" code of a confirmation question."""
    found = [code for code in message_codes if code.startswith("mp:wdy:")]
    assert len(found) == 1, message_codes
    return found[0]


async def test_yes_withdraw_pressed_after_bdt_validated_it_withdraws_nothing_and_asks_again(
        chat: ChatDriver, database: Database) -> None:
    pledge_id = await add_pledge(database, PledgeStatus.submitted)
    lucia = someone(chat, LUCIA)
    asked = await chat.press(lucia, f"mp:wd:{pledge_id}")
    code = yes_withdraw(codes(asked[0]))
    assert code == f"mp:wdy:{pledge_id}:1:submitted"
    await chat.press(chat.person(STAFF, "Bea"), f"pv:ok:{pledge_id}:1")  # BDT validates it meanwhile
    await chat.collect(LUCIA)
    answer = await chat.press(lucia, code)
    assert len(answer) == 1 and CHANGED in answer[0].text and "“validated”" in answer[0].text, answer[0].text
    assert (await pledge_of(database, pledge_id)).status == PledgeStatus.validated
    assert await withdrawals(database) == 0
    fresh = yes_withdraw(codes(answer[0]))
    assert fresh == f"mp:wdy:{pledge_id}:1:validated" and f"mp:open:{pledge_id}" in codes(answer[0])
    done = await chat.press(lucia, fresh)  # confirmed as it is now: withdrawn
    assert f"{REF} is withdrawn." in done[0].text
    assert (await pledge_of(database, pledge_id)).status == PledgeStatus.withdrawn


async def test_yes_withdraw_pressed_after_a_colleagues_resubmission_withdraws_nothing_and_asks_again(
        chat: ChatDriver, database: Database) -> None:
    pledge_id = await add_pledge(database, PledgeStatus.changes_requested)
    lucia = someone(chat, LUCIA)
    code = yes_withdraw(codes((await chat.press(lucia, f"mp:wd:{pledge_id}"))[0]))
    async with database.uow() as uow:  # Ivan sends the changes BDT asked for: version 2, with BDT again
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        pledge.status, pledge.version = PledgeStatus.submitted, 2
        await uow.commit()
    answer = await chat.press(lucia, code)
    assert CHANGED in answer[0].text and "“submitted, awaiting validation”" in answer[0].text, answer[0].text
    assert yes_withdraw(codes(answer[0])) == f"mp:wdy:{pledge_id}:2:submitted"
    pledge = await pledge_of(database, pledge_id)
    assert (pledge.status, pledge.version) == (PledgeStatus.submitted, 2)
    assert await withdrawals(database) == 0


async def test_yes_withdraw_pressed_after_a_colleague_withdrew_it_says_who(chat: ChatDriver,
                                                                          database: Database) -> None:
    pledge_id = await add_pledge(database, PledgeStatus.validated)
    lucia, ivan = someone(chat, LUCIA), someone(chat, IVAN)
    theirs = yes_withdraw(codes((await chat.press(ivan, f"mp:wd:{pledge_id}"))[0]))
    await chat.press(lucia, yes_withdraw(codes((await chat.press(lucia, f"mp:wd:{pledge_id}"))[0])))
    await chat.collect(IVAN)
    late = await chat.press(ivan, theirs)
    assert len(late) == 1 and "Lucia Mamani withdrew" in late[0].text and not codes(late[0]), late[0].text
    assert await withdrawals(database) == 1


async def test_a_yes_withdraw_sent_before_it_named_the_version_asks_again(chat: ChatDriver,
                                                                         database: Database) -> None:
    pledge_id = await add_pledge(database, PledgeStatus.validated)
    answer = await chat.press(someone(chat, LUCIA), f"mp:wdy:{pledge_id}")
    assert len(answer) == 1 and f"Withdraw {REF}?" in answer[0].text, answer[0].text
    assert yes_withdraw(codes(answer[0])) == f"mp:wdy:{pledge_id}:1:validated"
    assert (await pledge_of(database, pledge_id)).status == PledgeStatus.validated


@pytest.mark.parametrize("tail", [":1:Validated", ":1:bogus", ":1:draft$"])
async def test_a_yes_withdraw_naming_no_status_asks_again(chat: ChatDriver, database: Database, tail: str) -> None:
    pledge_id = await add_pledge(database, PledgeStatus.validated)
    answer = await chat.press(someone(chat, LUCIA), f"mp:wdy:{pledge_id}{tail}")
    assert len(answer) == 1 and f"Withdraw {REF}?" in answer[0].text, answer[0].text
    assert (await pledge_of(database, pledge_id)).status == PledgeStatus.validated


@pytest.mark.parametrize("tail", [":0:validated", ":01:validated", ":x:validated", ":-1:validated", ":1:", ":1",
                                  ":1:validated:1", ":2147483648:validated", ":99999999999999:validated",
                                  ":1:validated ", ":１:validated", ":1:" + "v" * 40])
async def test_a_malformed_yes_withdraw_is_refused(chat: ChatDriver, database: Database, tail: str) -> None:
    pledge_id = await add_pledge(database, PledgeStatus.validated)
    answer = await chat.press(someone(chat, LUCIA), f"mp:wdy:{pledge_id}{tail}")
    assert len(answer) == 1 and "That button is no longer valid." in answer[0].text, answer[0].text
    assert (await pledge_of(database, pledge_id)).status == PledgeStatus.validated


async def test_the_organisations_coordinators_are_told_of_a_withdrawal(chat: ChatDriver, database: Database) -> None:
    pledge_id = await add_pledge(database, PledgeStatus.validated)
    lucia = someone(chat, LUCIA)
    await chat.press(lucia, yes_withdraw(codes((await chat.press(lucia, f"mp:wd:{pledge_id}"))[0])))
    told = await chat.collect(CORA)
    assert len(told) == 1, [m.text for m in told]
    assert "Lucia Mamani withdrew" in told[0].text and REF in told[0].text and "Escuelas conectadas" in told[0].text
    assert await chat.collect(OTTO) == []  # another organisation's coordinator
    assert len(await chat.collect(IVAN)) == 1  # once, as a colleague
    async with database.uow() as uow:
        cora = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == CORA))).scalar_one()
        keys = (await uow.session.execute(select(Outbox.key).where(col(Outbox.key).startswith(
            "withdrawn-coordinator:")))).scalars().all()
    assert keys == [f"withdrawn-coordinator:{pledge_id}:{cora.id}"]
