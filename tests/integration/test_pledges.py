"""The pledge journey through the services: register, review, list, withdraw, edit, refuse forged codes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import select

from bot.i18n import Renderer
from handlers import drafts
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from handlers.forms.base import FormState
from handlers.forms.formatting import format_date
from handlers.pledges.rules import derive_reach
from models.clock import utcnow
from models.database import Database
from models.tables import AuditLog, Contact, Draft, Pledge
from models.values import PledgeStatus, Role

pytestmark = pytest.mark.usefixtures("autumn_2026")  # a pledge from 2026, its report of 2026 due on 30 January 2027

STAFF = 9000


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def focal_point(chat: ChatDriver, telegram_id: int, entity: str = "Ministry of ICT",
                      language: str = "en") -> None:
    command = CreateInvite(entity, Role.focal_point, country_iso3="SEN")
    token, _, _ = await invite(command, chat.database.uow(), utcnow())
    person = chat.person(telegram_id, language_code=language)
    await chat.send(person, f"/start {token}")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, "Awa Diop")


PLEDGE_INPUTS = [
    ("text", "Connect 500 rural schools"),
    ("text", "We will connect 500 rural schools to broadband and train their teachers."),
    ("press", "f:focus_area:c:access"),
    ("press", "f:pillars:c:infrastructure"),
    ("press", "f:pillars:done"),
    ("press", "f:pledge_type:c:financial"),
    ("text", "2.5 million"),
    ("text", "Senegal"),
    ("press", "f:countries:c:LDC"),
    ("press", "f:countries:done"),
    ("press", "f:beneficiary_groups:c:schools"),
    ("press", "f:beneficiary_groups:done"),
    ("text", "500"),
    ("press", "f:target_unit:c:schools"),
    ("text", "31/12/2027"),
    ("text", "2026-01-01"),
    ("text", "2028-06-30"),
    ("press", "f:sdgs:skip"),
    ("press", "f:wsis_action_lines:skip"),
]


async def fill_pledge(chat: ChatDriver, telegram_id: int) -> list[str]:
    person = chat.person(telegram_id)
    answers = await chat.send(person, "/pledge")
    for kind, value in PLEDGE_INPUTS:
        answers = await chat.press(person, value) if kind == "press" else await chat.send(person, value)
        assert answers, value
    assert "f:$sum:submit" in codes(answers[-1]), answers[-1].text
    return [m.text for m in await chat.press(person, "f:$sum:submit")]


async def test_a_focal_point_registers_a_pledge_and_staff_validate(chat: ChatDriver, database: Database) -> None:
    await focal_point(chat, 1)
    confirmation = await fill_pledge(chat, 1)
    assert any("P2C-" in text for text in confirmation)
    async with database.uow() as uow:
        pledge = (await uow.session.execute(select(Pledge))).scalar_one()
        assert pledge.status == PledgeStatus.submitted
        assert pledge.value_usd == Decimal("2500000") and pledge.countries == ["SEN", "LDC"]
        assert pledge.targets_ldc and pledge.targets_lldc and pledge.targets_sids  # "all LDCs" include Mali, Haiti
        assert "africa" in pledge.itu_regions
        assert (pledge.target_value, pledge.target_unit, pledge.target_date) == (500, "schools", date(2027, 12, 31))
        assert pledge.ref == f"P2C-{utcnow().year}-{pledge.id:05d}"
        assert (await uow.session.execute(select(Draft))).first() is None
        assert (await uow.session.execute(select(AuditLog).where(AuditLog.action == "pledge.submitted"))).first()
        pledge_id = pledge.id
    staff_inbox = await chat.collect(STAFF)
    card = next(m for m in staff_inbox if "submitted for validation" in m.text)
    assert f"pv:ok:{pledge_id}:1" in codes(card)
    await chat.press(chat.person(STAFF), f"pv:ok:{pledge_id}")
    news = await chat.collect(1)
    assert any("validated" in m.text for m in news)
    listing = await chat.send(chat.person(1), "/mypledges")
    assert "next report due" in listing[0].text and "Connect 500 rural schools" in listing[0].text


async def test_changes_requested_then_edited_and_resubmitted(chat: ChatDriver, database: Database) -> None:
    await focal_point(chat, 2)
    await fill_pledge(chat, 2)
    staff = chat.person(STAFF)
    async with database.uow() as uow:
        pledge_id = (await uow.session.execute(select(Pledge.id))).scalar_one()
    await chat.press(staff, f"pv:chg:{pledge_id}")
    await chat.send(staff, "Please give the number of teachers trained as well.")
    news = await chat.collect(2)
    assert any("asks for changes" in m.text and "teachers trained" in m.text for m in news)
    person = chat.person(2)
    summary = await chat.press(person, f"mp:edit:{pledge_id}")
    assert "f:$sum:submit" in codes(summary[-1])
    await chat.press(person, "f:$sum:edit:title")
    await chat.send(person, "Connect 500 rural schools and train 2,000 teachers")
    await chat.press(person, "f:$sum:submit")
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None and pledge.status == PledgeStatus.submitted and pledge.version == 2
        assert pledge.title.endswith("2,000 teachers")


async def test_an_unchanged_resubmission_is_said_and_sent_only_when_submitted_again(chat: ChatDriver,
                                                                                   database: Database) -> None:
    """Staff tester: a focal point who pressed ✏️ Edit and ✅ Submit without changing anything resubmitted the same
    version, unasked, and staff reviewed it again. Told first; a second Submit sends it as it is."""
    await focal_point(chat, 2)
    await fill_pledge(chat, 2)
    async with database.uow() as uow:
        pledge_id = (await uow.session.execute(select(Pledge.id))).scalar_one()
    await chat.press(chat.person(STAFF), f"pv:chg:{pledge_id}:1")
    await chat.send(chat.person(STAFF), "Please give the number of teachers trained as well.")
    person = chat.person(2)
    await chat.press(person, f"mp:edit:{pledge_id}")
    told = await chat.press(person, "f:$sum:submit")
    said = "\n".join(m.text for m in told)
    assert "You changed nothing since BDT asked for changes." in said and "f:$sum:submit" in codes(told[-1])
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None and (pledge.status, pledge.version) == (PledgeStatus.changes_requested, 1)
    await chat.press(person, "f:$sum:submit")
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None and (pledge.status, pledge.version) == (PledgeStatus.submitted, 2)


async def test_forged_codes_on_another_entitys_pledge_are_refused(chat: ChatDriver, database: Database) -> None:
    await focal_point(chat, 3, "Entity A")
    await fill_pledge(chat, 3)
    await focal_point(chat, 4, "Entity B")
    async with database.uow() as uow:
        pledge_id = (await uow.session.execute(select(Pledge.id))).scalar_one()
    intruder = chat.person(4)
    for code in (f"mp:open:{pledge_id}", f"mp:wdy:{pledge_id}", f"mp:edit:{pledge_id}", f"pv:ok:{pledge_id}"):
        answers = await chat.press(intruder, code)
        assert "not allowed" in answers[0].text, code
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None and pledge.status == PledgeStatus.submitted
        denied = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "denied"))).scalars().all()
        assert len(denied) == 4


async def test_withdraw_asks_to_confirm(chat: ChatDriver, database: Database) -> None:
    await focal_point(chat, 5)
    await fill_pledge(chat, 5)
    async with database.uow() as uow:
        pledge_id = (await uow.session.execute(select(Pledge.id))).scalar_one()
    person = chat.person(5)
    confirm = await chat.press(person, f"mp:wd:{pledge_id}")
    assert f"mp:wdy:{pledge_id}:1:submitted" in codes(confirm[0])
    await chat.press(person, f"mp:wdy:{pledge_id}:1:submitted")
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None and pledge.status == PledgeStatus.withdrawn


async def test_pledge_draft_is_resumed_or_restarted(chat: ChatDriver, database: Database) -> None:
    await focal_point(chat, 6)
    person = chat.person(6)
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 500 rural schools")
    await chat.send(person, "/mypledges")
    offer = await chat.send(person, "/pledge")  # a second /pledge: continue or start over
    assert codes(offer[-1])[0] == "pl:resume" and codes(offer[-1])[1].startswith("pl:restart:")
    resumed = await chat.press(person, "pl:resume")
    assert "Question 2" in resumed[-1].text
    await chat.send(person, "/cancel")
    await chat.press(person, "f:$cancel:no")
    answers = await chat.send(person, "/help")
    assert answers


async def test_only_focal_points_of_validated_entities_pledge(chat: ChatDriver) -> None:
    answers = await chat.send(chat.person(7), "/pledge")
    assert "/start" in answers[0].text
    answers = await chat.send(chat.person(STAFF), "/pledge")
    assert "focal points" in answers[0].text


async def test_an_untouched_draft_is_reminded_once(chat: ChatDriver, database: Database) -> None:
    from datetime import timedelta

    from handlers.reminders import remind_stale_drafts

    await focal_point(chat, 8)
    person = chat.person(8)
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 500 rural schools")
    async with database.uow() as uow:
        begun = (await uow.session.execute(select(Draft.created_at))).scalar_one()
    assert await remind_stale_drafts(database.uow(), utcnow() + timedelta(days=2)) == 0
    assert await remind_stale_drafts(database.uow(), utcnow() + timedelta(days=3, minutes=1)) == 1
    assert await remind_stale_drafts(database.uow(), utcnow() + timedelta(days=9)) == 0
    reminder = await chat.collect(8)
    assert "pl:resume" in codes(reminder[0])
    # the day it was begun, not "a few days ago": after a long outage a tester's draft was eight weeks old
    assert f"You started a pledge on {format_date(begun.date(), 'en')}." in reminder[0].text, reminder[0].text
    resumed = await chat.press(person, "pl:resume")
    assert "Question 2" in resumed[-1].text


async def test_starting_a_form_over_replaces_its_draft_and_outdates_a_copy_read_before(database: Database) -> None:
    now = utcnow()
    async with database.uow() as uow:
        contact = Contact(telegram_id=61, chat_id=61, first_name="Ana", created_at=now)
        uow.session.add(contact)
        await uow.flush()
        assert contact.id is not None
        await drafts.open_draft(uow.session, contact.id, "pledge", FormState(step="title", answers={"title": "A"}),
                                now)
        await uow.commit()
    async with database.uow() as uow:  # another instance read the draft, and is slow to save it
        held = await drafts.find_draft(uow.session, contact.id, "pledge")
    assert held is not None and held.state["answers"] == {"title": "A"}
    async with database.uow() as uow:
        await drafts.open_draft(uow.session, contact.id, "pledge", FormState(step="title"), now)
        await uow.commit()
    async with database.uow() as uow:
        rows = (await uow.session.execute(select(Draft).where(Draft.contact_id == contact.id))).scalars().all()
        assert [(row.form_id, row.state["answers"]) for row in rows] == [("pledge", {})]
        with pytest.raises(drafts.DraftConflictError):
            await drafts.save(uow.session, held, FormState(step="description", answers={"title": "B"}), now)


@pytest.mark.parametrize(("tokens", "ldc", "lldc", "sids", "regions"), [
    (["SEN"], True, False, False, ["africa"]),
    (["FJI", "CHE"], False, False, True, ["asia_pacific", "europe"]),
    (["ITU:cis"], False, True, False, ["cis"]),
    (["SIDS"], True, False, True, ["africa", "americas", "arab_states", "asia_pacific"]),
    (["GLOBAL"], True, True, True, ["africa", "americas", "arab_states", "asia_pacific", "cis", "europe"]),
    (["XXX"], False, False, False, []),
    ([], False, False, False, []),
])
async def test_reach_is_derived_from_the_country_table(database: Database, tokens: list[str], ldc: bool, lldc: bool,
                                                       sids: bool, regions: list[str]) -> None:
    async with database.uow() as uow:
        reach = await derive_reach(uow.session, tokens, date(2026, 1, 5))
    assert (reach.ldc, reach.lldc, reach.sids, reach.itu_regions) == (ldc, lldc, sids, regions)
