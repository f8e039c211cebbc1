"""First contact (issue 14, items 13-14): a newcomer whose Telegram speaks none of the six is offered the six
languages named in themselves; a greeting is greeted in every language; each role is offered only what it can do."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes

from bot.i18n import Renderer
from handlers.admin import CreateInvite, GrantRole, grant_role, invite
from handlers.conversation import Deps
from handlers.greetings import is_greeting
from handlers.messages import Text
from models.clock import utcnow
from models.database import Database
from models.values import LANGUAGE_NAMES, Role

SIX = {f"lang:{code}" for code in LANGUAGE_NAMES}


@pytest.fixture
def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    return ChatDriver(database, deps, renderer)


@pytest.mark.parametrize("telegram_language", ["pt-BR", "de", "sw", None])
async def test_a_newcomer_outside_the_six_is_offered_the_six_languages_at_once(chat: ChatDriver,
                                                                               telegram_language: str | None) -> None:
    person = chat.person(8101, language_code=telegram_language)
    answers = await chat.send(person, "Olá")
    assert set(codes(answers[0])) == SIX
    labels = {label for row in answers[0].buttons for label, _ in row}
    assert labels == set(LANGUAGE_NAMES.values())
    for word in ("Choose your language", "Choisissez votre langue", "Выберите язык", "Elija su idioma", "请选择语言",
                 "اختر لغتك"):
        assert word in answers[0].text
    chosen = await chat.press(person, "lang:es")
    assert "español" in chosen[0].text.lower()
    again = await chat.send(person, "hola")
    assert not any(set(codes(m)) == SIX for m in again), "offered once, on the first reply only"


async def test_a_newcomer_in_one_of_the_six_is_not_asked_for_a_language(chat: ChatDriver) -> None:
    answers = await chat.send(chat.person(8102, language_code="fr-CA"), "/start")
    assert not any(set(codes(m)) == SIX for m in answers)


@pytest.mark.parametrize(("language", "words"), [
    ("en", "Hello!"), ("fr", "Bonjour"), ("es", "¡Hola!"), ("ru", "Здравствуйте"), ("ar", "السلام عليكم"),
    ("zh", "你好！"), ("en", "good morning 👋"), ("fr", "bonsoir"), ("ru", "привет"), ("zh", "您好"), ("ar", "مرحبا"),
])
async def test_a_first_greeting_is_greeted(chat: ChatDriver, renderer: Renderer, language: str, words: str) -> None:
    answers = await chat.send(chat.person(8103, language_code=language), words)
    did_not_understand = renderer.label(Text("I did not understand that."), language)
    assert not any(did_not_understand in m.text for m in answers)
    assert "/start" in answers[-1].text


async def test_a_known_person_is_greeted_by_name_with_their_commands(chat: ChatDriver, database: Database) -> None:
    await grant_role(GrantRole(8104, Role.staff), database.uow(), utcnow())
    answers = await chat.send(chat.person(8104, "Bea"), "Hello")
    assert "Hello" in answers[0].text and "/pending" in answers[0].text and "/pledge" not in answers[0].text


@pytest.mark.parametrize(("text", "greeting"), [
    ("Bonjour !", True), ("  HELLO  ", True), ("Buenos días", True), ("السلام عليكم", True), ("晚上好", True),
    ("Bonjour, je voudrais enregistrer un engagement de 2 millions", False), ("Connect 500 schools", False),
    ("", False), ("!!!", False),
])
def test_greetings_are_whole_messages(text: str, greeting: bool) -> None:
    assert is_greeting(text) is greeting


async def test_coordinators_are_not_sent_to_pledge(chat: ChatDriver, database: Database) -> None:
    token, _, _ = await invite(CreateInvite("Ministry of ICT", Role.coordinator), database.uow(), utcnow())
    person = chat.person(8105, "Cora")
    await chat.send(person, f"/start {token}")
    await chat.press(person, "f:consent:c:yes")
    welcome = await chat.send(person, "Cora Ordinator")
    texts = [m.text for m in welcome]
    texts += [m.text for m in await chat.send(person, "/mypledges")]
    texts += [m.text for m in await chat.send(person, "/pledge")]
    texts += [m.text for m in await chat.send(person, "/report")]
    texts += [m.text for m in await chat.send(person, "/help")]
    assert texts and not any("/pledge" in t or "/start" in t or "/report" in t for t in texts), texts
    assert any("/digest" in t for t in texts)


async def test_staff_are_pointed_to_pending_not_to_start(chat: ChatDriver, database: Database) -> None:
    await grant_role(GrantRole(8106, Role.staff), database.uow(), utcnow())
    person = chat.person(8106, "Bea")
    for command in ("/pledge", "/report", "/mypledges"):
        answer = (await chat.send(person, command))[-1].text
        assert "/pending" in answer and "/start" not in answer, (command, answer)
