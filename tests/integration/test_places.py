"""A person's place in an organisation, from the exploratory tests: one organisation whatever apostrophe its name
is typed with, a join request remembered, nobody invited into a rejected organisation, and invitations that point
to the person who sent them."""

from __future__ import annotations

import re

import pytest
from chat_driver import ChatDriver, codes, confirm
from sqlalchemy import insert
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, GrantRole, RevokeRole, grant_role, invite, revoke_role
from handlers.conversation import Deps
from handlers.forms.countries import NO_COUNTRY
from handlers.onboarding import name_key
from models.clock import utcnow
from models.database import Database
from models.migrate import downgrade, upgrade
from models.repositories.base import table_of
from models.repositories.entities import Entities
from models.tables import Contact, Entity
from models.values import EntityStatus, Role

STAFF, AWA, FATOU, BOB = 9500, 9501, 9502, 9503
LINK = re.compile(r"https://t\.me/p2c_test_bot\?start=([A-Za-z0-9_-]+)")
ECONOMY = "Ministère de l'Économie numérique du Sénégal"


@pytest.fixture
async def chat(sqlite_database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    return await ChatDriver.with_staff(sqlite_database, deps, renderer, STAFF)


async def register(chat: ChatDriver, telegram_id: int, organisation: str, name: str, country: str = "Senegal",
                   sector: str = "government") -> list[str]:
    """Someone registers an organisation with /start (`country` typed, or "-": international); what the bot said at
    the end."""
    person = chat.person(telegram_id, name.split()[0])
    await chat.send(person, "/start")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, organisation)
    await chat.press(person, f"f:sector:c:{sector}")
    if country == NO_COUNTRY:
        await chat.press(person, f"f:country:c:{NO_COUNTRY}")
    else:
        await chat.send(person, country)
    await chat.send(person, name)
    return [m.text for m in await chat.press(person, "f:$sum:submit")]


async def entities(database: Database) -> list[Entity]:
    async with database.uow() as uow:
        return list((await uow.session.execute(select(Entity).order_by(col(Entity.id)))).scalars())


async def contact(database: Database, telegram_id: int) -> Contact:
    async with database.uow() as uow:
        return (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == telegram_id))).scalar_one()


@pytest.mark.parametrize("typed", ["ministère de l’économie numérique du Sénégal",  # iOS and macOS type ’
                                   "MINISTÈRE DE LʼÉCONOMIE NUMÉRIQUE DU SÉNÉGAL", "Ministère de l‘Économie numérique "
                                   "du Sénégal"])
async def test_an_organisation_typed_with_another_apostrophe_is_not_registered_twice(chat: ChatDriver,
                                                                                     typed: str) -> None:
    await register(chat, AWA, ECONOMY, "Awa Diop")
    said = await register(chat, FATOU, typed, "Fatou Sow")
    assert "is already registered" in said[-1] and ECONOMY in said[-1]
    assert [e.name for e in await entities(chat.database)] == [ECONOMY]
    # a tester, waiting to join: /pledge said "send /start", which said again that she waits for an invitation
    for command in ("/pledge", "/report"):
        waiting = await chat.send(chat.person(FATOU), command)
        assert waiting[-1].text.startswith(f"You asked to join “{ECONOMY}”. Once you open the invitation link"), \
            waiting[-1].text



@pytest.mark.parametrize("typed", ["Ministere de l'Economie numerique du Senegal",
                                   "Ministère de l'Économie numérique du Sénégal 🇸🇳"])
async def test_an_organisation_typed_without_its_accents_is_not_registered_twice(chat: ChatDriver,
                                                                                  typed: str) -> None:
    """A tester: "Asociacion Red Rural" was registered beside "Asociación Red Rural" of the same country, and staff had
    two organisations to validate; /invite already found one without its accents."""
    await register(chat, AWA, ECONOMY, "Awa Diop")
    said = await register(chat, FATOU, typed, "Fatou Sow")
    assert "is already registered" in said[-1] and ECONOMY in said[-1], said
    assert [e.name for e in await entities(chat.database)] == [ECONOMY]
    nowhere = await register(chat, 1_000_079, typed, "Ana Lima", NO_COUNTRY, "intl_regional_org")
    assert "is already registered" in nowhere[-1], "with no country: the one of its name (review)"
    elsewhere = await register(chat, 1_000_078, typed, "Kofi Mensah", "Ghana")
    assert "is registered and waits for validation" in elsewhere[-1], "another country's is another organisation"

async def test_one_name_is_one_organisation_a_country(chat: ChatDriver) -> None:
    """"Ministry of ICT" in Ghana is not the one of Kenya: its focal point registers it instead of being told to ask
    Kenya's for an invitation; a second one in Ghana is."""
    await register(chat, AWA, "Ministry of ICT", "Awa Diop", "Kenya")
    said = await register(chat, FATOU, "MINISTRY OF ICT", "Fatou Sow", "Ghana")
    assert "is registered and waits for validation" in said[-1], said
    assert [(e.name, e.country_iso3) for e in await entities(chat.database)] == [("Ministry of ICT", "KEN"),
                                                                                ("MINISTRY OF ICT", "GHA")]
    again = await register(chat, 1_000_077, "Ministry of ICT", "Kofi Mensah", "Ghana")
    assert "is already registered" in again[-1]
    await chat.collect(STAFF)  # the notices of the two registrations and of the join request
    listed = (await chat.send(chat.person(STAFF), "/invite ministry of ict"))[-1].text
    assert "Several organisations have that name" in listed and "Kenya" in listed and "Ghana" in listed


async def test_an_international_body_is_one_everywhere(chat: ChatDriver) -> None:
    await register(chat, AWA, "African Telecommunications Union", "Awa Diop", NO_COUNTRY, "intl_regional_org")
    said = await register(chat, FATOU, "African Telecommunications Union", "Fatou Sow", "Ghana", "intl_regional_org")
    assert "is already registered" in said[-1]
    assert [(e.name, e.country_iso3) for e in await entities(chat.database)] == [
        ("African Telecommunications Union", None)]


async def test_a_ministry_registered_without_a_country_is_not_every_countrys(chat: ChatDriver) -> None:
    """A ministry registered as international (by mistake, or not yet validated) does not turn Ghana's focal point
    away: only an international body (UN agency, international or regional organisation, financial institution) is
    one everywhere."""
    await register(chat, AWA, "Ministry of ICT", "Awa Diop", NO_COUNTRY)
    said = await register(chat, FATOU, "Ministry of ICT", "Fatou Sow", "Ghana")
    assert "is registered and waits for validation" in said[-1], said
    assert [(e.name, e.country_iso3) for e in await entities(chat.database)] == [("Ministry of ICT", None),
                                                                                ("Ministry of ICT", "GHA")]


async def test_a_person_who_asked_to_join_is_reminded_rather_than_registered_again(chat: ChatDriver) -> None:
    await register(chat, AWA, ECONOMY, "Awa Diop")
    await register(chat, FATOU, ECONOMY.upper(), "Fatou Sow")
    fatou = chat.person(FATOU, "Fatou")
    for command in ("/start", "/start", "/pledge"):  # not Question 1; /pledge said "send /start", which led here
        said = [m.text for m in await chat.send(fatou, command)]
        assert len(said) == 1 and "You asked to join “Ministère de l'Économie" in said[0], said
        assert "Question 1" not in said[0] and "send /start" not in said[0]
    answer = await chat.send(chat.person(AWA, "Awa"), "/invite")  # the person comes in with an invitation
    token = LINK.search(answer[0].text)
    assert token is not None
    await chat.send(fatou, f"/start {token.group(1)}")
    await chat.press(fatou, "f:consent:c:yes")
    await chat.send(fatou, "Fatou Sow")
    assert "Welcome back, Fatou Sow" in (await chat.send(fatou, "/start"))[0].text



async def test_a_person_waiting_to_join_may_register_another_organisation_or_keep_waiting(chat: ChatDriver) -> None:
    """Regression: the reminder of a join request was all /start ever said again, though names are matched in every
    country (the match may be wrong) and /pledge, /help and the greeting send people to /start to register."""
    await register(chat, AWA, ECONOMY, "Awa Diop")
    await register(chat, FATOU, ECONOMY, "Fatou Sow")  # her ministry is another one, of the same name
    fatou = chat.person(FATOU, "Fatou")
    reminder = (await chat.send(fatou, "/start"))[-1]
    assert "You asked to join" in reminder.text and codes(reminder) == ["jr:reg", "jr:wait"]
    assert [m.text for m in await chat.press(fatou, "jr:wait")] == ["Nothing changed."]
    assert codes((await chat.send(fatou, "/start"))[-1]) == ["jr:reg", "jr:wait"]  # still waiting
    begun = await chat.press(fatou, "jr:reg")
    assert "with its country if another organisation has the same name" in begun[-1].text
    assert "Question 1 of 5" in begun[-1].text
    await chat.press(fatou, "f:consent:c:yes")
    again = await chat.press(fatou, "jr:reg")  # pressed again: the answers given are kept
    assert "Question 2 of 5" in again[-1].text
    await chat.send(fatou, f"{ECONOMY} (Niger)")
    await chat.press(fatou, "f:sector:c:government")
    await chat.send(fatou, "Niger")
    await chat.send(fatou, "Fatou Sow")
    await chat.press(fatou, "f:$sum:submit")
    now, ministry = await contact(chat.database, FATOU), (await entities(chat.database))[-1]
    assert (now.role, now.entity_id, ministry.name) == (Role.focal_point, ministry.id, f"{ECONOMY} (Niger)")
    late = await chat.press(fatou, "jr:reg")  # an old reminder's button: where she stands now
    assert "Your registration is waiting" in late[-1].text or "Welcome back" in late[-1].text
    assert len(await entities(chat.database)) == 2

async def test_a_person_who_asked_to_join_then_forgot_themselves_starts_afresh(chat: ChatDriver) -> None:
    await register(chat, AWA, ECONOMY, "Awa Diop")
    await register(chat, FATOU, ECONOMY, "Fatou Sow")
    fatou = chat.person(FATOU, "Fatou")
    await chat.send(fatou, "/forget")
    await chat.press(fatou, confirm("me:forget:yes"))
    assert "Question 1 of 5" in (await chat.send(fatou, "/start"))[-1].text


async def test_nobody_is_invited_into_a_rejected_organisation(chat: ChatDriver) -> None:
    await register(chat, AWA, ECONOMY, "Awa Diop")
    awa, staff = chat.person(AWA, "Awa"), chat.person(STAFF, "Bea")
    [entity] = await entities(chat.database)
    before = await chat.send(awa, "/invite")  # made while it waited for validation, opened after the rejection
    early = LINK.search(before[0].text)
    assert early is not None
    await chat.press(staff, f"ent:no:{entity.id}")
    await chat.send(staff, "Not a registered ministry.")  # the reason, asked before anything is rejected
    news = (await chat.collect(AWA))[-1].text
    assert "could not validate" in news and "/ask" in news and "/start" in news  # what to do next
    refused = await chat.send(awa, "/invite")
    assert LINK.search(refused[0].text) is None and "nobody can be invited" in refused[0].text
    assert "/ask" in refused[0].text
    for command in (f"/invite {entity.id}", f"/invite {ECONOMY}", f"/invite {entity.id} coordinator"):
        answer = await chat.send(staff, command)
        assert LINK.search(answer[0].text) is None and "was rejected" in answer[0].text, command
    opened = await chat.send(chat.person(BOB, "Bob"), f"/start {early.group(1)}")
    assert "could not validate" in opened[-1].text and "Question" not in opened[-1].text
    assert (await contact(chat.database, BOB)).entity_id is None
    again = await chat.send(awa, "/start")  # the way to register another organisation
    assert "could not validate “Ministère" in again[-1].text and "Question 1 of 5" in again[-1].text
    await chat.press(awa, "f:consent:c:yes")
    await chat.send(awa, "Agence de l’Informatique de l’État")
    await chat.press(awa, "f:sector:c:government")
    await chat.send(awa, "Senegal")
    await chat.send(awa, "Awa Diop")
    await chat.press(awa, "f:$sum:submit")
    now = await contact(chat.database, AWA)
    agency = (await entities(chat.database))[-1]
    assert (now.role, now.entity_id, agency.status) == (Role.focal_point, agency.id, EntityStatus.pending)


async def test_an_invitation_already_used_points_to_its_sender_who_is_told_of_the_join(chat: ChatDriver) -> None:
    token, _, _ = await invite(CreateInvite(ECONOMY, Role.focal_point, country_iso3="SEN"), chat.database.uow(),
                               utcnow())
    awa = chat.person(AWA, "Awa")
    await chat.send(awa, f"/start {token}")
    await chat.press(awa, "f:consent:c:yes")
    await chat.send(awa, "Awa Diop")
    link = LINK.search((await chat.send(awa, "/invite"))[0].text)
    assert link is not None
    bob = chat.person(BOB, "Bob")
    await chat.send(bob, f"/start {link.group(1)}")
    await chat.press(bob, "f:consent:c:yes")
    await chat.send(bob, "Bob Ndiaye")
    told = [m.text for m in await chat.collect(AWA)]
    assert told == ["Bob Ndiaye joined “Ministère de l'Économie numérique du Sénégal” as focal point with the "
                    "invitation you made."]
    used = await chat.send(chat.person(FATOU, "Fatou"), f"/start {link.group(1)}")
    assert "already been used" in used[0].text and "the person who sent it to you" in used[0].text



async def test_an_inviter_who_left_is_not_told_who_joined(chat: ChatDriver) -> None:
    """Regression: the focal point who made an invitation was told the colleague's full name after leaving."""
    token, _, _ = await invite(CreateInvite(ECONOMY, Role.focal_point, country_iso3="SEN"), chat.database.uow(),
                               utcnow())
    awa, staff = chat.person(AWA, "Awa"), chat.person(STAFF, "Bea")
    await chat.send(awa, f"/start {token}")
    await chat.press(awa, "f:consent:c:yes")
    await chat.send(awa, "Awa Diop")
    link = LINK.search((await chat.send(awa, "/invite"))[0].text)
    [entity] = await entities(chat.database)
    by_staff = LINK.search((await chat.send(staff, f"/invite {entity.id}"))[0].text)
    assert link is not None and by_staff is not None
    await chat.send(awa, "/leave")
    await chat.press(awa, confirm("lv:yes"))
    await chat.collect(AWA)
    await chat.collect(STAFF)
    for telegram_id, name, opened in ((BOB, "Bob Ndiaye", link), (FATOU, "Fatou Sow", by_staff)):
        person = chat.person(telegram_id, name.split()[0])
        await chat.send(person, f"/start {opened.group(1)}")
        await chat.press(person, "f:consent:c:yes")
        await chat.send(person, name)
    assert [m.text for m in await chat.collect(AWA)] == []
    told = [m.text for m in await chat.collect(STAFF)]  # staff who made an invitation are still told
    assert any(t.startswith(f"Fatou Sow (id {FATOU}) joined “Ministère") for t in told), told  # staff see the id
    assert not any("Bob Ndiaye joined" in t for t in told)


async def test_refusals_about_a_rejected_organisation_say_what_someone_without_a_place_can_do(
        chat: ChatDriver) -> None:
    """Regression: someone with no role (who cannot use /ask) was refused with no way forward."""
    await register(chat, AWA, ECONOMY, "Awa Diop")
    awa, staff = chat.person(AWA, "Awa"), chat.person(STAFF, "Bea")
    link = LINK.search((await chat.send(awa, "/invite"))[0].text)
    assert link is not None
    [entity] = await entities(chat.database)
    await chat.press(staff, f"ent:no:{entity.id}")
    await chat.send(staff, "Not a registered ministry.")  # the reason, asked before anything is rejected
    opened = [m.text for m in await chat.send(chat.person(BOB, "Bob"), f"/start {link.group(1)}")]
    assert "could not validate" in opened[0] and "ask the person who sent it to you to write to BDT" in opened[0]
    assert opened[-1].endswith("To register your organisation, send /start; /help lists what I can do.")
    said = await register(chat, FATOU, ECONOMY, "Fatou Sow")
    assert "could not validate" in said[-1] and "its focal point can write to BDT with /ask" in said[-1]
    assert "send /start and give its full official name" in said[-1]
    with_place = [m.text for m in await chat.send(awa, f"/start {link.group(1)}")]  # Awa may write to BDT: /ask
    assert "could not validate" in with_place[-1] and "To register your organisation" not in with_place[-1]


async def test_someone_with_a_place_opening_another_invitation_is_not_greeted_as_new(chat: ChatDriver) -> None:
    first, _, _ = await invite(CreateInvite(ECONOMY, Role.focal_point), chat.database.uow(), utcnow())
    other, _, _ = await invite(CreateInvite("Sonatel", Role.focal_point), chat.database.uow(), utcnow())
    awa = chat.person(AWA, "Awa")
    await chat.send(awa, f"/start {first}")
    await chat.press(awa, "f:consent:c:yes")
    await chat.send(awa, "Awa Diop")
    said = [m.text for m in await chat.send(awa, f"/start {other}")]
    assert not any("I am the Partner2Connect assistant" in t for t in said)
    assert "Do you want to move?" in said[-1]


async def test_the_upgrade_folds_the_stored_name_keys(empty_database: Database) -> None:
    await upgrade(empty_database, "0012")
    rows = [(1, "Agence de l’Informatique", "agence de l’informatique"),
            (2, "Guinée–Bissau Télécom", "guinée–bissau télécom"),
            (3, "ONG d'Appui", "ong d'appui"), (4, "ONG d’Appui", "ong d’appui"),  # registered twice already
            (5, "Sonatel", "sonatel")]
    async with empty_database.uow() as uow:
        for entity_id, name, key in rows:
            await uow.session.execute(insert(table_of(Entity)).values(id=entity_id, name=name, name_key=key,
                                                                      sector="government", status="validated"))
        await uow.commit()
    await upgrade(empty_database)
    keys = {e.id: e.name_key for e in await entities(empty_database)}
    assert keys == {1: "agence de l'informatique", 2: "guinée-bissau télécom", 3: "ong d'appui", 4: "ong d’appui",
                    5: "sonatel"}
    async with empty_database.uow() as uow:
        found = await Entities(uow.session).named(name_key("AGENCE DE L'INFORMATIQUE"))
        assert [entity.id for entity in found] == [1]
    await downgrade(empty_database, "0012")
    assert {e.id: e.name_key for e in await entities(empty_database)} == {i: key for i, _, key in rows}


async def test_someone_waiting_to_join_can_ask_bdt(chat: ChatDriver) -> None:
    """A tester: told "we have told BDT you asked", Jean could not write to BDT: his question got the newcomer's
    greeting ("to register your organisation, send /start"), and /ask said to register first. While he waits, a
    greeting says so and that /ask reaches BDT, a question typed is offered to BDT, and staff read whom he asked to
    join."""
    await register(chat, AWA, ECONOMY, "Awa Diop")
    said = await register(chat, FATOU, ECONOMY, "Fatou Sow")
    assert "is already registered" in said[-1]
    await chat.collect(STAFF)
    fatou = chat.person(FATOU, "Fatou")
    (hello,) = await chat.send(fatou, "Hello")
    assert f"You asked to join “{ECONOMY}”" in hello.text and "/ask" in hello.text, hello.text
    assert "To register your organisation" not in hello.text
    # a tester, just after asking to join: /questions said it was for people registered with an organisation
    (none_yet,) = await chat.send(fatou, "/questions")
    assert "not allowed" not in none_yet.text and "/ask" in none_yet.text, none_yet.text
    offered = await chat.send(fatou, "Who can send me an invitation?")
    assert "f:message:send" in codes(offered[-1]), [m.text for m in offered]
    (sent,) = await chat.press(fatou, "f:message:send")
    assert "Your question Q-" in sent.text, sent.text
    entity = (await entities(chat.database))[0]
    (copy,) = [m for m in await chat.collect(STAFF) if "Who can send me an invitation?" in m.text]
    assert f"<b>Asks to join</b>: {ECONOMY} (no. {entity.id})" in copy.text, copy.text
    prompt = await chat.send(fatou, "/ask")
    assert codes(prompt[-1]) == ["f:message:cancel"], prompt[-1].text
    stranger = await chat.send(chat.person(BOB, "Bob"), "/ask")
    assert "Please register first with /start" in stranger[-1].text, "nobody else"


async def test_a_join_request_made_before_a_role_was_granted_and_revoked_lets_nobody_ask(chat: ChatDriver) -> None:
    """Review: made staff by the operator, then revoked, Fatou could ask BDT again through the join request she had
    made before: the operator's grant and revoke are audited on her by nobody, and were not seen."""
    await register(chat, AWA, ECONOMY, "Awa Diop")
    assert "is already registered" in (await register(chat, FATOU, ECONOMY, "Fatou Sow"))[-1]
    await grant_role(GrantRole(FATOU, Role.staff), chat.database.uow(), utcnow())
    await revoke_role(RevokeRole(FATOU), chat.database.uow())
    fatou = chat.person(FATOU, "Fatou")
    refused = await chat.send(fatou, "/ask")
    assert "f:message:cancel" not in codes(refused[-1]), refused[-1].text
    (hello,) = await chat.send(fatou, "Hello")
    assert "You asked to join" not in hello.text and "/ask" not in hello.text, hello.text
