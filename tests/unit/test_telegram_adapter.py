"""The aiogram adapter: which updates become journeys' inputs, and how buttons are acknowledged."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from aiogram import Bot
from aiogram.types import Update

from bot.delivery import DeliveryError
from bot.telegram import build_dispatcher
from handlers.broadcasts.composer import refusal
from handlers.inputs import Incoming

PERSON = {"id": 7, "is_bot": False, "first_name": "Amina", "language_code": "fr"}


def message_update(update_id: int, chat_type: str, text: str = "bonjour") -> dict[str, Any]:
    chat: dict[str, Any] = {"id": 7 if chat_type == "private" else -100, "type": chat_type}
    chat["first_name" if chat_type == "private" else "title"] = "Amina" if chat_type == "private" else "Team"
    return {"update_id": update_id, "message": {"message_id": 1, "date": 1_700_000_000, "chat": chat,
                                                "from": PERSON, "text": text}}


class Recorder:
    def __init__(self, *, acknowledging_fails: bool = False) -> None:
        self.inputs: list[Incoming] = []
        self.acknowledged: list[str] = []
        self.toasts: list[str | None] = []
        self.acknowledging_fails = acknowledging_fails

    async def handle(self, incoming: Incoming) -> None:
        self.inputs.append(incoming)

    async def acknowledge(self, query_id: str, text: str | None = None) -> None:
        self.acknowledged.append(query_id)
        self.toasts.append(text)
        if self.acknowledging_fails:
            raise DeliveryError("answerCallbackQuery: timeout")


async def feed(recorder: Recorder, *updates: dict[str, Any], **options: Any) -> None:
    bot = Bot("123456:" + "A" * 35)
    dispatcher = build_dispatcher(recorder.handle, recorder.acknowledge, **options)
    try:
        for data in updates:
            await dispatcher.feed_update(bot, Update.model_validate(data, context={"bot": bot}))
    finally:
        await bot.session.close()


async def test_messages_in_private_chats_reach_the_journeys_and_others_do_not() -> None:
    recorder = Recorder()
    await feed(recorder, message_update(1, "private"), message_update(2, "group"), message_update(3, "supergroup"),
               message_update(4, "private", "/start abc"))
    assert [(i.update_id, i.text, i.command, i.argument) for i in recorder.inputs] == [
        (1, "bonjour", None, ""), (4, "/start abc", "start", "abc")]
    assert recorder.inputs[0].person.language_code == "fr"


async def test_a_pressed_button_is_acknowledged_and_its_data_handed_over_even_if_acknowledging_fails() -> None:
    recorder = Recorder(acknowledging_fails=True)
    press = {"update_id": 9, "callback_query": {
        "id": "q-1", "from": PERSON, "chat_instance": "1", "data": "f:focus_area:c:access",
        "message": {"message_id": 3, "date": 1_700_000_000, "chat": {"id": 7, "type": "private", "first_name": "A"},
                    "text": "Question 3 of 14"}}}
    await feed(recorder, press)
    assert recorder.acknowledged == ["q-1"]
    assert [(i.update_id, i.code, i.person.chat_id) for i in recorder.inputs] == [(9, "f:focus_area:c:access", 7)]
    assert recorder.inputs[0].message_id == 3, "the pressed message, which a toggle edits in place"


async def test_a_button_pressed_in_a_group_is_acknowledged_and_goes_no_further() -> None:
    """A security review: the group's chat id would have become the person's, and what followed gone there."""
    recorder = Recorder()
    press = {"update_id": 10, "callback_query": {
        "id": "q-2", "from": PERSON, "chat_instance": "2", "data": "mp:open:1",
        "message": {"message_id": 4, "date": 1_700_000_000, "chat": {"id": -100, "type": "group", "title": "Team"},
                    "text": "P2C-2026-00001"}}}
    await feed(recorder, press)
    assert recorder.acknowledged == ["q-2"] and recorder.inputs == []


async def test_an_update_id_used_again_by_a_reset_server_is_a_new_update_but_a_redelivery_is_not() -> None:
    recorder = Recorder()
    first = message_update(1, "private", "/start")
    redelivered = message_update(1, "private", "/start")
    after_reset = message_update(1, "private", "/start")  # the same id for a message sent later
    after_reset["message"]["date"] += 3600
    await feed(recorder, first, redelivered, after_reset)
    keys = [i.key for i in recorder.inputs]
    assert keys[0] == keys[1], "Telegram delivering an update twice gives one key"
    assert keys[2] != keys[0], "a new message under an old update id is a new update"
    assert all(0 <= key < 2**63 for key in keys), "keys fit a signed 64-bit column"


async def test_text_and_names_are_canonical_at_the_edge() -> None:
    recorder = Recorder()
    update = message_update(20, "private", "Cafe\u0301\x00 ok")
    update["message"]["from"] = {**PERSON, "first_name": "\u202eAmina\u200b", "last_name": "\u2066\u2069"}
    await feed(recorder, update)
    (incoming,) = recorder.inputs
    assert incoming.text == "Café ok"
    assert (incoming.person.first_name, incoming.person.last_name) == ("Amina", None)


async def test_a_reply_carries_the_id_of_the_message_replied_to() -> None:
    """Replies to a question's copy continue its thread (handlers.helpdesk): the id is that of the bot's message."""
    recorder = Recorder()
    replied = {"message_id": 41, "date": 1_699_999_000, "chat": {"id": 7, "type": "private", "first_name": "Amina"},
               "from": {"id": 99, "is_bot": True, "first_name": "P2C"}, "text": "Question Q-3"}
    text = message_update(30, "private", "Voici la réponse")
    text["message"]["reply_to_message"] = replied
    photo = message_update(31, "private")
    del photo["message"]["text"]
    photo["message"].update(message_id=2, caption="la capture", reply_to_message=replied,
                            photo=[{"file_id": "PH", "file_unique_id": "u", "width": 3, "height": 2}])
    await feed(recorder, text, photo, message_update(32, "private"))
    assert [(i.text, i.file_id, i.reply_to) for i in recorder.inputs] == [
        ("Voici la réponse", None, 41), ("la capture", "PH", 41), ("bonjour", None, None)]


async def test_other_kinds_and_edits_become_unreadable_inputs() -> None:
    recorder = Recorder()
    kinds = {"sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 512, "height": 512,
                         "is_animated": False, "is_video": False},
             "voice": {"file_id": "v", "file_unique_id": "v", "duration": 2},
             "location": {"latitude": 1.5, "longitude": 2.5},
             "contact": {"phone_number": "+41", "first_name": "Awa"}}
    updates = []
    for n, (kind, value) in enumerate(kinds.items(), start=30):
        update = message_update(n, "private")
        del update["message"]["text"]
        update["message"][kind] = value
        updates.append(update)
    edited = message_update(40, "private", "corrected")
    edited["edited_message"] = {**edited.pop("message"), "edit_date": 1_700_000_100}
    live = message_update(41, "private")
    live["edited_message"] = {**live.pop("message"), "location": {"latitude": 1.0, "longitude": 2.0}}
    del live["edited_message"]["text"]
    await feed(recorder, *updates, edited, live)
    assert [(i.update_id, i.unreadable, i.text) for i in recorder.inputs] == [
        (30, "sticker", None), (31, "voice", None), (32, "location", None), (33, "contact", None), (40, "edit", None)]
    assert [i.location for i in recorder.inputs] == [None, None, (1.5, 2.5), None, None], "a location keeps its point"


async def test_a_venue_shared_is_read_as_its_location() -> None:
    recorder = Recorder()
    update = message_update(50, "private")
    del update["message"]["text"]
    point = {"latitude": 14.69, "longitude": -17.44}
    update["message"].update(venue={"location": point, "title": "Stade", "address": "Dakar"}, location=point)
    await feed(recorder, update)
    assert [(i.unreadable, i.location) for i in recorder.inputs] == [("venue", (14.69, -17.44))]


async def test_a_video_brings_its_file_and_caption_and_a_voice_note_its_caption() -> None:
    """t2 #9: a video (evidence from a site) came as "unreadable" alone: its file and its caption were lost."""
    recorder = Recorder()
    video = message_update(50, "private")
    del video["message"]["text"]
    video["message"].update({"caption": "Vidéo de la tour", "media_group_id": "77", "video": {
        "file_id": "BAAC-video", "file_unique_id": "u", "width": 640, "height": 360, "duration": 20,
        "file_name": "tour.mp4"}})
    voice = message_update(51, "private")
    del voice["message"]["text"]
    voice["message"].update({"caption": "Message", "voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}})
    await feed(recorder, video, voice)
    got = [(i.unreadable, i.text, i.file_id, i.file_kind, i.file_name, i.album) for i in recorder.inputs]
    assert got == [("video", "Vidéo de la tour", "BAAC-video", "video", "tour.mp4", "77"),
                   ("voice", "Message", None, None, None, None)]
    assert recorder.inputs[0].command is None


async def test_a_press_whose_handling_fails_still_reads_its_acknowledgement() -> None:
    """Several-instances tester: in a database outage, every press left a "Task exception was never retrieved" of its
    failed acknowledgement in the log (364 in 45 s): the handling's error skipped the await."""
    class Failing(Recorder):
        async def handle(self, incoming: Incoming) -> None:
            raise RuntimeError("the database is away")

    unretrieved: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _, context: unretrieved.append(context))
    try:
        recorder = Failing(acknowledging_fails=True)
        press = {"update_id": 11, "callback_query": {
            "id": "q-3", "from": PERSON, "chat_instance": "3", "data": "mp:open:1",
            "message": {"message_id": 5, "date": 1_700_000_000, "chat": {"id": 7, "type": "private", "first_name": "A"},
                        "text": "P2C-2026-00001"}}}
        with pytest.raises(RuntimeError):
            await feed(recorder, press)
        await asyncio.sleep(0)
        gc.collect()
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert recorder.acknowledged == ["q-3"] and unretrieved == []


BOT_USER = {"id": 123456, "is_bot": True, "first_name": "P2C", "username": "p2c_test_bot"}


async def test_in_a_group_only_what_is_addressed_to_the_bot_goes_on_as_the_groups_input() -> None:
    """Tester t2 #2: the bot was silent in groups. A command (to no bot in particular or to this one), a mention and a
    reply to the bot go on, as inputs of the group's chat; talk, another bot's command and a forward do not."""
    recorder = Recorder()
    reply = message_update(6, "group", "and this?")
    reply["message"]["reply_to_message"] = {"message_id": 9, "date": 1_699_999_000, "from": BOT_USER,
                                            "chat": {"id": -100, "type": "group", "title": "Team"}, "text": "Hi"}
    forwarded = message_update(8, "supergroup", "/start")
    forwarded["message"]["forward_origin"] = {"type": "user", "date": 1, "sender_user": PERSON}
    await feed(recorder, message_update(1, "group", "/start"), message_update(2, "supergroup", "/pledge@P2C_test_bot"),
               message_update(3, "group", "@p2c_test_bot how do I register a pledge?"),
               message_update(4, "group", "good morning all"), message_update(5, "group", "/start@other_bot"),
               reply, message_update(7, "group", "@p2c_test_bot2 hi"), forwarded,
               username=lambda: "p2c_test_bot")
    assert [(i.update_id, i.chat_type, i.person.chat_id, i.text) for i in recorder.inputs] == [
        (1, "group", -100, None), (2, "group", -100, None), (3, "group", -100, None), (6, "group", -100, None)]


async def test_a_button_pressed_in_a_group_has_a_toast_pointing_to_the_private_chat() -> None:
    recorder = Recorder()
    asked: list[int] = []

    async def note(person: Any) -> str:
        asked.append(person.telegram_id)
        return "I only work in a private chat: open t.me/p2c_test_bot to talk to me."

    press = {"update_id": 12, "callback_query": {
        "id": "q-9", "from": PERSON, "chat_instance": "2", "data": "rp:open:1",
        "message": {"message_id": 4, "date": 1_700_000_000, "chat": {"id": -100, "type": "group", "title": "Team"},
                    "text": "P2C-2026-00001"}}}
    await feed(recorder, press, group_note=note)
    assert recorder.toasts == ["I only work in a private chat: open t.me/p2c_test_bot to talk to me."]
    assert asked == [7] and recorder.inputs == []


def member_update(update_id: int, chat: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    return {"update_id": update_id, "my_chat_member": {
        "chat": chat, "from": PERSON, "date": 1_700_000_000 + update_id,
        "old_chat_member": {"status": old, "user": BOT_USER, **({"until_date": 0} if old == "kicked" else {})},
        "new_chat_member": {"status": new, "user": BOT_USER, **({"until_date": 0} if new == "kicked" else {})}}}


async def test_blocking_unblocking_and_being_added_to_a_group_reach_the_journeys() -> None:
    """Tester t2 #1: my_chat_member was neither asked for nor read."""
    recorder = Recorder()
    private = {"id": 7, "type": "private", "first_name": "Amina"}
    group = {"id": -100, "type": "group", "title": "Team"}
    await feed(recorder, member_update(1, private, "member", "kicked"), member_update(2, private, "kicked", "member"),
               member_update(3, group, "left", "member"), member_update(4, group, "member", "left"))
    assert [(i.update_id, i.membership, i.chat_type, i.person.chat_id) for i in recorder.inputs] == [
        (1, "kicked", "private", 7), (2, "member", "private", 7), (3, "member", "group", -100)]
    assert len({i.key for i in recorder.inputs}) == 3


async def test_a_forward_is_marked_as_one_and_the_bots_own_told_apart() -> None:
    """Tester t2 #3: a forwarded message was taken as typed; the journeys could not know."""
    recorder = Recorder()
    own = message_update(1, "private", "Informe de avance de P2C-2025-00002")
    own["message"]["forward_origin"] = {"type": "user", "date": 1, "sender_user": BOT_USER}
    other = message_update(2, "private", "15 millones")
    other["message"]["forward_origin"] = {"type": "user", "date": 1, "sender_user": {**PERSON, "id": 8}}
    hidden = message_update(3, "private", "hola")
    hidden["message"]["forward_origin"] = {"type": "hidden_user", "date": 1, "sender_user_name": "Awa"}
    await feed(recorder, own, other, hidden, message_update(4, "private"))
    assert [i.forwarded for i in recorder.inputs] == ["bot", "other", "other", None]


async def test_a_button_pressed_in_a_group_is_acknowledged_without_a_toast_when_its_words_are_slow(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The toast's language is read from the database before the press is answered: with SQLite's one connection
    busy (or PostgreSQL's pool empty, up to its 60 s wait) the spinner turned until Telegram no longer took the
    answer. The toast is waited for a moment only."""
    import bot.telegram

    monkeypatch.setattr(bot.telegram, "GROUP_NOTE_WITHIN", 0.05)
    recorder = Recorder()

    async def note(person: Any) -> str:
        await asyncio.sleep(3600)
        return "never"

    press = {"update_id": 13, "callback_query": {
        "id": "q-10", "from": PERSON, "chat_instance": "2", "data": "rp:open:1",
        "message": {"message_id": 4, "date": 1_700_000_000, "chat": {"id": -100, "type": "group", "title": "Team"},
                    "text": "P2C-2026-00001"}}}
    await asyncio.wait_for(feed(recorder, press, group_note=note), 5)
    assert recorder.acknowledged == ["q-10"] and recorder.toasts == [None]


async def test_formatting_made_in_the_app_comes_as_html_beside_the_plain_text() -> None:
    """A tester: bold and a link on a word, made with Telegram's own tools, vanished from a broadcast (only the plain
    text reached the bot)."""
    recorder = Recorder()
    text = "Register now for the P2C forum. Details here: a<b, @itu_bdt https://itu.int"
    formatted = message_update(1, "private", text)
    formatted["message"]["entities"] = [
        {"type": "bold", "offset": 13, "length": 17},
        {"type": "text_link", "offset": 40, "length": 4, "url": "https://www.itu.int/p2c-forum"},
        {"type": "custom_emoji", "offset": 0, "length": 8, "custom_emoji_id": "5"},  # no tag a broadcast takes
        {"type": "mention", "offset": 51, "length": 8}, {"type": "url", "offset": 60, "length": 15}]
    found = message_update(2, "private", "Plain @itu_bdt https://itu.int <b>typed</b>")
    found["message"]["entities"] = [{"type": "mention", "offset": 6, "length": 8},
                                    {"type": "url", "offset": 15, "length": 15}]
    coded = message_update(3, "private", 'print(1) and "quoted"')
    coded["message"]["entities"] = [{"type": "pre", "offset": 0, "length": 8, "language": "python"},
                                    {"type": "text_link", "offset": 13, "length": 8, "url": 'https://x.org/?q="a"'}]
    await feed(recorder, formatted, found, coded)
    assert [(i.text, i.formatted) for i in recorder.inputs] == [
        (text, 'Register now <b>for the P2C forum</b>. Details <a href="https://www.itu.int/p2c-forum">here</a>: '
               "a&lt;b, @itu_bdt https://itu.int"),
        ("Plain @itu_bdt https://itu.int <b>typed</b>", None),  # tags typed are read as typed
        ('print(1) and "quoted"', '<pre>print(1)</pre> and <a href="https://x.org/?q=%22a%22">"quoted"</a>')]
    assert all(refusal(i.formatted, {}) is None for i in recorder.inputs if i.formatted)  # as the composer takes it
