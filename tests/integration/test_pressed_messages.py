"""Buttons pressed on a given message, as a phone sends them (tester t2, findings 4, 5 and 7): a finished form's
button does not answer the next form of its kind, a double tap is answered once, a reply to an earlier question does
not change it, and a pending "Cancel and discard?" is not taken as No by something unrelated."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from chat_driver import ChatDriver, Rendered, codes
from sqlalchemy import event
from sqlmodel import col, select
from test_pledges import PLEDGE_INPUTS, focal_point
from test_reports import STAFF, STEPS, member, validated_pledge

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.forms.base import FormState
from handlers.inputs import Incoming, Person
from handlers.router import handle
from models.clock import utcnow
from models.database import Database
from models.tables import Contact, Draft, Outbox, Pledge

_update_ids = itertools.count(10**9)


@dataclass
class Phone:
    """One person's chat as their phone shows it: every message with its Telegram id, a button pressed on the
    latest message that shows it."""

    chat: ChatDriver
    person: Person
    messages: dict[int, Rendered] = field(default_factory=dict)

    def _seen(self, answers: list[Rendered]) -> list[Rendered]:
        self.messages.update(zip(self.chat.sent_ids, answers, strict=True))  # an edit keeps its message's id
        return answers

    async def send(self, text: str, reply_to: int | None = None) -> list[Rendered]:
        return self._seen(await self.chat.send(self.person, text, reply_to=reply_to))

    def showing(self, data: str) -> int:
        """The id of the latest message with a button of this data."""
        return max(message_id for message_id, message in self.messages.items() if data in codes(message))

    async def tap(self, data: str, on: int | None = None, at: datetime | None = None) -> list[Rendered]:
        incoming = Incoming(next(_update_ids), self.person, at or utcnow(), code=data,
                            message_id=on if on is not None else self.showing(data))
        await handle(incoming, self.chat.database.uow(), self.chat.deps)
        return self._seen(await self.chat.collect(self.person.chat_id))

    async def file(self, kind: str, file_id: str) -> list[Rendered]:
        return self._seen(await self.chat.send_file(self.person, kind, file_id))

    async def fill(self, inputs: list[tuple[str, str]]) -> list[Rendered]:
        answers: list[Rendered] = []
        for kind, value in inputs:
            answers = await self.tap(value) if kind == "press" else await self.send(value)
            assert answers, value
        return answers


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    return ChatDriver(database, deps, renderer, edits_keep_ids=True)  # a button pressed after a tick: its message


async def phone_of(chat: ChatDriver, telegram_id: int) -> Phone:
    await focal_point(chat, telegram_id)
    await chat.collect(telegram_id)
    return Phone(chat, chat.person(telegram_id))


async def draft_of(database: Database, telegram_id: int) -> FormState | None:
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == telegram_id))).scalar_one()
        draft = (await uow.session.execute(select(Draft).where(Draft.contact_id == contact.id))).scalars().first()
        return FormState.from_json(draft.state) if draft is not None else None


async def pledges(database: Database) -> int:
    async with database.uow() as uow:
        return len((await uow.session.execute(select(Pledge.id))).all())


def said(replies: list[Rendered]) -> str:
    return "\n".join(reply.text for reply in replies)


UNTIL_PILLARS = PLEDGE_INPUTS[:3]
"""Title, description and focus area: the pillars (a multiple choice) are asked next."""
OTHER_FORM = ("That button is from questions that are not open now: finished, started over or set aside. "
              "Nothing was changed.")


async def test_a_finished_forms_buttons_do_not_answer_the_next_form_of_its_kind(
        chat: ChatDriver, database: Database) -> None:
    """#4: "Cancelled" of the 2023 report's question set the 2024 report's status; an old summary's Submit submits
    whatever form is at its summary now. The same with two pledges."""
    phone = await phone_of(chat, 71)
    await phone.send("/pledge")
    await phone.fill(PLEDGE_INPUTS)
    first_pillars, first_summary = phone.showing("f:pillars:done"), phone.showing("f:$sum:submit")
    await phone.tap("f:$sum:submit")
    assert await pledges(database) == 1 and await draft_of(database, 71) is None

    await phone.send("/pledge")
    await phone.fill(UNTIL_PILLARS)
    toggled = await phone.tap("f:pillars:c:infrastructure", on=first_pillars)
    assert OTHER_FORM in said(toggled) and "pillars" in said(toggled).lower(), said(toggled)
    state = await draft_of(database, 71)
    assert state is not None and state.step == "pillars" and not state.scratch.get("picked"), state
    await phone.fill(PLEDGE_INPUTS[3:])
    submitted = await phone.tap("f:$sum:submit", on=first_summary)
    assert OTHER_FORM in said(submitted) and "Please check your answers" in said(submitted), said(submitted)
    assert await pledges(database) == 1 and (await draft_of(database, 71)) is not None
    await phone.tap("f:$sum:submit")  # the summary on screen now
    assert await pledges(database) == 2


async def test_the_2023_reports_status_button_does_not_answer_the_2024_report(
        database: Database, deps: Deps, renderer: Renderer) -> None:
    """#4 as seen: "Cancelled" on the submitted 2023 report's first question (days old) set the 2024 report's
    status."""
    chat = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    chat.edits_keep_ids = True
    await member(chat, 75)
    await validated_pledge(chat, 75)  # started in 2024: two periods to report
    phone = Phone(chat, chat.person(75))
    opened = await phone.send("/report")
    first_status = phone.showing("f:status:c:cancelled")
    assert "f:status:c:in_progress" in codes(opened[-1]), opened[-1].text
    await phone.tap("f:status:c:in_progress")
    for typed in ("40", "120", "3000"):
        await phone.send(typed)
    await phone.tap("f:women_share:c:50")
    await phone.send(STEPS)
    await phone.send("Power cuts delayed the works in two regions.")
    await phone.tap("f:partnership_needs:skip")
    await phone.file("photo", "AgACAgQAAxkBAAIBQ2photo")
    await phone.tap("f:evidence:done")
    await phone.tap("f:$sum:submit")
    assert await draft_of(database, 75) is None
    second = await phone.send("/report")
    assert "f:status:c:in_progress" in codes(second[-1]), second[-1].text
    pressed = await phone.tap("f:status:c:cancelled", on=first_status)
    assert OTHER_FORM in said(pressed) and "Where does the pledge stand?" in pressed[-1].text, said(pressed)
    state = await draft_of(database, 75)
    assert state is not None and state.step == "status" and "status" not in state.answers, state


async def test_a_double_tap_is_answered_once_and_a_later_tap_still_toggles(
        chat: ChatDriver, database: Database) -> None:
    """#5: every extra tap sent "That button belongs to an earlier question" and the whole next question again; a
    double tap on a toggle selected then unselected it."""
    phone = await phone_of(chat, 72)
    await phone.send("/pledge")
    await phone.fill(UNTIL_PILLARS)
    now = utcnow()
    pillars = phone.showing("f:pillars:c:infrastructure")
    assert await phone.tap("f:pillars:c:infrastructure", pillars, now)
    assert await phone.tap("f:pillars:c:infrastructure", pillars, now + timedelta(milliseconds=300)) == []
    state = await draft_of(database, 72)
    assert state is not None and state.scratch.get("picked") == ["infrastructure"], state
    untoggled = await phone.tap("f:pillars:c:infrastructure", pillars, now + timedelta(seconds=3))
    assert untoggled, "a tap seconds later is the person's: it unticks"
    state = await draft_of(database, 72)
    assert state is not None and not state.scratch.get("picked"), state
    await phone.tap("f:pillars:c:infrastructure", pillars, now + timedelta(seconds=6))

    done = await phone.tap("f:pillars:done", pillars, now + timedelta(seconds=7))
    assert "earlier question" not in said(done)
    for later in (0.2, 0.4):  # a triple tap
        assert await phone.tap("f:pillars:done", pillars, now + timedelta(seconds=7 + later)) == []
    stale = await phone.tap("f:pillars:done", pillars, now + timedelta(minutes=2))
    assert "That button belongs to an earlier question" in said(stale), "a press minutes later is not a repeat"

    offer = await phone.send("/pledge")  # continue or start over?
    resume = phone.showing("pl:resume")
    assert "pl:resume" in codes(offer[-1])
    at = utcnow()
    resumed = await phone.tap("pl:resume", resume, at)
    assert resumed and await phone.tap("pl:resume", resume, at + timedelta(milliseconds=250)) == []


async def test_a_reply_to_an_earlier_question_says_how_to_change_it(chat: ChatDriver, database: Database) -> None:
    """#7a: a correction quoted under the description question, sent at the pillars, was dropped with "Please
    choose with the buttons below"."""
    phone = await phone_of(chat, 73)
    await phone.send("/pledge")
    asked = await phone.send(PLEDGE_INPUTS[0][1])
    description = max(phone.messages)
    assert "describe" in asked[-1].text.lower(), asked[-1].text
    await phone.fill(PLEDGE_INPUTS[1:3])
    replied = await phone.send("Correction: we will connect 800 rural schools.", reply_to=description)
    assert "A reply to an earlier question does not change its answer" in said(replied), said(replied)
    assert "⬅️ Back" in said(replied) and "Please choose with the buttons below" not in said(replied)
    assert "f:pillars:done" in codes(replied[-1])
    state = await draft_of(database, 73)
    assert state is not None and state.step == "pillars"
    assert state.answers["description"] == PLEDGE_INPUTS[1][1]


async def test_a_pending_cancel_is_asked_again_after_unrelated_input(chat: ChatDriver, database: Database) -> None:
    """#7b: a refused button (someone else's) answered "Cancel and discard your answers?" with No, and a reply to an
    old message was then added to the forgotten draft."""
    phone = await phone_of(chat, 74)
    await phone.send("/pledge")
    await phone.send(PLEDGE_INPUTS[0][1])
    description = max(phone.messages)
    await phone.send(PLEDGE_INPUTS[1][1])
    confirm = await phone.send("/cancel")
    assert "Cancel and discard your answers?" in said(confirm)
    refused = await phone.tap("rp:open:999999", on=description)
    assert "Cancel and discard your answers?" in refused[-1].text and "Not cancelled" not in said(refused), \
        said(refused)
    state = await draft_of(database, 74)
    assert state is not None and state.step == "$cancel"
    added = await phone.send("Addition: 50 more schools were connected.", reply_to=description)
    assert "Please answer this first with one of its two buttons" in said(added), said(added)
    assert "Cancel and discard your answers?" in added[-1].text
    state = await draft_of(database, 74)
    assert state is not None and state.step == "$cancel" and "Addition" not in str(state.answers)
    kept = await phone.tap("f:$cancel:no")
    assert "f:focus_area:cancel" in codes(kept[-1])



async def test_a_draft_from_before_its_messages_were_kept_still_takes_their_buttons(
        chat: ChatDriver, database: Database) -> None:
    """A draft saved before FormState.shown existed (people's drafts survive upgrades) knows none of the messages it
    sent then: once it had shown one message since, a button of a question it asked before the upgrade was refused
    as a finished form's. Its buttons are checked by step id alone for the rest of its life, as documented."""
    phone = await phone_of(chat, 76)
    await phone.send("/pledge")
    await phone.fill(UNTIL_PILLARS)
    before_upgrade = phone.showing("f:pillars:c:infrastructure")
    async with database.uow() as uow:  # the draft as an older version stored it: no shown, no pressed
        draft = (await uow.session.execute(select(Draft))).scalars().one()
        draft.state = {k: v for k, v in draft.state.items() if k not in ("shown", "pressed")}
        await uow.commit()
    again = await phone.send("/help")
    assert "f:pillars:done" in codes(again[-1]), again[-1].text
    toggled = await phone.tap("f:pillars:c:infrastructure", on=before_upgrade)
    assert OTHER_FORM not in said(toggled), said(toggled)
    state = await draft_of(database, 76)
    assert state is not None and state.scratch.get("picked") == ["infrastructure"], state


async def test_a_report_button_of_another_pledge_does_not_discard_the_report_in_progress(
        database: Database, deps: Deps, renderer: Renderer) -> None:
    """📝 of another pledge (its reminder's, or the /report list's pressed again lower down) opened that pledge's report
    in place of the one in progress: its answers were gone without a word. It is offered as /report offers it."""
    chat = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    await member(chat, 77)
    first, second = await validated_pledge(chat, 77), await validated_pledge(chat, 77)
    phone = Phone(chat, chat.person(77))
    await phone.tap(f"rp:open:{first}", on=1)
    await phone.tap("f:status:c:in_progress")
    await phone.send("40")
    offered = await phone.tap(f"rp:open:{second}", on=1)
    assert "You have a report in progress on" in said(offered), said(offered)
    assert "rp:resume" in codes(offered[-1])
    state = await draft_of(database, 77)
    assert state is not None and state.answers.get("$pledge_id") == first and state.answers.get("status"), state
    again = await phone.tap(f"rp:open:{first}", on=1)
    assert "Question 3 of" in again[-1].text, said(again)


async def test_a_double_tap_on_the_button_that_finished_the_form_is_answered_once(
        chat: ChatDriver, database: Database) -> None:
    """The last button of a form is the one tapped twice most (the code said so): its second tap found no draft to
    remember the first by, and "Those questions are already finished" came under "Your pledge is submitted"."""
    phone = await phone_of(chat, 78)
    await phone.send("/pledge")
    await phone.fill(PLEDGE_INPUTS)
    at, summary = utcnow(), phone.showing("f:$sum:submit")
    submitted = await phone.tap("f:$sum:submit", summary, at)
    assert "Your pledge is submitted" in said(submitted) and await pledges(database) == 1
    assert await phone.tap("f:$sum:submit", summary, at + timedelta(milliseconds=300)) == []
    later = await phone.tap("f:$sum:submit", summary, at + timedelta(minutes=2))
    assert "Those questions are already finished" in said(later), said(later)

    await phone.send("/pledge")
    await phone.send(PLEDGE_INPUTS[0][1])
    await phone.send("/cancel")
    at, confirm = utcnow(), phone.showing("f:$cancel:yes")
    assert "Cancelled" in said(await phone.tap("f:$cancel:yes", confirm, at))
    assert await phone.tap("f:$cancel:yes", confirm, at + timedelta(milliseconds=400)) == []
    assert await pledges(database) == 1 and await draft_of(database, 78) is None


async def test_a_button_keeps_working_when_telegram_numbers_the_chat_afresh(
        chat: ChatDriver, database: Database) -> None:
    """A sandbox run again on the same database (or a local Bot API server reset) numbers a chat's messages from 1
    again: the question on screen has the number of a message of the earlier run, whose outbox row is older. A
    press on it was looked up as that old message and refused: "That button is from questions you already
    finished" under the very question it answered (tester of the two-way channel, after restarting the sandbox)."""
    phone = await phone_of(chat, 72)
    await phone.send("/pledge")
    await phone.fill(UNTIL_PILLARS)
    question = phone.showing("f:pillars:c:infrastructure")
    async with database.uow() as uow:  # the earlier run's first message in this chat had the same number
        earlier = (await uow.session.execute(select(Outbox).where(Outbox.chat_id == 72, Outbox.id < question)
                                             .order_by(col(Outbox.id)))).scalars().first()
        assert earlier is not None and earlier.telegram_message_id != question
        earlier.telegram_message_id = question
        await uow.commit()
    ticked = await phone.tap("f:pillars:c:infrastructure", on=question)
    assert OTHER_FORM not in said(ticked), said(ticked)
    state = await draft_of(database, 72)
    assert state is not None and state.step == "pillars" and state.scratch.get("picked"), state
    # its edit is now the latest row of that number (a minute later: not a double tap)
    again = await phone.tap("f:pillars:c:infrastructure", on=question, at=utcnow() + timedelta(minutes=1))
    assert OTHER_FORM not in said(again), said(again)
    state = await draft_of(database, 72)
    assert state is not None and state.step == "pillars" and not state.scratch.get("picked"), state


async def test_a_press_reads_its_message_with_the_person(chat: ChatDriver, database: Database) -> None:
    """The outbox key of the pressed message (what the press answers, and the message its answer replaces) is read in
    the statement that meets the person: a press costs no more statements than a typed answer (the bot's CPU per
    update is mostly its statements, benchmarks.md)."""
    phone = await phone_of(chat, 75)
    await phone.send("/pledge")
    await phone.send(PLEDGE_INPUTS[0][1])
    await phone.send(PLEDGE_INPUTS[1][1])
    question = phone.showing(PLEDGE_INPUTS[2][1])
    executed: list[str] = []

    def count(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        executed.append(statement)

    engine = database.thread_engine if database.thread is not None else database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        conv = await handle(Incoming(next(_update_ids), phone.person, utcnow(), code=PLEDGE_INPUTS[2][1],
                                     message_id=question), database.uow(), chat.deps)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    answered = await chat.collect(phone.person.chat_id)
    # mark the update, meet the person (their draft, the pressed message's key), save the draft, write the reply;
    # PostgreSQL marks and meets in one statement
    assert len(executed) == (3 if database.thread is None else 4), executed
    assert conv is not None and (conv.sent_as[(phone.person.chat_id, question)] or "").startswith("u:"), conv.sent_as
    assert "f:pillars:done" in codes(answered[-1])
    state = await draft_of(database, 75)
    assert state is not None and state.step == "pillars" and state.answers["focus_area"] == "access"
