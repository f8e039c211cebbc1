"""Regressions of t2's findings 6, 8 and 9: an edit told what fits where the person is (no ⬅️ Back where none is, no
command list), commands mid-form that gave the question back too early or not at all, /mypledges during the first
pledge, and a video (or a voice note) at a report's evidence."""

from __future__ import annotations

import itertools

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import select
from test_albums import at_evidence_from_percent
from test_pledges import PLEDGE_INPUTS, focal_point
from test_reports import STAFF, Counter, member, validated_pledge

from bot.i18n import Rendered, Renderer
from handlers.conversation import Deps
from handlers.inputs import Incoming, Person
from handlers.router import handle
from models.clock import utcnow
from models.database import Database
from models.tables import ProgressReport

_ids = itertools.count(900_000)
EDIT_OUTSIDE = "I do not read edited messages: if you meant to change something, please send it again as a new message."
EDIT_WITH_BACK = "I do not read edited messages. To change an earlier answer, press ⬅️ Back"
EDIT_AT_SUMMARY = "I do not read edited messages. To change an answer, press its ✏️ button below."
VIDEO_ID = "BAACAgIAAxkBAAIBvideo"


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


def said(replies: list[Rendered]) -> str:
    return "\n".join(reply.text for reply in replies)


async def unread(chat: ChatDriver, person: Person, kind: str, caption: str | None = None,
                 file_id: str | None = None, name: str | None = None) -> list[Rendered]:
    """The person edits a message, or sends content the journeys do not read (with its caption; a video with its
    file), as bot.telegram hands it over."""
    incoming = Incoming(next(_ids), person, utcnow(), text=caption, unreadable=kind, file_id=file_id,
                        file_kind="video" if file_id else None, file_name=name)
    await handle(incoming, chat.database.uow(), chat.deps)
    return await chat.collect(person.chat_id)


# --- 6: edits ---

async def test_an_edit_outside_a_form_is_one_line_without_back_or_the_command_list(chat: ChatDriver) -> None:
    await member(chat, 1)
    person = chat.person(1)
    answer = await unread(chat, person, "edit")
    assert [reply.text for reply in answer] == [EDIT_OUTSIDE]
    assert "⬅️" not in said(answer) and "/mypledges" not in said(answer)


async def test_an_edit_while_a_message_to_bdt_is_written_says_the_text_stays_as_first_sent(chat: ChatDriver) -> None:
    """A tester fixed a typo of a question not sent yet by editing it, and was told to send it again: the corrected
    text was added after the first. The note says what an edit does there, and the way to start again."""
    await member(chat, 1)
    person = chat.person(1)
    await chat.send(person, "/ask")
    await chat.send(person, "When is the report due? (typo)")
    answer = await unread(chat, person, "edit")
    assert answer[-1].text.startswith("I do not read edited messages: your message keeps the text as first sent"), \
        said(answer)
    assert "press ✖️ Cancel" in answer[-1].text and "f:message:cancel" in codes(answer[-1]), said(answer)


async def test_an_edit_at_the_summary_points_to_the_edit_buttons(chat: ChatDriver) -> None:
    await member(chat, 2)
    person = chat.person(2)
    await chat.send(person, "/pledge")
    for kind, value in PLEDGE_INPUTS:
        await (chat.press(person, value) if kind == "press" else chat.send(person, value))
    answer = await unread(chat, person, "edit")
    assert EDIT_AT_SUMMARY in answer[-1].text and "⬅️" not in answer[-1].text, said(answer)
    assert "f:$sum:submit" in codes(answer[-1])


async def test_an_edit_at_a_question_says_back_only_where_there_is_one(chat: ChatDriver) -> None:
    await member(chat, 3)
    person = chat.person(3)
    first = await chat.send(person, "/pledge")
    assert "f:title:back" not in codes(first[-1])
    at_first = await unread(chat, person, "edit")
    assert EDIT_OUTSIDE in at_first[-1].text and "⬅️ Back" not in at_first[-1].text, said(at_first)
    await chat.send(person, "Connect 500 rural schools")
    at_second = await unread(chat, person, "edit")
    assert EDIT_WITH_BACK in at_second[-1].text, said(at_second)
    assert any(data.endswith(":back") for data in codes(at_second[-1]))


# --- 8: commands mid-form ---

async def reporting(chat: ChatDriver, telegram_id: int) -> Person:
    """A focal point at the first question of a report on their validated pledge."""
    await member(chat, telegram_id)
    await validated_pledge(chat, telegram_id)
    person = chat.person(telegram_id)
    await chat.send(person, "/report")
    return person


async def test_a_bad_invitation_link_mid_form_gives_the_question_back(chat: ChatDriver) -> None:
    person = await reporting(chat, 4)
    answer = await chat.send(person, "/start bogusTOKEN123")
    assert "not valid" in answer[0].text, said(answer)
    assert "Now, back to the current question:" in answer[-1].text, said(answer)
    assert "f:status:c:in_progress" in codes(answer[-1])


async def test_language_mid_form_shows_the_menu_alone_then_the_question_in_the_language_chosen(
        chat: ChatDriver) -> None:
    person = await reporting(chat, 5)
    menu = await chat.send(person, "/language")
    assert len(menu) == 1 and "lang:fr" in codes(menu[0]), said(menu)
    chosen = await chat.press(person, "lang:fr")
    assert "français" in chosen[0].text, said(chosen)
    assert "f:status:c:in_progress" in codes(chosen[-1]) and "Où en est" in chosen[-1].text, said(chosen)
    assert sum("f:status:c:in_progress" in codes(reply) for reply in chosen) == 1


async def test_language_with_its_argument_mid_form_gives_the_question_back_at_once(chat: ChatDriver) -> None:
    person = await reporting(chat, 6)
    answer = await chat.send(person, "/language es")
    assert "f:status:c:in_progress" in codes(answer[-1]) and "¿" in answer[-1].text, said(answer)


async def test_mypledges_during_the_first_pledge_speaks_of_it(chat: ChatDriver) -> None:
    await focal_point(chat, 7)
    person = chat.person(7)
    assert "Register one with /pledge" in said(await chat.send(person, "/mypledges"))
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 500 rural schools")
    answer = await chat.send(person, "/mypledges")
    assert "Register one with /pledge" not in said(answer)
    assert "the one you are registering is not submitted yet" in answer[0].text, said(answer)
    assert said(answer).count("current question") == 1, said(answer)  # said once, before the question
    assert "Now, back to the current question:" in answer[-1].text
    await chat.send(person, "/ask")  # another form over it: the way back to the pledge is /pledge
    elsewhere = await chat.send(person, "/mypledges")
    assert "the one you began is not submitted. Send /pledge to go back to it." in elsewhere[0].text, said(elsewhere)


# --- 9: video and voice at the evidence ---

async def at_evidence(chat: ChatDriver, telegram_id: int) -> Counter:
    """A focal point whose first report is at its evidence question."""
    await reporting(chat, telegram_id)
    who = Counter(chat, telegram_id)
    await who.press("f:status:c:in_progress")
    await at_evidence_from_percent(who)
    return who


async def test_a_video_is_evidence_kept_with_its_caption_and_sent_again_as_a_video(chat: ChatDriver,
                                                                                  database: Database) -> None:
    who = await at_evidence(chat, 8)
    received = await unread(chat, who.person, "video", "Video of the tower installed", VIDEO_ID, "tower.mp4")
    assert "Received: 1 item" in received[-1].text, said(received)
    assert "tower.mp4 — Video of the tower installed" in received[-1].text and "photos or videos" in received[-1].text
    unnamed = await unread(chat, who.person, "video", None, VIDEO_ID + "2")
    assert "Received: 2 items" in unnamed[-1].text and "installed and video" in unnamed[-1].text, said(unnamed)
    await who.press("f:evidence:done")
    await who.press("f:$sum:submit")
    async with database.uow() as uow:
        report = (await uow.session.execute(select(ProgressReport))).scalar_one()
    assert report.evidence[0] == {"kind": "video", "file_id": VIDEO_ID, "name": "tower.mp4",
                                  "caption": "Video of the tower installed"}
    await chat.collect(STAFF)
    shown = await chat.press(chat.person(STAFF), f"rp:ev:{report.id}")
    assert [message.attachment for message in shown] == [("video", VIDEO_ID), ("video", VIDEO_ID + "2")]
    assert "Video of the tower installed" in shown[0].text


async def test_a_video_at_the_summary_joins_the_evidence(chat: ChatDriver) -> None:
    who = await at_evidence(chat, 9)
    await who.press("f:evidence:skip")
    answer = await unread(chat, who.person, "video", "The tower", VIDEO_ID)
    assert "Received: 1 item" in answer[-1].text and "The tower" in answer[-1].text, said(answer)


@pytest.mark.parametrize("kind, advice", [
    ("voice", "a recording can be sent as a file: 📎, then File"),
    ("video_note", "Please record an ordinary video (📎, then Camera)"),
])
async def test_a_voice_note_or_round_video_at_the_evidence_says_what_to_send_and_quotes_the_caption(
        chat: ChatDriver, kind: str, advice: str) -> None:
    who = await at_evidence(chat, 10)
    answer = await unread(chat, who.person, kind, "Message about the tower" if kind == "voice" else None)
    assert advice in answer[-1].text, said(answer)
    assert "I can only read" not in said(answer)
    if kind == "voice":
        assert "The words sent with it were not kept: “Message about the tower”" in answer[-1].text
    assert "f:evidence:skip" in codes(answer[-1])


async def test_a_video_elsewhere_is_not_read_and_its_caption_is_quoted(chat: ChatDriver) -> None:
    await member(chat, 11)
    person = chat.person(11)
    outside = await unread(chat, person, "video", "Our new tower", VIDEO_ID)
    assert "I can only read text, documents and photos here." in outside[0].text
    assert "The words sent with it were not kept: “Our new tower”" in outside[0].text
    await chat.send(person, "/pledge")
    at_text = await unread(chat, person, "video", "Connect schools", VIDEO_ID)
    assert "This question needs a typed answer or a button." in at_text[-1].text, said(at_text)
    assert "“Connect schools”" in at_text[-1].text


async def test_an_edit_at_a_pending_cancel_speaks_of_no_back_button(chat: ChatDriver) -> None:
    """At "Cancel and discard your answers?" (asked again after an edit, never answered No for the person) an edit was
    told to press ⬅️ Back, which that question does not have: the words of the question Cancel was pressed at."""
    await member(chat, 4)
    person = chat.person(4)
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 500 rural schools")
    confirm = await chat.send(person, "/cancel")
    assert "Cancel and discard your answers?" in confirm[-1].text and not any(
        data.endswith(":back") for data in codes(confirm[-1]))
    answer = await unread(chat, person, "edit")
    assert "Cancel and discard your answers?" in answer[-1].text, said(answer)
    assert EDIT_OUTSIDE in answer[-1].text and "⬅️" not in answer[-1].text, said(answer)
