"""Onboarding through the journeys: registration form, invitations, language, help, idempotency."""

from __future__ import annotations

from datetime import timedelta

import pytest
from chat_driver import ChatDriver, button, codes
from sqlmodel import select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, GrantRole, grant_role, invite
from handlers.conversation import Deps
from handlers.inputs import Person
from models.clock import utcnow
from models.database import Database
from models.tables import AuditLog, Contact, Draft, Entity, Invite, ProcessedUpdate
from models.values import EntityStatus, Role


@pytest.fixture
def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver on each backend."""
    return ChatDriver(database, deps, renderer)


async def register(chat: ChatDriver, telegram_id: int, org: str = "Ministry of ICT", language: str = "en") -> None:
    person = chat.person(telegram_id, language_code=language)
    answers = await chat.send(person, "/start")
    assert "Question 1 of 5" in answers[-1].text or "1" in answers[-1].text
    await chat.press(person, "f:consent:c:yes")
    sector = await chat.send(person, org)
    await chat.press(person, button(sector[-1], "") if False else "f:sector:c:government")
    country = await chat.send(person, "Senegal")
    assert country
    summary = await chat.send(person, "Awa Diop")
    done = await chat.press(person, "f:$sum:submit")
    assert summary and done


async def test_start_greets_and_asks_consent_before_anything_personal(chat: ChatDriver) -> None:
    answers = await chat.send(chat.person(1), "/start")
    assert "Partner2Connect" in answers[0].text
    assert "Question 1 of 5" in answers[-1].text
    assert "May ITU store your name" in answers[-1].text
    assert {"f:consent:c:yes", "f:consent:cancel"} <= set(codes(answers[-1]))
    answers = await chat.press(chat.person(1), "f:consent:c:yes")
    assert "Question 2 of 5" in answers[-1].text and "name of your organisation" in answers[-1].text


async def test_registration_creates_a_pending_entity_and_tells_staff(chat: ChatDriver, database: Database) -> None:
    await grant_role(GrantRole(900, Role.staff), database.uow(), utcnow())
    staff = chat.person(900, "Bea")
    await chat.send(staff, "/start")
    await register(chat, 1)
    async with database.uow() as uow:
        entity = (await uow.session.execute(select(Entity))).scalar_one()
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == 1))).scalar_one()
        assert (entity.name, entity.sector, entity.country_iso3, entity.status) == (
            "Ministry of ICT", "government", "SEN", EntityStatus.pending)
        assert (contact.role, contact.entity_id, contact.full_name) == (Role.focal_point, entity.id, "Awa Diop")
        assert contact.consent_at is not None
        assert (await uow.session.execute(select(Draft))).first() is None
        entity_id = entity.id
    notice = await chat.collect(900)
    assert any("waiting for validation" in m.text and "Ministry of ICT" in m.text for m in notice)
    validated = await chat.press(staff, f"ent:ok:{entity_id}")
    assert "validated" in validated[-1].text
    news = await chat.collect(1)
    assert "has been validated" in news[0].text


@pytest.mark.parametrize("bad", ["", "   ", "x" * 10_000, "🎉🎉🎉", "/pledge", "/unknown", "!!!"])
async def test_bad_answers_at_every_step_keep_the_draft(chat: ChatDriver, database: Database, bad: str) -> None:
    person = chat.person(2)
    await chat.send(person, "/start")
    steps = [("consent", "f:consent:c:yes"), ("entity_name", "Université de Dakar"), ("sector", "f:sector:c:academia"),
             ("country", "Sénégal"), ("full_name", "Moussa Ndiaye")]
    for step_id, good in steps:
        answers = await chat.send(person, bad) if bad else await chat.send(person, bad or " ")
        assert answers, f"silence after bad input at {step_id}"
        assert "Question" in answers[-1].text
        async with database.uow() as uow:
            draft = (await uow.session.execute(select(Draft))).scalar_one()
            assert draft.step_id == step_id
        if good.startswith("f:"):
            await chat.press(person, good)
        else:
            await chat.send(person, good)
    assert answers and "Question 5 of 5" in answers[-1].text


async def test_consent_refused_is_asked_again(chat: ChatDriver) -> None:
    person = chat.person(3)
    await chat.send(person, "/start")
    answers = await chat.press(person, "f:consent:c:no")
    assert "consent" in answers[-1].text.lower()
    assert "f:consent:c:yes" in codes(answers[-1])


async def test_cancel_asks_to_confirm_and_keeps_nothing(chat: ChatDriver, database: Database) -> None:
    person = chat.person(4)
    await chat.send(person, "/start")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, "Some Org")
    confirm = await chat.send(person, "/cancel")
    assert "f:$cancel:yes" in codes(confirm[-1])
    await chat.press(person, "f:$cancel:yes")
    async with database.uow() as uow:
        assert (await uow.session.execute(select(Draft))).first() is None


async def test_stale_and_forged_buttons_are_answered_not_obeyed(chat: ChatDriver) -> None:
    person = chat.person(5)
    await chat.send(person, "/start")
    for forged in ("f:sector:c:government", "f:entity_name:c:x", "f:$sum:submit", "ent:ok:1", "zzz", "f:", "lang:xx"):
        answers = await chat.press(person, forged)
        assert answers, forged


async def test_a_focal_point_cannot_validate_entities(chat: ChatDriver, database: Database) -> None:
    await register(chat, 6)
    answers = await chat.press(chat.person(6), "ent:ok:1")
    assert "not allowed" in answers[0].text
    async with database.uow() as uow:
        entity = (await uow.session.execute(select(Entity))).scalar_one()
        assert entity.status == EntityStatus.pending
        denied = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "denied"))).scalar_one()
        assert denied.details["attempted"] == "entity.decide"


async def test_invitation_binds_once(chat: ChatDriver, database: Database) -> None:
    token, entity, created = await invite(CreateInvite("GSMA", Role.coordinator), database.uow(), utcnow())
    entity_id = entity.id
    assert created and len(token) >= 22
    first, second = chat.person(10), chat.person(11)
    await chat.send(first, f"/start {token}")
    await chat.press(first, "f:consent:c:yes")
    welcome = await chat.send(first, "Lee Min")
    assert "coordinator" in welcome[-1].text and "GSMA" in welcome[-1].text
    used = await chat.send(second, f"/start {token}")
    assert "already been used" in used[0].text
    # a tester: whoever used it, opening it again, was told to ask for a new one
    again = await chat.send(first, f"/start {token}")
    assert again[0].text.startswith("You already joined GSMA with this link."), again[0].text
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == 10))).scalar_one()
        assert (contact.role, contact.entity_id) == (Role.coordinator, entity_id)
        stored = (await uow.session.execute(select(Invite))).scalar_one()
        assert stored.token_hash != token and stored.used_by == contact.id


async def test_invitation_used_while_another_person_was_joining(chat: ChatDriver) -> None:
    token, _, _ = await invite(CreateInvite("ITU Regional Office", Role.focal_point), chat.database.uow(), utcnow())
    first, second = chat.person(12), chat.person(13)
    await chat.send(first, f"/start {token}")
    await chat.send(second, f"/start {token}")
    await chat.press(first, "f:consent:c:yes")
    await chat.send(first, "First Person")
    await chat.press(second, "f:consent:c:yes")
    answers = await chat.send(second, "Second Person")
    assert "already been used" in answers[-1].text


async def test_expired_and_forged_invitations(chat: ChatDriver, database: Database) -> None:
    token, _, _ = await invite(CreateInvite("Old Org", Role.focal_point, lifetime=timedelta(seconds=-1)),
                               database.uow(), utcnow())
    expired = await chat.send(chat.person(20), f"/start {token}")
    assert "expired" in expired[0].text
    for forged in ("A" * 32, "x", "' OR 1=1 --", "🙂" * 10, "a" * 300):
        answers = await chat.send(chat.person(21), f"/start {forged}")
        assert "not valid" in answers[0].text


@pytest.mark.parametrize(("code", "expected"), [("fr", "Bonjour"), ("es-MX", "Hola"), ("pt-BR", "Hello"),
                                                ("zh-hans", "您好"), ("ar", "مرحب"), ("ru", "Здравствуйте")])
async def test_greeting_follows_telegram_language(chat: ChatDriver, code: str, expected: str) -> None:
    answers = await chat.send(chat.person(30, language_code=code), "/start")
    greeting = answers[1] if code == "pt-BR" else answers[0]  # pt: the six languages are offered first
    assert expected in greeting.text


async def test_language_menu_names_each_language_in_itself(chat: ChatDriver, database: Database) -> None:
    person = chat.person(31)
    menu = await chat.send(person, "/language")
    labels = {label for row in menu[0].buttons for label, _ in row}
    assert labels == {"العربية", "中文", "English", "Français", "Русский", "Español"}
    answers = await chat.press(person, "lang:ru")
    assert "русском" in answers[0].text
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == 31))).scalar_one()
        assert contact.language == "ru"


async def test_help_lists_commands_and_unknown_input_gets_help(chat: ChatDriver) -> None:
    person = chat.person(40)
    help_text = (await chat.send(person, "/help"))[0].text
    assert "/language" in help_text and "/start" in help_text
    for value in ("hello?", "/frobnicate"):
        answers = await chat.send(person, value)
        assert "/help" in answers[0].text
        assert "Did you mean" not in answers[0].text
    # a tester's French speaker typed /rapport: their word for a command, or a near spelling, is pointed to
    assert "Vouliez-vous dire /language\u00a0?" in (await chat.send(chat.person(40, language_code="fr"),
                                                                    "/langue"))[0].text
    assert "Did you mean /settings?" in (await chat.send(person, "/setings"))[0].text


async def test_duplicate_update_is_ignored(chat: ChatDriver, database: Database) -> None:
    person = chat.person(50)
    first = await chat.send(person, "/help", update_id=777_000)
    again = await chat.send(person, "/help", update_id=777_000)
    assert first and not again
    async with database.uow() as uow:
        assert len((await uow.session.execute(select(ProcessedUpdate))).all()) == 1


@pytest.mark.parametrize(("typed", "language"), [("oui", "fr"), ("Да!", "ru"), ("好的", "zh")])
async def test_a_yes_typed_as_the_organisation_name_is_asked_about(chat: ChatDriver, database: Database,
                                                                 typed: str, language: str) -> None:
    """A tester typed "oui" at the organisation's name (answering the consent again): it became the name."""
    person = chat.person(5, language_code=language)
    await chat.send(person, "/start")
    await chat.press(person, "f:consent:c:yes")
    asked = await chat.send(person, typed)
    assert typed in asked[-1].text and any(code.startswith("f:entity_name:sure:") for code in codes(asked[-1]))
    named = await chat.send(person, "Université Cheikh Anta Diop")  # the real name: taken without a question
    assert "f:sector:c:government" in codes(named[-1]), named[-1].text
    await chat.press(person, "f:sector:back")
    again = await chat.send(person, typed)
    confirmed = await chat.press(person, next(code for code in codes(again[-1]) if ":sure:" in code))
    assert "f:sector:c:government" in codes(confirmed[-1])  # a name it really is, once confirmed
    async with database.uow() as uow:
        (draft,) = (await uow.session.execute(select(Draft))).scalars()
    assert draft.state["answers"]["entity_name"] == typed


@pytest.mark.parametrize("pasted", ["https://t.me/p2c_test_bot?start={token}", "  t.me/P2C_Test_Bot?start={token}\n",
                                    # copied from an Arabic message: the marks that isolate it left to right come too
                                    "\u200f\u2068https://t.me/p2c_test_bot?start={token}\u2069"])
async def test_an_invitation_link_pasted_rather_than_opened_joins(chat: ChatDriver, database: Database,
                                                                 pasted: str) -> None:
    """Demo tester: the link of an invitation, pasted into the chat (received by e-mail, say), got the greeting of a
    stranger; Telegram sends "/start TOKEN" only for a link that is opened."""
    token, _, _ = await invite(CreateInvite("GSMA", Role.coordinator), database.uow(), utcnow())
    person = chat.person(14)
    await chat.send(person, pasted.format(token=token))
    await chat.press(person, "f:consent:c:yes")
    welcome = await chat.send(person, "Lee Min")
    assert "coordinator" in welcome[-1].text and "GSMA" in welcome[-1].text
    other = await chat.send(chat.person(15), f"https://t.me/another_bot?start={token}")  # another bot's: not ours
    assert "already been used" not in other[0].text


async def test_one_invitation_link_among_words_joins_outside_a_form(chat: ChatDriver, database: Database) -> None:
    """A tester: "Hola, mi colega me mandó esto: https://t.me/…?start=…" got the stranger's greeting. The one link
    of this bot's in a message is the invitation, as the link alone is; two links are not guessed between, and in a
    form's answer a link stays words."""
    token, _, _ = await invite(CreateInvite("GSMA", Role.coordinator), database.uow(), utcnow())
    person = chat.person(17)
    asked = await chat.send(person, f"Hola, mi colega me mandó esto: https://t.me/p2c_test_bot?start={token}.")
    assert "f:consent:c:yes" in codes(asked[-1]), [a.text[:80] for a in asked]
    await chat.press(person, "f:consent:c:yes")
    welcome = await chat.send(person, "Lee Min")
    assert "GSMA" in welcome[-1].text
    second, _, _ = await invite(CreateInvite("ITU Academy", Role.coordinator), database.uow(), utcnow())
    third, _, _ = await invite(CreateInvite("UNICEF Giga", Role.coordinator), database.uow(), utcnow())
    two = await chat.send(chat.person(18), f"t.me/p2c_test_bot?start={second} or t.me/p2c_test_bot?start={third}?")
    assert not any("ITU Academy" in answer.text or "UNICEF" in answer.text for answer in two)
    registering = chat.person(19)
    await chat.send(registering, "/start")
    await chat.press(registering, "f:consent:c:yes")
    answers = await chat.send(registering, f"Red Rural, see https://t.me/p2c_test_bot?start={second}")
    assert not any("ITU Academy" in answer.text for answer in answers), "an answer of the form, not the invitation"
    # a review: one with a place already who quotes a link is writing about it, for someone else (Lee's question to
    # BDT; a staff answer replying with a link was taken for Bea's own joining, and lost)
    quoted = await chat.send(person, f"Is this link right for my colleague? https://t.me/p2c_test_bot?start={second}")
    assert not any("ITU Academy" in answer.text for answer in quoted), [a.text[:80] for a in quoted]


async def at_the_name(chat: ChatDriver, person: Person) -> Person:
    """Someone registering a Senegalese university without an invitation, asked their name next."""
    await chat.send(person, "/start")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, "Université de Dakar")
    await chat.press(person, "f:sector:c:academia")
    await chat.send(person, "Sénégal")
    return person


@pytest.mark.parametrize("typed", ["12345", "+221 77 123 45 67"])
async def test_a_name_without_letters_is_asked_about(chat: ChatDriver, database: Database, typed: str) -> None:
    """A tester's "12345" became a person's name, shown to staff and colleagues: a name without a letter (a phone
    number typed at the wrong question, most often) is asked about; typed again as the real name, it is not."""
    person = await at_the_name(chat, chat.person(6))
    asked = await chat.send(person, typed)
    assert f"“{typed}” has no letters" in asked[-1].text, asked[-1].text
    assert any(code.startswith("f:full_name:sure:") for code in codes(asked[-1]))
    named = await chat.send(person, "Moussa Ndiaye")
    assert "f:$sum:submit" in codes(named[-1]), named[-1].text
    async with database.uow() as uow:
        (draft,) = (await uow.session.execute(select(Draft))).scalars()
    assert draft.state["answers"]["full_name"] == "Moussa Ndiaye"
    await chat.press(person, "f:$sum:edit:full_name")
    again = await chat.send(person, typed)
    confirmed = await chat.press(person, next(code for code in codes(again[-1]) if ":sure:" in code))
    assert "f:$sum:submit" in codes(confirmed[-1]), confirmed[-1].text  # a name it really is, once confirmed
    async with database.uow() as uow:
        (draft,) = (await uow.session.execute(select(Draft))).scalars()
    assert draft.state["answers"]["full_name"] == typed


@pytest.mark.parametrize("typed", ["https://evil.example/x", "@awa_diop", "www.example.org", "evil.com"])
async def test_a_link_or_an_address_is_no_name(chat: ChatDriver, database: Database, typed: str) -> None:
    """A tester joined as "https://evil.example/x": staff read "Submitted by:" a link they could tap. A link or an
    address is refused as a name (in the person's language), and the name typed next is taken."""
    person = await at_the_name(chat, chat.person(7, language_code="fr"))
    refused = await chat.send(person, typed)
    assert "Un nom ne peut pas contenir de lien" in refused[-1].text, refused[-1].text
    named = await chat.send(person, "A.Diallo")  # an initial and a dot is a name
    assert "f:$sum:submit" in codes(named[-1]), named[-1].text
    async with database.uow() as uow:
        (draft,) = (await uow.session.execute(select(Draft))).scalars()
    assert draft.state["answers"]["full_name"] == "A.Diallo"
