"""Regressions of tester t2's findings 1, 2, 3 and 10: a person who unblocks the bot is reachable again and told what
they may have missed; the bot answers in a group with one line pointing to the private chat; a forward of the bot's
own message is never an answer, somebody else's is taken but said so; an update that could not be read is answered."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from chat_driver import ChatDriver
from sqlalchemy import update
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers import chats
from handlers.conversation import Deps
from handlers.inputs import Incoming, Person
from handlers.messages import N_, Text, reply_from_json
from handlers.router import handle
from models.clock import utcnow
from models.database import Database
from models.repositories.contacts import Contacts
from models.tables import Contact, Draft, Entity, Outbox

FOCAL = 100  # with_focal_points' first id
_ids = itertools.count(70_000)


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """One focal point of an organisation, reading the bot in Spanish."""
    return await ChatDriver(database, deps, renderer).with_focal_points(("es",))


def membership(person: Person, status: str, update_id: int | None = None) -> Incoming:
    return Incoming(update_id or next(_ids), person, utcnow(), membership=status, origin=f"k:{person.chat_id}:{status}")


async def contact_of(database: Database, telegram_id: int) -> Contact | None:
    async with database.uow() as uow:
        return await Contacts(uow.session).by_telegram_id(telegram_id)


async def test_blocking_marks_the_person_blocked_and_unblocking_brings_them_back_told_where_to_look(
        chat: ChatDriver, database: Database, deps: Deps) -> None:
    """#1: blocked by a my_chat_member update, the person drops out of every audience (as when a delivery finds them
    unreachable); unblocked, they are back in it (reminders resume) and told once what they may have missed."""
    person = chat.person(FOCAL, "Ada", "es")
    contact = await contact_of(database, FOCAL)
    assert contact is not None and contact.entity_id is not None
    await handle(membership(person, "kicked"), database.uow(), deps)
    blocked = await contact_of(database, FOCAL)
    assert blocked is not None and blocked.blocked
    async with database.uow() as uow:
        assert await Contacts(uow.session).focal_points_of(contact.entity_id) == []
    assert await chat.collect(FOCAL) == []

    back = membership(person, "member")
    await handle(back, database.uow(), deps)
    await handle(back, database.uow(), deps)  # delivered twice: said once
    told = await chat.collect(FOCAL)
    assert [m.text for m in told] == ["¡Hola de nuevo! Si le envié algo mientras me tenía bloqueado, no le llegó: "
                                      "/mypledges muestra los compromisos de su organización, las decisiones sobre "
                                      "ellos y sus últimos informes, y /questions sus preguntas a la BDT y sus "
                                      "respuestas."]
    again = await contact_of(database, FOCAL)
    assert again is not None and not again.blocked
    async with database.uow() as uow:
        assert [c.telegram_id for c in await Contacts(uow.session).focal_points_of(contact.entity_id)] == [FOCAL]


async def test_a_stranger_blocking_or_unblocking_is_not_kept(chat: ChatDriver, database: Database,
                                                              deps: Deps) -> None:
    stranger = chat.person(4242, "Zoe", "fr")
    await handle(membership(stranger, "kicked"), database.uow(), deps)
    await handle(membership(stranger, "member"), database.uow(), deps)
    assert await contact_of(database, 4242) is None
    assert await chat.collect(4242) == []


async def group_rows(database: Database, chat_id: int) -> list[tuple[str, str | None]]:
    async with database.uow() as uow:
        rows = (await uow.session.execute(select(Outbox).where(col(Outbox.chat_id) == chat_id))).scalars().all()
        return [(r.key, r.payload.get("locale")) for r in rows]


async def test_in_a_group_one_line_points_to_the_private_chat_in_the_senders_language(
        chat: ChatDriver, database: Database, deps: Deps, renderer: Renderer) -> None:
    """#2: the bot was silent in a group. Now a command or mention there gets one line, in the sender's language (the
    one the bot knows them in, else their Telegram's), with the link to the private chat; nothing is kept of a
    stranger who wrote there, and a redelivered update says nothing more."""
    group = -100777
    known = replace(chat.person(FOCAL, "Ada", "en"), chat_id=group)  # Telegram in English, the bot in Spanish
    said = Incoming(next(_ids), known, utcnow(), chat_type="group", origin="g:-100777:5:1")
    await handle(said, database.uow(), deps)
    await handle(said, database.uow(), deps)
    stranger = Person(5151, group, "Zoe", language_code="ru")
    await handle(Incoming(next(_ids), stranger, utcnow(), chat_type="group", origin="g:-100777:6:1"),
                 database.uow(), deps)
    rows = await group_rows(database, group)
    assert [locale for _, locale in rows] == ["es", "ru"]
    assert await contact_of(database, 5151) is None
    async with database.uow() as uow:
        payloads = (await uow.session.execute(select(Outbox.payload).where(col(Outbox.chat_id) == group))).scalars()
        texts = [renderer.reply(reply_from_json(p["reply"]), p["locale"]).text for p in payloads]
    assert texts == ["Solo funciono en un chat privado: abra t.me/p2c_test_bot para hablar conmigo.",
                     "Я работаю только в личном чате: откройте t.me/p2c_test_bot, чтобы поговорить со мной."]


async def current_step(database: Database, telegram_id: int) -> tuple[str, dict[str, object]]:
    async with database.uow() as uow:
        draft = (await uow.session.execute(select(Draft).join(Contact, col(Contact.id) == col(Draft.contact_id))
                                           .where(col(Contact.telegram_id) == telegram_id))).scalar_one()
        return draft.step_id, dict(draft.state.get("answers", {}))


async def test_a_forward_of_the_bots_own_message_is_never_an_answer(chat: ChatDriver, database: Database,
                                                                    deps: Deps) -> None:
    """#3: a bot text forwarded back became the report's "Steps taken". Now it is refused and the question asked
    again; somebody else's forwarded text is read as the answer, and the person told so."""
    person = chat.person(FOCAL, "Ada", "es")
    await chat.send(person, "/pledge")
    before = await current_step(database, FOCAL)
    own = replace(Incoming.from_text(next(_ids), person, "Compromiso P2C-2026-00001 registrado.", utcnow()),
                  forwarded="bot")
    await handle(own, database.uow(), deps)
    answered = await chat.collect(FOCAL)
    assert answered[0].text.startswith("Ese es uno de mis propios mensajes, reenviado de vuelta: no lo tomo como "
                                       "una respuesta.")
    assert await current_step(database, FOCAL) == before, "not taken as the answer"

    other = replace(Incoming.from_text(next(_ids), person, "Escuelas conectadas en el altiplano", utcnow()),
                    forwarded="other")
    await handle(other, database.uow(), deps)
    answered = await chat.collect(FOCAL)
    assert answered[0].text == "Ha reenviado este mensaje: su texto se lee como su respuesta a la pregunta."
    assert await current_step(database, FOCAL) != before, "taken as the answer"


async def test_a_forward_of_the_bots_own_message_outside_a_form_offers_no_question_to_bdt(
        chat: ChatDriver, database: Database, deps: Deps) -> None:
    person = chat.person(FOCAL, "Ada", "es")
    own = replace(Incoming.from_text(next(_ids), person, "📅 3 informes de avance pendientes", utcnow()),
                  forwarded="bot")
    await handle(own, database.uow(), deps)
    answered = await chat.collect(FOCAL)
    assert len(answered) == 1 and answered[0].text.startswith("Ese es uno de mis propios mensajes")
    assert not answered[0].buttons


async def test_an_update_that_could_not_be_read_is_answered_in_the_persons_language(
        chat: ChatDriver, database: Database, deps: Deps, renderer: Renderer) -> None:
    """#10: the person met silence. Now they are asked to send it again: in the language the bot knows them in, else
    their Telegram's; once for an update delivered twice."""
    known = Person(FOCAL, FOCAL, "", language_code="en")
    await chats.unreadable_update(77, known, database.uow(), deps)
    await chats.unreadable_update(77, known, database.uow(), deps)
    assert [m.text for m in await chat.collect(FOCAL)] == [
        "No he podido leer ese mensaje. Envíelo de nuevo como texto o como archivo."]
    stranger = Person(6161, 6161, "", language_code="zh-hans")
    await chats.unreadable_update(78, stranger, database.uow(), deps)
    assert await group_rows(database, 6161) == [("unread:6161:78", "zh")]
    assert await contact_of(database, 6161) is None


async def test_the_line_to_a_group_is_delivered_in_the_senders_language(database: Database, deps: Deps,
                                                                        renderer: Renderer) -> None:
    """A row with no contact was rendered in the default language: the group's line came in English to a person
    whose Telegram speaks Russian."""
    from test_delivery import FakeTelegram, worker

    stranger = Person(5252, -100888, "Zoe", language_code="ru")
    await handle(Incoming(next(_ids), stranger, utcnow(), chat_type="group", origin="g:-100888:1:1"),
                 database.uow(), deps)
    telegram = FakeTelegram()
    await worker(database, renderer, telegram).send_due()
    assert telegram.sent == [(-100888, "Я работаю только в личном чате: откройте t.me/p2c_test_bot, чтобы поговорить "
                                       "со мной.")]


async def test_unblocking_by_someone_who_never_started_the_bot_says_nothing_and_keeps_their_first_visit(
        database: Database, deps: Deps, renderer: Renderer) -> None:
    """A role given by `admin grant` to someone who never wrote: its notice could not be delivered (Telegram: "bot
    can't initiate conversation"), so they were marked blocked. Blocking and unblocking the bot from its profile
    told them "Welcome back! What I sent while you had blocked me did not reach you" and counted as a visit, so
    their first /start read "Welcome back, Officer!" with no first welcome."""
    from handlers.admin import GrantRole, grant_role
    from models.values import Role

    chat = ChatDriver(database, deps, renderer)
    await grant_role(GrantRole(2002, Role.staff), database.uow(), utcnow())
    granted = await contact_of(database, 2002)
    assert granted is not None and granted.id is not None and granted.last_seen_at is None
    async with database.uow() as uow:
        await Contacts(uow.session).mark_blocked([granted.id])
        await uow.commit()
    await chat.collect(2002)
    officer = chat.person(2002, "Officer", language_code="fr")
    await handle(membership(officer, "kicked"), database.uow(), deps)
    await handle(membership(officer, "member"), database.uow(), deps)
    assert await chat.collect(2002) == []
    back = await contact_of(database, 2002)
    assert back is not None and not back.blocked and back.last_seen_at is None, "reachable, still never seen"
    first = await chat.send(officer, "/start")
    assert first[0].text.startswith("Bienvenue, Officer\u00a0!"), first[0].text


async def test_a_refusal_recorded_after_the_unblock_leaves_the_person_reachable(
        chat: ChatDriver, database: Database, deps: Deps, renderer: Renderer) -> None:
    """A reminder was being sent as the person blocked the bot: Telegram refused it, and the person unblocked the
    bot before delivery recorded the refusal. The refusal then marked them blocked again, after "Welcome back!":
    out of every audience (reminders, digests, notices) though they had just come back."""
    from test_delivery import FakeTelegram, worker

    from bot.delivery import RecipientGoneError
    from bot.i18n import Rendered
    from handlers import outbox
    from handlers.messages import Reply, Text

    person = chat.person(FOCAL, "Ada", "es")
    await handle(membership(person, "kicked"), database.uow(), deps)
    contact = await contact_of(database, FOCAL)
    assert contact is not None and contact.entity_id is not None
    async with database.uow() as uow:
        await outbox.enqueue(uow.session, contact, Reply((Text("Reminder"),)), "rem:race", priority=outbox.BULK)
        await uow.commit()

    class UnblockedMeanwhile(FakeTelegram):
        async def send(self, chat_id: int, message: Rendered) -> int:
            if message.text == "Reminder":  # refused, and the unblock handled before the refusal is recorded
                await handle(membership(person, "member"), database.uow(), deps)
                raise RecipientGoneError("Forbidden: bot was blocked by the user")
            return await super().send(chat_id, message)

    await worker(database, renderer, UnblockedMeanwhile()).send_due()
    again = await contact_of(database, FOCAL)
    assert again is not None and not again.blocked
    async with database.uow() as uow:
        assert [c.telegram_id for c in await Contacts(uow.session).focal_points_of(contact.entity_id)] == [FOCAL]


class Acknowledger:
    """Stands in for the Bot API client: the callback queries answered."""

    def __init__(self) -> None:
        self.acknowledged: list[str] = []

    async def acknowledge(self, callback_query_id: str, text: str | None = None) -> None:
        self.acknowledged.append(callback_query_id)


async def test_a_button_press_that_could_not_be_read_stops_its_spinner_and_is_answered(
        chat: ChatDriver, database: Database, deps: Deps, renderer: Renderer) -> None:
    """A press whose update aiogram could not build (the message under the button of a shape it does not know) was
    confirmed with a log line: never acknowledged (the spinner turned on the phone) and the person met silence."""
    from test_app_delivery import Delivery, app_of

    class Acknowledging(Delivery):
        def __init__(self) -> None:
            super().__init__()
            self.sender = Acknowledger()

    delivery = Acknowledging()
    app = app_of(database, deps, renderer, delivery)
    under = {"message_id": 3, "date": "not a date", "chat": {"id": FOCAL, "type": "private"}}
    press = {"update_id": 90, "callback_query": {"id": "q-1", "from": {"id": FOCAL, "is_bot": False},
                                                 "chat_instance": "c", "data": "f:title:skip", "message": under}}
    await app.unreadable_update(press)
    assert delivery.sender.acknowledged == ["q-1"]
    assert [m.text for m in await chat.collect(FOCAL)] == [
        "No he podido leer la pulsación de ese botón. Vuelva a intentarlo; si sigue sin funcionar, envíe /help."]
    in_group = {"update_id": 91, "callback_query": {"id": "q-2", "from": {"id": FOCAL, "is_bot": False},
                                                    "message": {**under, "chat": {"id": -100, "type": "group"}}}}
    await app.unreadable_update(in_group)
    assert delivery.sender.acknowledged == ["q-1", "q-2"]
    assert await chat.collect(FOCAL) == [] and await group_rows(database, -100) == []


async def test_back_after_blocking_mid_form_the_question_comes_again(chat: ChatDriver, database: Database,
                                                                     deps: Deps, renderer: Renderer) -> None:
    """QA: a focal point who blocked the bot in the middle of a pledge (its next question refused) was told only to
    look at /mypledges once back; someone half-way through registering was told nothing, and their next message got
    "choose with the buttons" below a question never seen. The form's question now comes again."""
    again = renderer.label(Text(N_("Now, back to the questions you left open:")), "es", markup=False)
    person = chat.person(FOCAL, "Ada", "es")
    asked = await chat.send(person, "/pledge")
    await handle(membership(person, "kicked"), database.uow(), deps)
    await handle(membership(person, "member"), database.uow(), deps)
    back = await chat.collect(FOCAL)
    assert back[0].text.startswith("¡Hola de nuevo!") and again in back[-1].text
    assert asked[-1].text.split("\n")[-1] in back[-1].text, "the title's question, asked again"

    newcomer = chat.person(4343, "Zoe", "fr")
    registering = await chat.send(newcomer, "/start")
    await handle(membership(newcomer, "kicked"), database.uow(), deps)
    await handle(membership(newcomer, "member"), database.uow(), deps)
    (given_back,) = await chat.collect(4343)
    assert renderer.label(Text(N_("Now, back to the questions you left open:")), "fr", markup=False) \
        in given_back.text
    assert [label for row in registering[-1].buttons for label, _ in row] == \
        [label for row in given_back.buttons for label, _ in row]


async def test_telegram_s_restart_gives_the_question_back_once(chat: ChatDriver, database: Database, deps: Deps,
                                                              renderer: Renderer) -> None:
    """Review: Restart in a blocked bot's chat sends the unblock, then /start: the question came twice, once given
    back, once by /start ("Welcome back! Let's continue"). /start a moment after gives nothing more; later, as ever."""
    person = chat.person(FOCAL, "Ada", "es")
    await chat.send(person, "/pledge")
    await handle(membership(person, "kicked"), database.uow(), deps)
    await handle(membership(person, "member"), database.uow(), deps)
    back = await chat.collect(FOCAL)
    restarted = await chat.send(person, "/start")
    assert [m.text for m in back if m.buttons] and not restarted, [m.text for m in restarted]


async def test_back_after_blocking_the_form_is_given_back_on_the_persons_own_day(
        chat: ChatDriver, database: Database, deps: Deps) -> None:
    """Review: the question given back after an unblock was asked as of the deployment's day, not the person's (their
    organisation's capital's until they choose a zone), as every other answer of theirs is."""
    person = chat.person(FOCAL, "Ada", "es")
    contact = await contact_of(database, FOCAL)
    assert contact is not None and contact.entity_id is not None and contact.timezone is None
    async with database.uow() as uow:
        await uow.session.execute(update(Entity).where(col(Entity.id) == contact.entity_id).values(country_iso3="BOL"))
        await uow.commit()
    await chat.send(person, "/pledge")
    await handle(membership(person, "kicked"), database.uow(), deps)
    late_in_la_paz = datetime(2026, 12, 2, 2, 30, tzinfo=UTC)  # 22:30 on 1 December in La Paz
    back = Incoming(next(_ids), person, late_in_la_paz, membership="member", origin=f"k:{FOCAL}:member:late")
    conv = await handle(back, database.uow(), deps)
    assert conv is not None and conv.country == "BOL" and conv.today == date(2026, 12, 1)
