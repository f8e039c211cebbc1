"""First contact (issue 14, items 13-14): a newcomer whose Telegram speaks none of the six is offered the six
languages named in themselves; a greeting is greeted in every language; each role is offered only what it can do."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes

from bot.i18n import Renderer
from handlers.admin import CreateInvite, GrantRole, grant_role, invite
from handlers.conversation import Deps
from handlers.greetings import is_greeting
from handlers.inputs import Person
from handlers.messages import Text
from models.clock import utcnow
from models.database import Database
from models.repositories.contacts import Contacts
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
    ("", False), ("!!!", False), ("Hallo", True), ("Olá!", True), ("Merhaba 👋", True),
    ("Ciao, ho una domanda sul rapporto", False),
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


@pytest.mark.parametrize(("telegram_language", "words"), [
    ("de", "Hallo"), ("pt-BR", "Olá"), ("it", "Ciao!"), ("tr", "Merhaba"), ("de", "Hola"), ("sw", "Habari"),
    ("de", "Wie funktioniert das hier?"), ("pt-BR", "👋"),
])
async def test_a_newcomer_s_first_words_in_any_language_get_the_welcome(chat: ChatDriver, telegram_language: str,
                                                                        words: str) -> None:
    answers = await chat.send(chat.person(8107, language_code=telegram_language), words)
    assert set(codes(answers[0])) == SIX  # the six languages first, then the welcome and the way to begin
    assert not any("I did not understand" in m.text for m in answers)
    assert "Partner2Connect assistant" in answers[1].text and "/start" in answers[-1].text


async def language_of(database: Database, telegram_id: int) -> str | None:
    async with database.uow() as uow:
        found = await Contacts(uow.session).by_telegram_id(telegram_id)
        return found.language if found is not None else None


async def focal_point(chat: ChatDriver, database: Database, telegram_id: int, language: str = "es") -> Person:
    token, _, _ = await invite(CreateInvite("Conecta Andes S.A.", Role.focal_point), database.uow(), utcnow())
    person = chat.person(telegram_id, "Lucía", language)
    await chat.send(person, f"/start {token}")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, "Lucía Quispe")
    return person


async def test_language_with_a_language_switches_at_once_and_a_typed_name_switches_too(chat: ChatDriver,
                                                                                      database: Database) -> None:
    lucia = await focal_point(chat, database, 8108)
    assert [m.text for m in await chat.send(lucia, "/language fr")] == ["Désormais, je vous écrirai en français."]
    menu = await chat.send(lucia, "/language")
    assert set(codes(menu[0])) == SIX
    for typed, code in (("English", "en"), ("中文", "zh"), ("espanol", "es"), ("Русский!", "ru"), ("français", "fr")):
        answers = await chat.send(lucia, typed)
        assert len(answers) == 1 and not codes(answers[0]), (typed, answers)  # not offered as a question to BDT
        assert await language_of(database, 8108) == code, typed
    unknown = await chat.send(lucia, "/language klingon")
    assert set(codes(unknown[0])) == SIX


@pytest.mark.parametrize("words", ["👍", "🙏🙏", "Gracias", "¡Muchas gracias!", "ok", "Merci 🙏", "谢谢"])
async def test_thanks_and_emoji_after_an_answer_are_not_offered_as_a_question(chat: ChatDriver, database: Database,
                                                                              words: str) -> None:
    lucia = await focal_point(chat, database, 8109, "en")
    answers = await chat.send(lucia, words)
    assert len(answers) == 1 and not codes(answers[0]), answers  # no "Send to the P2C team?" with its buttons
    assert "/help" in answers[0].text
    offered = await chat.send(lucia, "¿Cuándo vence el informe? 2027?")
    assert "f:message:send" in codes(offered[0])  # a real question still is


@pytest.mark.parametrize(("words", "expected"), [("help", "/help"), ("帮助", "/help"), ("Помощь!", "/help"),
                                                 ("назад", "/help"), ("annuler", "nothing to cancel")])
async def test_a_form_s_word_typed_with_no_form_open_is_not_offered_as_a_question(chat: ChatDriver, database: Database,
                                                                                 words: str, expected: str) -> None:
    lucia = await focal_point(chat, database, 8110, "en")
    answers = await chat.send(lucia, words)
    assert len(answers) == 1 and not codes(answers[0]), answers  # no "Send to the P2C team?" with its buttons
    assert expected in answers[0].text


@pytest.mark.parametrize(("command", "language", "said"), [
    ("/digest", "ar", "مخصص لمن سجّلوا باسم مؤسسة"), ("/export", "fr", "Pour vous inscrire, envoyez /start"),
    ("/pending", "en", "To register, send /start"), ("/broadcast", "zh", "如需注册，请发送 /start"),
])
async def test_a_command_for_members_tells_a_stranger_how_to_register(chat: ChatDriver, command: str, language: str,
                                                                     said: str) -> None:
    """A coordinator who used /forget kept /digest in his menu, which answered "Sorry, you are not allowed", no more."""
    answers = await chat.send(chat.person(8201, language_code=language), command)
    assert len(answers) == 1 and said in answers[0].text
