"""Regressions of f_robust.md #2, #5 and #6: a form shown again after something else repeats its heading (which
pledge, which period, which decision); the "Cancel and discard?" confirmation neither drops a typed answer nor
takes a second /cancel for No; a refused button mid-form gives the question back, and a value the question does
not offer is not called "an earlier question"."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, Rendered, codes
from sqlmodel import col, select
from test_pledges import fill_pledge, focal_point
from test_reports import STAFF, member, validated_pledge

from bot.i18n import Renderer
from handlers import outbox
from handlers.conversation import Deps
from handlers.forms.base import FormState
from handlers.messages import N_, Reply, Text
from models.database import Database
from models.tables import Contact, Draft, Pledge


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member (the one `validated_pledge` asks to validate)."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


def said(replies: list[Rendered]) -> str:
    """Everything the bot answered to one update."""
    return "\n".join(reply.text for reply in replies)


async def draft_of(database: Database, telegram_id: int, form_id: str) -> Draft | None:
    """The person's draft of one form."""
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == telegram_id))).scalar_one()
        found = await uow.session.execute(select(Draft).where(Draft.contact_id == contact.id,
                                                              Draft.form_id == form_id))
        return found.scalars().first()


async def submitted_pledge(chat: ChatDriver, database: Database, telegram_id: int) -> tuple[int, str]:
    """A pledge a focal point submitted, waiting for staff: its id and reference."""
    await focal_point(chat, telegram_id)
    await fill_pledge(chat, telegram_id)
    async with database.uow() as uow:
        pledge = (await uow.session.execute(select(Pledge).order_by(col(Pledge.id).desc()))).scalars().first()
    assert pledge is not None and pledge.id is not None and pledge.ref is not None
    await chat.collect(STAFF)
    return pledge.id, pledge.ref


async def test_a_rejection_comment_shown_again_after_another_form_names_the_pledge(
        chat: ChatDriver, database: Database) -> None:
    """#2: after a broadcast opened over it was cancelled, the comment form came back as "Question 1 of 1: write
    the comment", without the pledge being rejected: staff rejected a pledge without being told which."""
    pledge_id, ref = await submitted_pledge(chat, database, 41)
    bea = chat.person(STAFF, "Bea")
    asked = await chat.press(bea, f"pv:rej:{pledge_id}:1")
    assert f"Why is {ref} rejected?" in said(asked), said(asked)
    composer = await chat.send(bea, "/broadcast")
    assert f"Why is {ref} rejected?" in said(composer), "the decision waiting for its reason is named"
    back = await chat.send(bea, "/cancel")  # nothing answered in the composer: it stops at once
    assert "back to the questions you left open" in back[-1].text, said(back)
    assert f"Why is {ref} rejected?" in back[-1].text and "Write the comment" in back[-1].text, back[-1].text
    again = await chat.send(bea, "/start")
    assert f"Why is {ref} rejected?" in again[-1].text, again[-1].text
    assert f"Why is {ref} rejected?" not in (await chat.send(bea, "/help"))[0].text, "said with the question only"


async def test_a_report_shown_again_names_its_pledge_and_period_once_per_showing(
        chat: ChatDriver, database: Database) -> None:
    """#2: the report form resumed after /settings showed "Question 2 of 9" naming neither pledge nor period; the
    heading is kept with the draft (it survives a restart) and is not repeated on every answer in a row."""
    await member(chat, 42)
    await validated_pledge(chat, 42)
    person = chat.person(42)
    opened = await chat.send(person, "/report")
    heading = opened[-1].text.split("\n")[0]
    assert heading.startswith("Progress report on P2C-"), opened[-1].text
    answered = await chat.press(person, "f:status:c:in_progress")
    assert heading not in said(answered), "not repeated on an answer in a row"
    resumed = await chat.send(person, "/settings")
    assert heading in resumed[-1].text and "Question 2 of" in resumed[-1].text, resumed[-1].text
    draft = await draft_of(database, 42, "report")
    assert draft is not None and FormState.from_json(draft.state).heading, draft.state if draft else None


async def test_typed_text_at_the_cancel_confirmation_is_an_answer_not_lost(chat: ChatDriver) -> None:
    """#5: typed at "Cancel and discard your answers?", a title was dropped with "answer with the buttons"."""
    await focal_point(chat, 43)
    person = chat.person(43)
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 500 rural schools")
    confirm = await chat.send(person, "/cancel")
    assert "Cancel and discard your answers?" in confirm[-1].text
    answered = await chat.send(person, "We will connect 500 rural schools to broadband and train their teachers.")
    assert "Not cancelled: your answers are kept." in answered[-1].text, said(answered)
    assert "Question 3 of" in answered[-1].text and "answer with the buttons" not in said(answered)


async def test_cancel_before_any_answer_stops_at_once(chat: ChatDriver, database: Database) -> None:
    """Cancel at the first question, nothing answered, asked "Cancel and discard your answers?" about none: it stops
    at once, typed or pressed; a country ticked (an answer begun) is still asked about."""
    await focal_point(chat, 49)
    person = chat.person(49)
    await chat.send(person, "/pledge")
    typed = await chat.send(person, "/cancel")
    assert said(typed).count("Cancelled. Nothing was kept.") == 1 and "discard" not in said(typed), said(typed)
    assert await draft_of(database, 49, "pledge") is None
    await chat.send(person, "/pledge")
    pressed = await chat.press(person, "f:title:cancel")
    assert "Cancelled. Nothing was kept." in said(pressed) and "discard" not in said(pressed), said(pressed)
    assert await draft_of(database, 49, "pledge") is None


async def test_start_at_the_cancel_confirmation_shows_the_question(chat: ChatDriver) -> None:
    """#5: /start at the confirmation said "let's continue", then asked "Cancel and discard?" again."""
    await focal_point(chat, 44)
    person = chat.person(44)
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 500 rural schools")
    await chat.send(person, "/cancel")
    back = await chat.send(person, "/start")
    assert "Cancel and discard" not in said(back) and "Question 2 of" in back[-1].text, said(back)
    assert "Not cancelled" in back[-1].text
    kept = await chat.send(person, "We will connect 500 rural schools to broadband and train their teachers.")
    assert "Question 3 of" in kept[-1].text, said(kept)


async def test_a_second_cancel_at_the_confirmation_cancels(chat: ChatDriver, database: Database) -> None:
    """#5: /cancel typed twice silently meant "No, continue": the question came back without a word."""
    await focal_point(chat, 45)
    person = chat.person(45)
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 500 rural schools")
    await chat.send(person, "/cancel")
    twice = await chat.send(person, "/cancel")
    assert "Cancelled. Nothing was kept." in said(twice) and "Question" not in said(twice), said(twice)
    assert await draft_of(database, 45, "pledge") is None
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 500 rural schools")
    await chat.send(person, "/cancel")
    yes = await chat.send(person, "oui")
    assert "Cancelled. Nothing was kept." in said(yes), "a typed yes answers the confirmation itself"


@pytest.mark.parametrize("forged", ["pl:back", "mp:open:abc", "lang:xx", "st:tz:extra", "rs:ack:16:1:2"])
async def test_a_refused_button_during_a_form_gives_the_question_back(chat: ChatDriver, forged: str) -> None:
    """#6: "That button is no longer valid." and nothing else: the pledge question was not shown again. Now the
    refusal leads the question given back, in one message."""
    await focal_point(chat, 46)
    person = chat.person(46)
    await chat.send(person, "/pledge")
    answer = await chat.press(person, forged)
    assert len(answer) == 1 and answer[0].text.startswith("That button is no longer valid.\n"), said(answer)
    assert "Question 1 of" in answer[0].text and "f:title:cancel" in codes(answer[0]), said(answer)


async def test_an_unoffered_choice_is_not_called_an_earlier_question(chat: ChatDriver) -> None:
    """#6: f:end_date:c:2030-01-01, a date the end-date question never offered, was "an earlier question"."""
    await focal_point(chat, 47)
    person = chat.person(47)
    await chat.send(person, "/pledge")
    for kind, value in [("text", "Connect 500 rural schools"),
                        ("text", "We will connect 500 rural schools to broadband and train their teachers."),
                        ("press", "f:focus_area:c:access"), ("press", "f:pillars:c:infrastructure"),
                        ("press", "f:pillars:done"), ("press", "f:pledge_type:c:programmatic"),
                        ("press", "f:value_usd:skip"), ("text", "Senegal"), ("press", "f:countries:done"),
                        ("press", "f:beneficiary_groups:c:schools"), ("press", "f:beneficiary_groups:done"),
                        ("text", "500"), ("press", "f:target_unit:c:schools"), ("text", "31/12/2028"),
                        ("text", "2026-01-01")]:
        answer = await chat.press(person, value) if kind == "press" else await chat.send(person, value)
    assert "f:end_date:cancel" in codes(answer[-1]), answer[-1].text
    forged = await chat.press(person, "f:end_date:c:2030-01-01")
    assert "earlier question" not in forged[-1].text, forged[-1].text
    assert "not one of this question's options" in forged[-1].text and "f:end_date:cancel" in codes(forged[-1])
    stale = await chat.press(person, "f:title:c:x")
    assert "earlier question" in stale[-1].text, "a button of another question is still called earlier"


async def test_decisions_mid_form_say_done_with_the_question_in_one_message(
        chat: ChatDriver, database: Database) -> None:
    """A tester's flood: staff with a form open, deciding one notification after another, read "Done", then "Now,
    back to the current question" and the question, two messages after every decision. The note leads the question
    given back: one message a decision."""
    first, _ = await submitted_pledge(chat, database, 50)
    second, _ = await submitted_pledge(chat, database, 51)
    bea = chat.person(STAFF, "Bea")
    await chat.send(bea, "/broadcast")
    for pledge_id in (first, second):
        decided = await chat.press(bea, f"pv:ok:{pledge_id}")
        new = [reply for reply, edit in zip(decided, chat.edited, strict=True) if not edit]
        assert len(new) == 1, said(decided)
        assert new[0].text.startswith("Done: ") and "Now, back to the current question:" in new[0].text, new[0].text
        assert "Question 1 of" in new[0].text and new[0].buttons, new[0].text


async def test_a_button_s_note_is_said_when_the_form_it_would_give_back_is_no_longer_allowed(
        chat: ChatDriver, database: Database) -> None:
    """A review: the note a button said was taken to lead the question given back, and lost when the role no longer
    allowed the form: the person read the refusal of the form, not the answer to what they pressed."""
    await focal_point(chat, 54)
    person = chat.person(54)
    await chat.send(person, "/pledge")
    async with database.uow() as uow:  # the role changed underneath the open form (an instance's race, say)
        contact = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == 54))).scalar_one()
        contact.role = None
        await uow.commit()
    refused = await chat.press(person, "mp:open:abc")
    assert [reply.text.split("\n")[0] for reply in refused][:1] == ["That button is no longer valid."], said(refused)
    assert len(refused) == 2 and "not allowed" in refused[1].text.lower(), said(refused)
    assert await draft_of(database, 54, "pledge") is None


async def test_a_button_that_only_edits_leaves_the_question_where_it_is(chat: ChatDriver, database: Database) -> None:
    """A press whose answer only edits a message above the question (No to /leave's confirmation) leaves the
    question the chat's last message: it is not given back again; a refused button, a new message, gives it back,
    as does the same press once another message came below the question."""
    await focal_point(chat, 53)
    person = chat.person(53)
    await chat.send(person, "/pledge")
    asked = await chat.send(person, "/leave")
    confirmation = next(index for index, reply in enumerate(asked) if any(
        code.startswith("lv:no") for code in codes(reply)))
    no = next(code for code in codes(asked[confirmation]) if code.startswith("lv:no"))
    assert "Question 1 of" in asked[-1].text, said(asked)
    confirmation_id = chat.sent_ids[confirmation]
    declined = await chat.press(person, no, on=confirmation_id)
    assert [reply.text for reply in declined] == ["Nothing changed."] and chat.edited == [True], said(declined)
    refused = await chat.press(person, "mp:open:abc")
    assert "Now, back to the current question:" in refused[-1].text, said(refused)
    async with database.uow() as uow:  # a message of another's doing arrives below the question (a notice)
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == 53))).scalar_one()
        await outbox.enqueue(uow.session, contact, Reply((Text(N_("Welcome back!")),)), "test:notice:53")
        await uow.commit()
    await chat.collect(53)
    again = await chat.press(person, no, on=confirmation_id)
    assert "Now, back to the current question:" in again[-1].text, said(again)
