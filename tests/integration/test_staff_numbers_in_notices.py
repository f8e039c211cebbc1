"""The numbers staff commands take, in the notices that 285e118 left out: a progress report's notice named its
organisation without its number, the "not my pledge any more" notice named the person and the organisation without
either, a pledge's notice and a report's did not say who submitted them, and /scope aimed at someone who is not a
coordinator gave the usage text. Telegram ids are shown to staff only."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes, confirm
from sqlmodel import col, select
from test_pledges import fill_pledge
from test_reports import STAFF, Counter, completed_report, first_report, validated_pledge

from bot.i18n import Renderer
from handlers.admin import CreateInvite, GrantRole, grant_role, invite
from handlers.conversation import Deps
from handlers.messages import N_, text
from handlers.staff_notices import organisation_label
from models.clock import utcnow
from models.database import Database
from models.tables import Contact, Entity, Pledge, ProgressReport
from models.values import Role

AWA, MOUSSA, IVAN = 9601, 9602, 9603


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member (Bea, STAFF)."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def join(chat: ChatDriver, telegram_id: int, name: str) -> int:
    """Someone joins the Ministry of ICT as a focal point by invitation (consent, name); the organisation's number."""
    token, entity, _ = await invite(CreateInvite("Ministry of ICT", Role.focal_point, country_iso3="SEN"),
                                    chat.database.uow(), utcnow())
    person = chat.person(telegram_id, name.split()[0])
    await chat.send(person, f"/start {token}")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, name)
    await chat.collect(STAFF)
    assert entity.id is not None
    return entity.id


async def latest(database: Database, table: type[Pledge] | type[ProgressReport]) -> int:
    async with database.uow() as uow:
        found = (await uow.session.execute(select(table.id).order_by(col(table.id).desc()))).scalars().first()
    assert found is not None
    return found


async def test_report_notices_name_the_organisation_with_its_number(chat: ChatDriver, database: Database) -> None:
    entity = await join(chat, AWA, "Awa Diop")
    await validated_pledge(chat, AWA)
    asked = await completed_report(chat, AWA, 75)  # complete at 75 %: confirmed apart, then staff are told
    report = await latest(database, ProgressReport)
    notice = next(m for m in await chat.collect(STAFF) if f"rs:ack:{report}:1" in codes(m))
    assert f"A progress report was sent by Ministry of ICT (no. {entity}):" in notice.text
    shown = await chat.press(chat.person(STAFF, "Bea"), f"pn:rs:{report}")  # from /pending
    assert f"A progress report was sent by Ministry of ICT (no. {entity}):" in shown[0].text

    await chat.press(chat.person(AWA, "Awa"), f"rp:done:{report}")
    assert f"rp:done:{report}" in codes(asked[-1])
    completed = next(m.text for m in await chat.collect(STAFF) if "marked completed" in m.text)
    assert f"by its focal point Awa Diop (id {AWA}), Ministry of ICT (no. {entity})," in completed
    assert all(str(AWA) not in m.text for m in (*asked, *await chat.collect(AWA)))


async def test_not_my_pledge_any_more_names_the_person_and_organisation_as_staff_command_them(
        chat: ChatDriver, database: Database) -> None:
    entity = await join(chat, AWA, "Awa Diop")
    pledge = await validated_pledge(chat, AWA)
    awa = chat.person(AWA, "Awa")
    disowned = await chat.press(awa, f"rm:notmine:{pledge}")
    told = next(m.text for m in await chat.collect(STAFF) if "is not their pledge any more" in m.text)
    assert told.startswith(f"Awa Diop (id {AWA}), Ministry of ICT (no. {entity}) says"), told
    taken = await chat.press(awa, f"rm:mine:{pledge}")
    told = next(m.text for m in await chat.collect(STAFF) if "their pledge after all" in m.text)
    assert told.startswith(f"Awa Diop (id {AWA}), Ministry of ICT (no. {entity}) says"), told
    assert all(str(AWA) not in m.text for m in (*disowned, *taken))


async def test_a_pledge_notice_says_who_submitted_it_first_and_again(chat: ChatDriver, database: Database) -> None:
    await join(chat, AWA, "Awa Diop")
    await fill_pledge(chat, AWA)
    pledge = await latest(database, Pledge)
    first = next(m.text for m in await chat.collect(STAFF) if f"pv:ok:{pledge}:1" in codes(m))
    assert f"<b>Submitted by</b>: Awa Diop (id {AWA})" in first

    await join(chat, MOUSSA, "Moussa Ndiaye")  # a colleague answers the request for changes
    staff, moussa = chat.person(STAFF, "Bea"), chat.person(MOUSSA, "Moussa")
    await chat.press(staff, f"pv:chg:{pledge}:1")
    await chat.send(staff, "Please give the target in teachers trained too.")
    await chat.press(moussa, f"mp:edit:{pledge}")
    await chat.press(moussa, "f:$sum:edit:target_value")
    await chat.send(moussa, "650")
    await chat.press(moussa, "f:$sum:submit")
    again = next(m.text for m in await chat.collect(STAFF) if f"pv:ok:{pledge}:2" in codes(m))
    assert f"<b>Submitted by</b>: Moussa Ndiaye (id {MOUSSA})" in again and "Awa Diop" not in again
    shown = await chat.press(staff, f"pn:pl:{pledge}")  # from /pending
    assert f"<b>Submitted by</b>: Moussa Ndiaye (id {MOUSSA})" in shown[-1].text

    closed = [m.text for m in await chat.press(staff, f"pv:ok:{pledge}:2") if "Validated by" in m.text]
    assert closed and all(f"<b>Submitted by</b>: Moussa Ndiaye (id {MOUSSA})" in text for text in closed)
    assert all(str(MOUSSA) not in m.text and str(AWA) not in m.text
               for m in (*await chat.collect(AWA), *await chat.collect(MOUSSA)))


async def test_a_report_notice_says_who_sent_it_first_again_and_after_the_question(chat: ChatDriver,
                                                                                     database: Database) -> None:
    await join(chat, AWA, "Awa Diop")
    pledge = await validated_pledge(chat, AWA, start=f"{utcnow().year}-01-01")  # one period: a second replaces
    await join(chat, MOUSSA, "Moussa Ndiaye")
    awa, moussa, staff = chat.person(AWA, "Awa"), chat.person(MOUSSA, "Moussa"), chat.person(STAFF, "Bea")
    await first_report(Counter(chat, AWA))
    first = await latest(database, ProgressReport)
    sent = next(m.text for m in await chat.collect(STAFF) if f"rs:ack:{first}:1" in codes(m))
    assert f"<b>Submitted by</b>: Awa Diop (id {AWA})" in sent

    await chat.send(moussa, "/report")  # a colleague replaces it while it waits
    await chat.press(moussa, f"rp:repl:{pledge}")
    await chat.press(moussa, "f:status:sameall")
    await chat.press(moussa, "f:evidence:skip")
    await chat.press(moussa, "f:$sum:submit")
    second = await latest(database, ProgressReport)
    told = await chat.collect(STAFF)
    replacing = next(m.text for m in told if f"rs:ack:{second}:1" in codes(m))
    assert f"<b>Submitted by</b>: Moussa Ndiaye (id {MOUSSA})" in replacing and "Awa Diop" not in replacing
    closed = [m.text for m in told if "Replaced on" in m.text]
    assert closed and all(f"<b>Submitted by</b>: Awa Diop (id {AWA})" in text for text in closed)

    await chat.press(staff, f"rs:ask:{second}")  # Awa answers the question on Moussa's report
    await chat.send(staff, "Which regions exactly had power cuts?")
    await chat.press(awa, f"rp:edit:{second}")
    await chat.press(awa, "f:$sum:submit")
    edited = next(m.text for m in await chat.collect(STAFF) if "edited" in m.text)
    assert f"<b>Submitted by</b>: Awa Diop (id {AWA})" in edited and "Moussa Ndiaye" not in edited
    shown = await chat.press(staff, f"pn:rs:{second}")  # from /pending
    assert f"<b>Submitted by</b>: Awa Diop (id {AWA})" in shown[0].text
    acknowledged = [m.text for m in await chat.press(staff, f"rs:ack:{second}:2") if "Acknowledged by" in m.text]
    assert acknowledged and all(f"<b>Submitted by</b>: Awa Diop (id {AWA})" in text for text in acknowledged)
    assert all(str(MOUSSA) not in m.text and str(AWA) not in m.text
               for m in (*await chat.collect(AWA), *await chat.collect(MOUSSA)))


async def test_scope_says_why_someone_is_not_a_coordinator(chat: ChatDriver, database: Database) -> None:
    entity = await join(chat, AWA, "Awa Diop")
    await grant_role(GrantRole(IVAN, Role.staff), database.uow(), utcnow())
    async with database.uow() as uow:
        ivan = (await uow.session.execute(select(Contact).where(Contact.telegram_id == IVAN))).scalar_one()
        ivan.full_name = "Ivan Petrov"
        await uow.commit()
    stranger = chat.person(9604, "Zed")
    await chat.send(stranger, "/help")
    staff = chat.person(STAFF, "Bea")

    focal = (await chat.send(staff, f"/scope {AWA} region africa"))[-1].text
    assert f"Awa Diop (id {AWA}) is a focal point, not a coordinator" in focal
    assert f"/invite {entity} coordinator" in focal and "Write /scope, a coordinator's Telegram id" in focal
    colleague = (await chat.send(staff, f"/scope {IVAN} everything"))[-1].text
    assert f"Ivan Petrov (id {IVAN}) is BDT staff, not a coordinator" in colleague
    nobody = (await chat.send(staff, "/scope 987654321 everything"))[-1].text
    assert "Nobody with the Telegram id 987654321 has written to the bot." in nobody
    assert "Write /scope, a coordinator's Telegram id" in nobody
    unknown = (await chat.send(staff, "/scope 9604 everything"))[-1].text
    assert "(id 9604) is not a coordinator: only a coordinator has a scope" in unknown


async def test_find_names_the_organisation_and_the_report_senders_as_staff_views_do(chat: ChatDriver) -> None:
    """Tester round of two staff: /find read "Organisation: Ministry of ICT" and "sent … by Awa Diop", where /pending
    and the notices read the number /invite takes and the Telegram id /reassign takes; a colleague of the sender reads
    no id (Telegram ids are for staff)."""
    entity = await join(chat, AWA, "Awa Diop")
    await join(chat, MOUSSA, "Moussa Sow")
    pledge_id = await validated_pledge(chat, AWA)
    await first_report(Counter(chat, AWA))
    await chat.collect(STAFF)
    [found] = await chat.send(chat.person(STAFF, "Bea"), f"/find {pledge_id}")
    assert f"<b>Organisation</b>: Ministry of ICT (no. {entity})" in found.text, found.text
    assert f"by Awa Diop (id {AWA})" in found.text, found.text
    history = await chat.press(chat.person(STAFF, "Bea"), f"mp:hist:{pledge_id}")
    assert f"by Awa Diop (id {AWA})" in history[0].text, history[0].text
    await chat.collect(MOUSSA)
    [colleague] = await chat.send(chat.person(MOUSSA, "Moussa"), f"/find {pledge_id}")
    assert "by Awa Diop ·" in colleague.text and f"(id {AWA})" not in colleague.text, colleague.text
    assert "(no. " not in colleague.text, colleague.text


async def test_the_last_focal_point_leaving_is_told_to_staff_with_the_numbers(chat: ChatDriver) -> None:
    """The notice staff get when the last focal point uses /leave read "“Ministry of ICT” has no focal point left:
    Awa Diop left it.": now with the organisation's number and the person's Telegram id, as other staff notices."""
    entity = await join(chat, AWA, "Awa Diop")
    awa = chat.person(AWA, "Awa")
    await chat.send(awa, "/leave")
    await chat.press(awa, confirm("lv:yes"))
    [notice] = await chat.collect(STAFF)
    assert notice.text.startswith(f"Ministry of ICT (no. {entity}) has no focal point left: Awa Diop (id {AWA}) "
                                  "left it."), notice.text
    assert f"lv:inv:{entity}" in codes(notice)


@pytest.mark.parametrize(("locale", "word"), [("ru", "Организация"), ("ar", "منظمة")])
def test_the_organisation_with_its_number_is_not_quoted_as_a_name(renderer: Renderer, locale: str, word: str) -> None:
    """A tester: «Agence … (№ 14)» put the number inside the name's quotes in Russian and Arabic."""
    entity = Entity(id=14, name="Agence du numérique", name_key="agence du numerique", sector="government")
    said = renderer.label(text(N_("A progress report was sent by {entity}:"), entity=organisation_label(entity)),
                          locale)
    assert word in said and "Agence du numérique" in said and "«" not in said, said
