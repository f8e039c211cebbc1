"""Regressions of answers left unsent: ✍️ Answer on another question replaced the composer of an answer whose opening
took its question, which stayed taken by someone no longer answering it; and an answer typed after "taken by Bea"
got the command list and was lost (m_staff #9)."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_helpdesk import ANA, BEA, CARL, actions, ask, copy_id, focal_point, messages, threads

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import Contact
from models.values import Role


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Two staff members (Bea, Carl) and Ana, a focal point reading the bot in Spanish."""
    driver = ChatDriver(database, deps, renderer)
    for telegram_id, name in ((BEA, "Bea"), (CARL, "Carl")):
        await grant_role(GrantRole(telegram_id, Role.staff), database.uow(), utcnow())
        await driver.send(driver.person(telegram_id, name), "/help")
    await focal_point(database, ANA, "Ana García", "es", "Ministerio TIC")
    return driver


async def contact_id(database: Database, telegram_id: int) -> int:
    async with database.uow() as uow:
        return int((await uow.session.execute(select(Contact.id).where(col(Contact.telegram_id) == telegram_id)))
                   .scalar_one())


async def owners(database: Database) -> list[int | None]:
    return [t.owner_id for t in await threads(database)]


async def test_an_answer_replaced_by_another_gives_back_the_question_its_opening_took(
        chat: ChatDriver, database: Database) -> None:
    """Bea pressed ✍️ Answer on Q-1, then on Q-2 before writing anything: Q-1 stayed hers, and Carl was told "taken
    by Bea". (An answer with something written in it is kept instead: the tests at the end.)"""
    first, second = await ask(chat), await ask(chat)
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    await chat.press(bea, f"qa:ans:{first}")
    prompt = await chat.press(bea, f"qa:ans:{second}")
    assert f"Q-{first}" in prompt[-1].text and "nobody's again" in prompt[-1].text, prompt[-1].text
    assert f"answer to question Q-{second}" in prompt[-1].text
    assert await owners(database) == [None, await contact_id(database, BEA)]
    assert [a[:2] for a in await actions(database)][-1] == ("question.released", first)
    assert "is yours" in (await chat.press(carl, f"qa:take:{first}"))[-1].text


async def test_an_answer_replaced_keeps_a_question_taken_before_and_its_text_for_the_same_question(
        chat: ChatDriver, database: Database) -> None:
    """As a cancel: one taken with 🙋 Take before the answer opened stays its owner's; so does one answered since.
    ✍️ Answer pressed again on the same question opened an empty composer: what was written was lost."""
    taken, answered, third = await ask(chat), await ask(chat), await ask(chat)
    bea = chat.person(BEA, "Bea")
    await chat.press(bea, f"qa:take:{taken}")
    await chat.press(bea, f"qa:ans:{taken}")
    await chat.send(bea, "A first draft.")
    again = await chat.press(bea, f"qa:ans:{taken}")
    assert "A first draft." in again[-1].text and "f:message:send" in codes(again[-1]), again[-1].text
    # a written answer is never replaced (kept): an empty one is; reopened, Cancel asks before discarding it (review)
    asked = await chat.press(bea, "f:message:cancel")
    assert "f:$cancel:yes" in codes(asked[-1]), asked[-1].text
    await chat.press(bea, "f:$cancel:yes")
    await chat.press(bea, f"qa:ans:{taken}")
    said = await chat.press(bea, f"qa:ans:{answered}")
    await chat.send(bea, "First answer.", reply_to=await copy_id(database, answered, BEA))
    said += await chat.press(bea, f"qa:ans:{third}")
    assert "nobody's" not in "\n".join(m.text for m in said)
    bea_id = await contact_id(database, BEA)
    assert await owners(database) == [bea_id, bea_id, bea_id]
    assert "question.released" not in [a[0] for a in await actions(database)]


async def test_an_answer_replaced_by_one_on_a_colleagues_question_gives_its_question_back(
        chat: ChatDriver, database: Database) -> None:
    """Bea's composer of Q-1 (which took it) gives way to her attempt at Carl's Q-2: Q-1 is nobody's, and she is
    told."""
    first, second = await ask(chat), await ask(chat)
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    await chat.press(carl, f"qa:take:{second}")
    await chat.press(bea, f"qa:ans:{first}")
    said = await chat.press(bea, f"qa:ans:{second}")
    assert any(f"Q-{second} was taken by Carl" in m.text for m in said)
    assert any(f"Q-{first}" in m.text and "nobody's again" in m.text for m in said), [m.text for m in said]
    assert await owners(database) == [None, await contact_id(database, CARL)]


async def test_an_answer_typed_after_taken_by_a_colleague_is_kept_to_send_once_taken_over(
        chat: ChatDriver, database: Database) -> None:
    """m_staff #9: Carl pressed ✍️ Answer on Bea's question, was told "taken by Bea", typed his answer anyway and got
    the command list; his text was lost."""
    thread_id = await ask(chat)
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    await chat.press(bea, f"qa:take:{thread_id}")
    await chat.collect(CARL)
    [offer] = await chat.press(carl, f"qa:ans:{thread_id}")
    assert "taken by Bea" in offer.text and codes(offer) == [f"qa:over:{thread_id}:2"], offer.text
    kept = await chat.send(carl, "Use the financial pledge type.")
    assert "I did not understand" not in kept[-1].text
    assert "taken by Bea" in kept[-1].text and "Use the financial pledge type." in kept[-1].text, kept[-1].text
    assert f"qa:over:{thread_id}:2" in codes(kept[-1]) and "f:message:send" not in codes(kept[-1])
    assert len(await messages(database, thread_id)) == 1 and await chat.collect(ANA) == []

    taken = await chat.press(carl, f"qa:over:{thread_id}:2")  # the normal compare-and-set take-over
    assert f"Question Q-{thread_id} is yours" in taken[-1].text, taken[-1].text
    assert "Use the financial pledge type." in taken[-1].text and "f:message:send" in codes(taken[-1])
    assert await owners(database) == [await contact_id(database, CARL)]
    [told] = await chat.collect(BEA)
    assert f"Carl took over question Q-{thread_id} from you" in told.text
    assert len(await messages(database, thread_id)) == 1, "taking over sends nothing: Send does"

    assert "is sent" in (await chat.press(carl, "f:message:send"))[-1].text
    assert "Use the financial pledge type." in (await chat.collect(ANA))[-1].text


async def test_a_kept_answer_whose_question_changed_since_is_not_taken_over_and_stays(
        chat: ChatDriver, database: Database) -> None:
    """The take-over under Carl's kept answer is compare-and-set: Bea answered meanwhile, so nothing is taken; he is
    told how the question is now, and his text waits until he takes it over as it is now."""
    thread_id = await ask(chat)
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    await chat.press(bea, f"qa:take:{thread_id}")
    await chat.press(carl, f"qa:ans:{thread_id}")
    kept = await chat.send(carl, "My answer.")
    await chat.send(bea, "Bea's answer.", reply_to=await copy_id(database, thread_id, BEA))
    [again] = await chat.press(carl, codes(kept[-1])[0])
    assert "It was answered" in again.text and codes(again) == [f"qa:over:{thread_id}:3"], again.text
    assert await owners(database) == [await contact_id(database, BEA)]
    taken = await chat.press(carl, f"qa:over:{thread_id}:3")
    assert "My answer." in taken[-1].text and "f:message:send" in codes(taken[-1])


@pytest.mark.parametrize("forged", [":0", ":02", ":2:3", ":+2", ":２", "", ":99999999999999", ":2 "])
async def test_the_take_over_under_a_kept_answer_is_parsed_strictly(chat: ChatDriver, database: Database,
                                                                    forged: str) -> None:
    thread_id = await ask(chat)
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    await chat.press(bea, f"qa:take:{thread_id}")
    await chat.press(carl, f"qa:ans:{thread_id}")
    await chat.send(carl, "My answer.")
    said = await chat.press(carl, f"qa:over:{thread_id}{forged}")
    assert "no longer valid" in said[0].text
    assert await owners(database) == [await contact_id(database, BEA)]
    assert "My answer." in said[-1].text, "the kept answer is asked again"


async def test_answer_on_a_colleagues_question_keeps_an_unsent_answer_to_another(
        chat: ChatDriver, database: Database) -> None:
    """Review of b4f8352: Bea's answer to Q-1 (hers) was silently dropped when she pressed ✍️ Answer on Carl's Q-2:
    the composer held for the take-over replaced it. Now she sees the offer, and that her answer to Q-1 is kept; what
    she types next goes on with it, and Q-1's composer still has it."""
    first, second = await ask(chat), await ask(chat)
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    await chat.press(carl, f"qa:take:{second}")
    await chat.press(bea, f"qa:take:{first}")
    await chat.press(bea, f"qa:ans:{first}")
    await chat.send(bea, "A long careful answer to Q1.")
    [offer] = await chat.press(bea, f"qa:ans:{second}")
    assert f"Q-{second} was taken by Carl" in offer.text and codes(offer) == [f"qa:over:{second}:2"], offer.text
    assert f"Your unsent answer to question Q-{first} is kept" in offer.text
    assert "An answer you write is kept until you take" not in offer.text, "what is typed next goes to Q-1's answer"
    more = await chat.send(bea, "And a second paragraph.")
    assert "A long careful answer to Q1." in more[-1].text and "f:message:send" in codes(more[-1]), more[-1].text
    again = await chat.press(bea, f"qa:ans:{first}")
    assert "A long careful answer to Q1." in again[-1].text and "f:message:send" in codes(again[-1])
    bea_id, carl_id = await contact_id(database, BEA), await contact_id(database, CARL)
    assert await owners(database) == [bea_id, carl_id]
    assert "is sent" in (await chat.press(bea, "f:message:send"))[-1].text
    assert "A long careful answer to Q1.\n\nAnd a second paragraph." in (await messages(database, first))[-1].text


async def test_answer_on_another_question_keeps_an_unsent_answer_and_takes_nothing(
        chat: ChatDriver, database: Database) -> None:
    """✍️ Answer on Q-2 (nobody's) while Bea's composer of Q-1 (which took it) holds a file dropped that file and gave
    Q-1 back: now her answer to Q-1 comes back with the note, Q-1 stays hers, and Q-2 is not taken."""
    first, second = await ask(chat), await ask(chat)
    bea = chat.person(BEA, "Bea")
    await chat.press(bea, f"qa:ans:{first}")
    await chat.send_file(bea, "document", "DOC-Q1", "steps.pdf")
    said = await chat.press(bea, f"qa:ans:{second}")
    shown = "\n".join(m.text for m in said)
    assert f"Your unsent answer to question Q-{first} is kept" in shown and "nobody's" not in shown, shown
    assert f"answer to question Q-{first}" in said[-1].text and "1 file attached" in said[-1].text, said[-1].text
    assert f"answer to question Q-{second}" not in shown
    assert await owners(database) == [await contact_id(database, BEA), None]
    assert "question.released" not in [a[0] for a in await actions(database)]
    await chat.press(bea, "f:message:cancel")  # cancelled, Q-1 given back as its opening took it
    cancelled = await chat.press(bea, "f:$cancel:yes")
    assert any(f"Q-{first} is nobody's again" in m.text for m in cancelled), [m.text for m in cancelled]
    opened = await chat.press(bea, f"qa:ans:{second}")
    assert f"answer to question Q-{second}" in opened[-1].text and "nobody's" not in opened[-1].text
