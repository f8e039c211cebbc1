"""Long pastes held in the database (handlers.pastes): a first part is held with nothing said, the person's next text
is joined to it, a long one held again, anything else hands the held text over first, and a hold that runs out is
handed over alone, claimed once however many take it at the same moment. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from chat_driver import ChatDriver
from sqlmodel import col, select

from bot.app import handle_retrying
from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.inputs import Incoming, Person
from handlers.pastes import Held
from handlers.router import hand_over, handle, stale_holds
from models.clock import utcnow
from models.database import Database
from models.tables import Contact, Draft, Outbox

FOCAL = 4100
SENTENCE = "We will connect rural schools to broadband and train their teachers in digital skills. "
FIRST = "x" * 4091  # a first part as the apps cut it, over the description's 4,000 characters
VALID = (SENTENCE * 30).strip()  # 2,609 characters: long enough to be held, short enough to be a description


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver holding long texts as the bot does (build_app), with a focal point asked for a description."""
    driver = ChatDriver(database, replace(deps, hold_pastes=True), renderer)
    await driver.with_focal_points(("en",), first_id=FOCAL)
    person = driver.person(FOCAL)
    await driver.send(person, "/pledge")
    asked = await driver.send(person, "Connect 500 rural schools")
    assert "describe the pledge" in asked[-1].text.lower()
    return driver


def text(update_id: int, value: str, person: Person) -> Incoming:
    return Incoming.from_text(update_id, person, value, utcnow(), origin=f"m:{person.chat_id}:{update_id}:0")


async def contact_of(database: Database, telegram_id: int = FOCAL) -> Contact:
    async with database.uow() as uow:
        query = select(Contact).where(col(Contact.telegram_id) == telegram_id)
        return (await uow.session.execute(query)).scalar_one()


async def description(database: Database) -> object:
    async with database.uow() as uow:
        draft = (await uow.session.execute(select(Draft).join(Contact, col(Contact.id) == col(Draft.contact_id))
                                           .where(col(Contact.telegram_id) == FOCAL))).scalar_one()
    return draft.state["answers"].get("description")


async def keys_of(database: Database, update_key: int) -> list[str]:
    async with database.uow() as uow:
        rows = await uow.session.execute(select(Outbox.key).where(col(Outbox.key).startswith(f"u:{update_key}:")))
    return list(rows.scalars())


async def test_a_first_part_is_held_and_its_continuation_joined(chat: ChatDriver) -> None:
    person = chat.person(FOCAL)
    first = text(70_001, FIRST, person)
    conv = await handle(first, chat.database.uow(), chat.deps)
    assert conv is not None and conv.held is not None and conv.replies == [] and conv.pushed == []
    assert await chat.collect(FOCAL) == [], "nothing is said while a text is held"
    held = await contact_of(chat.database)
    assert held.held_at == conv.held and [part["text"] for part in held.held or []] == [FIRST]
    assert await handle(first, chat.database.uow(), chat.deps) is None, "the held part's update was marked processed"
    tail = text(70_002, "y" * 432, person)
    joined = await handle(tail, chat.database.uow(), chat.deps)
    assert joined is not None and joined.held is None
    replies = await chat.collect(FOCAL)
    assert len(replies) == 1 and "Too long" in replies[0].text and "4,524" in replies[0].text, replies[0].text
    assert await keys_of(chat.database, first.key), "the joined text's replies are keyed by its first part"
    assert (await contact_of(chat.database)).held is None
    assert await handle(tail, chat.database.uow(), chat.deps) is None, "a redelivered continuation is not joined again"
    assert await chat.collect(FOCAL) == []
    assert await description(chat.database) is None


async def test_a_long_continuation_is_held_again(chat: ChatDriver) -> None:
    person = chat.person(FOCAL)
    for update_id, part in ((70_011, "a" * 4096), (70_012, "b" * 4096)):
        conv = await handle(text(update_id, part, person), chat.database.uow(), chat.deps)
        assert conv is not None and conv.held is not None
    assert len((await contact_of(chat.database)).held or []) == 2
    assert await chat.collect(FOCAL) == []
    await handle(text(70_013, "tail", person), chat.database.uow(), chat.deps)
    replies = await chat.collect(FOCAL)
    assert len(replies) == 1 and "8,196" in replies[0].text, replies[0].text  # cut inside a word: nothing between


@pytest.mark.parametrize("then", ["command", "button", "file", "text that fits with it"])
async def test_anything_else_hands_the_held_text_over_first(chat: ChatDriver, then: str) -> None:
    """A text that would have fitted in one message with the part held is one of its own (a tester's "P.S." sent a
    second after a long answer was joined to it, and the whole refused as too long)."""
    person = chat.person(FOCAL)
    conv = await handle(text(70_021, VALID, person), chat.database.uow(), chat.deps)
    assert conv is not None and conv.held is not None
    after = {"command": text(70_022, "/help", person),
             "button": Incoming(70_022, person, utcnow(), code="f:focus_area:c:access"),
             "file": Incoming(70_022, person, utcnow(), file_id="PHOTO", file_kind="photo"),
             "text that fits with it": text(70_022, "P.S. " + "and their teachers " * 70, person)}[then]
    await handle(after, chat.database.uow(), chat.deps)
    replies = await chat.collect(FOCAL)
    assert "focus area" in replies[0].text.lower(), "the held text answered the question first"
    assert len(replies) >= 2, [r.text[:60] for r in replies]
    assert await description(chat.database) == VALID
    assert (await contact_of(chat.database)).held is None


async def test_a_command_with_a_long_text_after_a_held_one_is_held_in_turn(chat: ChatDriver) -> None:
    """A held text is answered before a command, and a command followed by a long text may itself be the first part
    of a split text: held in turn."""
    person = chat.person(FOCAL)
    await handle(text(70_025, VALID, person), chat.database.uow(), chat.deps)
    second = "/ask " + "z" * 2100
    conv = await handle(text(70_026, second, person), chat.database.uow(), chat.deps)
    assert conv is not None and conv.held is not None
    assert "focus area" in (await chat.collect(FOCAL))[0].text.lower(), "the first text answered its question"
    assert await description(chat.database) == VALID
    held = (await contact_of(chat.database)).held or []
    assert [(part["text"], part["command"], part["argument"]) for part in held] == [(second, "ask", "z" * 2100)]


async def test_a_command_with_a_long_text_is_joined_to_its_continuation(chat: ChatDriver) -> None:
    """A tester sent /ask with a question of 5,418 characters, which the app split: its first part was refused as too
    long and the second became the question. The parts are one /ask again, refused whole."""
    person = chat.person(FOCAL)
    first = text(70_041, "/ask " + "q" * 4000, person)
    conv = await handle(first, chat.database.uow(), chat.deps)
    assert conv is not None and conv.held is not None and await chat.collect(FOCAL) == []
    await handle(text(70_042, "r" * 500, person), chat.database.uow(), chat.deps)
    replies = await chat.collect(FOCAL)
    assert "Too long" in replies[0].text and "4,501" in replies[0].text, [r.text[:200] for r in replies]
    assert all("rrr" not in reply.text for reply in replies), "nothing of the continuation became a question"
    # held alone, then handed over alone before a command: the /ask with its text, added to the question the refusal
    # opened
    assert await chat.send(person, "/ask " + "s" * 2500) == []
    await handle(text(70_052, "/help", person), chat.database.uow(), chat.deps)
    after = await chat.collect(FOCAL)
    assert after[1].text.startswith("Added.") and "s" * 40 in after[1].text, [r.text[:100] for r in after]


async def test_a_hold_that_runs_out_is_handed_over_alone_once(chat: ChatDriver) -> None:
    person = chat.person(FOCAL)
    conv = await handle(text(70_031, VALID, person), chat.database.uow(), chat.deps)
    assert conv is not None and conv.held is not None
    assert await chat.database.whole(lambda uow: stale_holds(uow, utcnow() - timedelta(minutes=1))) == []
    stale = await chat.database.whole(lambda uow: stale_holds(uow, utcnow() + timedelta(seconds=1)))
    assert stale == [Held(FOCAL, FOCAL, conv.held)]
    handed = await chat.database.whole(lambda uow: hand_over(stale[0], uow, chat.deps))
    assert handed is not None and "focus area" in (await chat.collect(FOCAL))[0].text.lower()
    assert await description(chat.database) == VALID
    assert await chat.database.whole(lambda uow: hand_over(stale[0], uow, chat.deps)) is None, "taken once"
    assert await chat.database.whole(lambda uow: stale_holds(uow, utcnow() + timedelta(seconds=1))) == []
    assert await chat.collect(FOCAL) == []


async def test_two_takers_racing_hand_the_held_text_over_once(chat: ChatDriver) -> None:
    person = chat.person(FOCAL)
    conv = await handle(text(70_041, VALID, person), chat.database.uow(), chat.deps)
    assert conv is not None and conv.held is not None
    held = Held(FOCAL, FOCAL, conv.held)
    taken = await asyncio.gather(*(chat.database.whole(lambda uow: hand_over(held, uow, chat.deps))
                                   for _ in range(3)))
    assert sum(1 for result in taken if result is not None) == 1
    replies = await chat.collect(FOCAL)
    assert len(replies) == 1 and "focus area" in replies[0].text.lower()


async def test_a_continuation_racing_the_timer_is_either_joined_or_follows(chat: ChatDriver) -> None:
    person = chat.person(FOCAL)
    conv = await handle(text(70_051, VALID, person), chat.database.uow(), chat.deps)
    assert conv is not None and conv.held is not None
    held = Held(FOCAL, FOCAL, conv.held)
    tail = text(70_052, "and their teachers.", person)
    timer, continuation = await asyncio.gather(chat.database.whole(lambda uow: hand_over(held, uow, chat.deps)),
                                               handle_retrying(tail, chat.database, chat.deps))
    assert continuation is not None
    replies = await chat.collect(FOCAL)
    if timer is None:  # the continuation took it: one answer, joined
        assert await description(chat.database) == f"{VALID}\nand their teachers."
        assert len(replies) == 1
    else:  # the timer took it: the text alone, then the tail answers the next question
        assert await description(chat.database) == VALID
        assert "focus area" in replies[0].text.lower() and len(replies) >= 2
    assert (await contact_of(chat.database)).held is None


NEWCOMER = 4200
PASTE = (SENTENCE * 50).strip()  # 4,349 characters: the apps send them as two messages
CUT = PASTE.rfind(" ", 0, 4096)


@pytest.mark.parametrize("telegram_language", ["pt-BR", "fr", None])
@pytest.mark.parametrize("way", ["joined", "held again", "handed over", "before a command"])
async def test_a_newcomers_first_message_held_gets_what_any_first_message_gets(
        database: Database, deps: Deps, renderer: Renderer, telegram_language: str | None, way: str) -> None:
    """A newcomer whose first message is a long paste is offered the six languages (their Telegram speaks none of
    them) and greeted, as after any first message: whether its continuation is joined to it, or it is handed over
    alone when its hold runs out or before their next message."""
    holding = ChatDriver(database, replace(deps, hold_pastes=True), renderer)
    plain = ChatDriver(database, deps, renderer)
    person, other = (holding.person(n, language_code=telegram_language) for n in (NEWCOMER, NEWCOMER + 1))
    first = text(70_101, PASTE[:CUT], person)
    conv = await handle(first, database.uow(), holding.deps)
    assert conv is not None and conv.held is not None
    if way == "joined":
        await handle(text(70_102, PASTE[CUT + 1:], person), database.uow(), holding.deps)
    elif way == "held again":  # a continuation long enough to be held in its turn, then the end
        assert (await handle(text(70_102, "b" * 4096, person), database.uow(), holding.deps) or conv).held
        await handle(text(70_103, "tail", person), database.uow(), holding.deps)
    elif way == "handed over":
        assert await database.whole(lambda uow: hand_over(Held(NEWCOMER, NEWCOMER, conv.held), uow, deps))
    else:
        await handle(text(70_102, "/help", person), database.uow(), holding.deps)
    got = await holding.collect(NEWCOMER)  # (each driver's collect takes every chat's messages)
    if way == "joined":
        expected = await plain.send(other, PASTE)
    elif way == "held again":
        expected = await plain.send(other, f"{PASTE[:CUT]} {'b' * 4096}tail")
    elif way == "handed over":
        expected = await plain.send(other, PASTE[:CUT])
    else:
        expected = [*await plain.send(other, PASTE[:CUT]), *await plain.send(other, "/help")]
    assert [(m.text, m.buttons) for m in got] == [(m.text, m.buttons) for m in expected]
    offered = [m for m in got if {code for row in m.buttons for _, code in row} >= {"lang:en", "lang:fr"}]
    assert len(offered) == (0 if telegram_language == "fr" else 1), [m.text[:40] for m in got]
    assert any("Partner2Connect" in m.text for m in got), "greeted"


async def test_formatting_made_in_the_app_survives_a_text_held_and_joined(database: Database, deps: Deps,
                                                                          renderer: Renderer) -> None:
    """A review: a broadcast's message of 2,048 characters or more was held as a possible split paste with its plain
    text only, and lost its bold."""
    chat = await ChatDriver.with_staff(database, replace(deps, hold_pastes=True), renderer, 9100)
    await chat.with_focal_points(("en",))
    staff = chat.person(9100)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:role:focal_point")
    await chat.press(staff, "f:audience:done")
    await chat.press(staff, "f:attachment:skip")
    await chat.press(staff, "f:language:c:en")
    long = "Register for the forum. " + "x" * 2100 + "."
    first = replace(text(70_101, long, staff), formatted="Register for <b>the forum</b>. " + "x" * 2100 + ".")
    held = await handle(first, database.uow(), chat.deps)
    assert held is not None and held.held is not None
    # a text that fits with it is a message of its own (a split text joined is over any broadcast's 4,000
    # characters, so the joining of formatted parts is tested in tests/unit/test_joining.py)
    await handle(text(70_102, "/help", staff), database.uow(), chat.deps)
    async with database.uow() as uow:
        draft = (await uow.session.execute(select(Draft).where(col(Draft.form_id) == "broadcast"))).scalar_one()
    assert draft.state["answers"]["text"] == "Register for <b>the forum</b>. " + "x" * 2100 + "."
