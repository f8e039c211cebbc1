"""The /sandbox/ client API: what people do, what tests inspect, and clear answers to bad input."""

from __future__ import annotations

import asyncio
import base64
import io
from typing import Any

import aiohttp
import pytest

from bot.sandbox.client import SandboxClient, SandboxClientError
from bot.sandbox.runtime import BODY_BYTES, MAX_FILE_BYTES
from bot.sandbox.server import SandboxServer

from .conftest import BotCall
from .media_samples import png_bytes

KEYBOARD = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}


async def raw(http: aiohttp.ClientSession, verb: str, url: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    async with http.request(verb, url, **kwargs) as response:
        return response.status, await response.json()


@pytest.mark.parametrize("path, body, status, fragment", [
    ("users", b"{oops", 400, "malformed JSON"),
    ("users", b"[1, 2]", 400, "JSON object"),
    ("users", b'{"id": "7", "first_name": "X"}', 400, '"id" has the wrong type'),
    ("users", b'{"id": 7}', 400, '"first_name" is required'),
    ("users", b'{"id": true, "first_name": "X"}', 400, '"id" has the wrong type'),
    ("users/555/messages", b'{"text": "hi"}', 404, "unknown user 555"),
    ("users/abc/messages", b'{"text": "hi"}', 400, "must be an integer"),
    ("users/101/messages", b'{"text": 5}', 400, '"text" has the wrong type'),
    ("users/101/messages", b'{}', 400, 'give exactly one of "text", "document", "photo"'),
    ("users/101/messages", b'{"document": {"content_base64": "!!!"}}', 400, "not valid base64"),
    ("users/101/messages", b'{"album": [{"photo": {"content_base64": "eA=="}}]}', 400, "a list of 2 to 10"),
    ("users/101/messages", b'{"album": [{"photo": {"content_base64": "eA=="}}, {"sticker": {}}]}', 400,
     'is {"photo": {...}} or {"document": {...}}'),
    ("users/101/messages", b'{"album": [{"photo": {"content_base64": "eA=="}}, '
                           b'{"document": {"content_base64": "eA=="}}]}', 400, "photos or documents, not both"),
    ("users/101/press", b'{"message_id": 1, "callback_data": "nope"}', 400, "no bot message 1"),
    ("limits", b'{"global_per_second": "fast"}', 400, "non-negative number"),
    ("limits", b'{"speed": 1}', 400, "unknown limits"),
    ("faults", b'{"error_rate": 2}', 400, "between 0 and 1"),
    ("wait_idle", b'{"timeout": "soon"}', 400, '"timeout" has the wrong type'),
])
async def test_bad_input_gets_a_clear_error(sandbox: SandboxServer, people: SandboxClient, http: aiohttp.ClientSession,
                                            path: str, body: bytes, status: int, fragment: str) -> None:
    got, answer = await raw(http, "POST", f"{sandbox.url}/sandbox/{path}", data=body,
                            headers={"Content-Type": "application/json"})
    assert (got, answer["ok"]) == (status, False)
    assert fragment in answer["error"]
    assert (await people.users())  # the server keeps running


async def test_pressing_a_button_that_does_not_exist(people: SandboxClient, call: BotCall) -> None:
    sent = (await call("sendMessage", chat_id=101, text="q", reply_markup=KEYBOARD))[1]["result"]
    with pytest.raises(SandboxClientError, match="no button with callback_data 'no'"):
        await people.press(101, sent["message_id"], "no")
    own = (await people.send_text(101, "mine"))["message_id"]
    with pytest.raises(SandboxClientError, match="no bot message"):
        await people.press(101, own, "yes")


async def test_a_file_of_20_mib_is_taken_and_a_bigger_one_refused_clearly(
        sandbox: SandboxServer, people: SandboxClient, call: BotCall, http: aiohttp.ClientSession) -> None:
    """A person may send a bot files of up to 20 MiB, the most a bot can download (getFile): about 15 MiB was the
    most before, the body limit being 20 MiB of base64."""
    sent = await people.send_document(101, b"\1" * MAX_FILE_BYTES, "big.bin")
    _, updates = await call("getUpdates")
    document = updates["result"][-1]["message"]["document"]
    assert (sent["message_id"], document["file_size"]) == (1, 20 * 1024 * 1024)
    status, found = await call("getFile", file_id=document["file_id"])
    assert status == 200 and found["result"]["file_size"] == MAX_FILE_BYTES, "and the bot can download it"
    with pytest.raises(SandboxClientError) as caught:
        await people.send_document(101, b"\1" * (MAX_FILE_BYTES + 1), "bigger.bin")
    assert caught.value.status == 413 and "a bot can download files of up to 20,971,520 bytes" in caught.value.message
    with pytest.raises(SandboxClientError) as caught:
        await people.send_document(101, b"\1" * (BODY_BYTES - 1024), "huge.bin")
    assert caught.value.status == 413 and "larger than" in caught.value.message
    assert (await people.send_text(101, "still here"))["message_id"] == 2
    _, about = await raw(http, "GET", f"{sandbox.url}/sandbox/bot")
    assert (about["max_file_bytes"], about["max_body_bytes"]) == (MAX_FILE_BYTES, BODY_BYTES)


async def test_a_bot_upload_over_the_limit_is_refused(sandbox: SandboxServer, people: SandboxClient,
                                                      http: aiohttp.ClientSession) -> None:
    form = aiohttp.FormData({"chat_id": "101"})
    form.add_field("document", io.BytesIO(b"\0" * BODY_BYTES), filename="big.bin")
    status, answer = await raw(http, "POST", sandbox.api_url + "sendDocument", data=form)
    assert (status, answer["error_code"]) == (413, 413)


async def test_chat_shows_changes_since_a_seq(people: SandboxClient, call: BotCall) -> None:
    await people.send_text(101, "/start")
    sent = (await call("sendMessage", chat_id=101, text="<b>Hello</b>", parse_mode="HTML",
                       reply_markup=KEYBOARD))[1]["result"]
    first = await people.chat(101)
    assert [m["text"] for m in first["messages"]] == ["/start", "Hello"]
    bot_message = first["messages"][1]
    assert bot_message["from_bot"] and bot_message["parse_mode"] == "HTML"
    assert bot_message["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert bot_message["reply_markup"] == KEYBOARD
    await call("editMessageText", chat_id=101, message_id=sent["message_id"], text="Bye")
    later = await people.chat(101, since=first["last_seq"])
    assert [(m["text"], m["edited"]) for m in later["messages"]] == [("Bye", True)]
    await call("deleteMessage", chat_id=101, message_id=sent["message_id"])
    gone = await people.chat(101, since=later["last_seq"])
    assert gone["messages"][0]["deleted"] is True
    assert (await people.chat(101, since=gone["last_seq"]))["messages"] == []


async def test_a_chat_read_for_other_chats_answers_at_once_with_this_instance(people: SandboxClient,
                                                                              sandbox: SandboxServer) -> None:
    # a page open across a restart asked the new server for changes after its old sequence number, and waited
    await people.send_text(101, "/start")
    first = await people.chat(101)
    assert first["instance"] == sandbox.sandbox.world.instance
    started = asyncio.get_running_loop().time()
    other = await people.chat(101, since=99, wait=5, instance="old")
    assert asyncio.get_running_loop().time() - started < 1 and other["instance"] == first["instance"]
    await people.reset()
    await people.add_user(101, "Ana")
    assert (await people.chat(101))["instance"] != first["instance"]  # the chats started again


async def test_files_from_people_reach_the_bot(sandbox: SandboxServer, people: SandboxClient, call: BotCall,
                                               http: aiohttp.ClientSession) -> None:
    await people.send_document(101, b"a;b\n", "data.csv", "text/csv", caption="numbers")
    await people.send_photo(101, png_bytes(6, 4))
    updates = (await call("getUpdates"))[1]["result"]
    document = updates[0]["message"]["document"]
    assert (document["file_name"], document["mime_type"], document["file_size"]) == ("data.csv", "text/csv", 4)
    assert updates[0]["message"]["caption"] == "numbers"
    photo = updates[1]["message"]["photo"][-1]
    assert (photo["width"], photo["height"]) == (6, 4)
    path = (await call("getFile", file_id=document["file_id"]))[1]["result"]["file_path"]
    async with http.get(f"{sandbox.url}/file/bot{sandbox.token}/{path}") as response:
        assert await response.read() == b"a;b\n"
    async with http.get(f"{sandbox.url}/file/bot{sandbox.token}/nope") as response:
        assert response.status == 404
    view = (await people.chat(101))["messages"]
    async with http.get(sandbox.url + view[1]["photo"]["url"]) as response:
        assert await response.read() == png_bytes(6, 4)


async def test_an_album_reaches_the_bot_as_one_message_per_file(people: SandboxClient, call: BotCall) -> None:
    sent = await people.send_album(101, [("photo", png_bytes(), None), ("photo", png_bytes(4, 4), None),
                                         ("photo", png_bytes(5, 5), None)], caption="Kolda")
    updates = [u["message"] for u in (await call("getUpdates"))[1]["result"]]
    assert [m["message_id"] for m in updates] == [p["message_id"] for p in sent["parts"]]
    assert {m["media_group_id"] for m in updates} == {sent["media_group_id"]}
    assert [m.get("caption") for m in updates] == ["Kolda", None, None]
    assert len({m["photo"][-1]["file_id"] for m in updates}) == 3
    again = await people.send_album(101, [("document", b"a", "a.pdf"), ("document", b"b", "b.pdf")])
    assert again["media_group_id"] != sent["media_group_id"]
    view = (await people.chat(101))["messages"]
    assert [m["document"]["file_name"] for m in view[3:]] == ["a.pdf", "b.pdf"]
    assert {m["media_group_id"] for m in view[3:]} == {again["media_group_id"]}


async def test_callback_answers_are_recorded(people: SandboxClient, call: BotCall) -> None:
    sent = (await call("sendMessage", chat_id=101, text="q", reply_markup=KEYBOARD))[1]["result"]
    pressed = await people.press(101, sent["message_id"], "yes")
    update = (await call("getUpdates"))[1]["result"][0]["callback_query"]
    assert (update["id"], update["data"], update["message"]["message_id"]) == (
        pressed["callback_query_id"], "yes", sent["message_id"])
    assert (await people.callback_answers(101))[0]["answered"] is False
    await call("answerCallbackQuery", callback_query_id=update["id"], text="Saved", show_alert=True)
    answer = (await people.callback_answers(101))[0]
    assert (answer["answered"], answer["text"], answer["show_alert"]) == (True, "Saved", True)
    assert await people.callback_answers(102) == []


async def test_a_persons_command_menu_is_the_narrowest_scope_set_in_their_language_first(
        people: SandboxClient, call: BotCall) -> None:
    """The page's "/" menu: chat scope before all private chats before default, each in the person's language before
    the one without a language; nothing set: no command."""
    assert await people.commands(101) == []
    await call("setMyCommands", commands=[{"command": "help", "description": "Help"}])
    assert [c["command"] for c in await people.commands(101)] == ["help"]
    await call("setMyCommands", commands=[{"command": "ayuda", "description": "Ayuda"}], language_code="es")
    assert [c["command"] for c in await people.commands(101)] == ["ayuda"]
    assert [c["command"] for c in await people.commands(102)] == ["help"]  # Arabic: the default without a language
    await call("setMyCommands", commands=[{"command": "pledge", "description": "Pledge"}],
               scope={"type": "all_private_chats"})
    assert [c["command"] for c in await people.commands(101)] == ["pledge"]
    await call("setMyCommands", commands=[{"command": "broadcast", "description": "Broadcast"}],
               scope={"type": "chat", "chat_id": 102})
    assert [c["command"] for c in await people.commands(102)] == ["broadcast"]
    assert [c["command"] for c in await people.commands(101)] == ["pledge"]


async def test_blocking_sends_my_chat_member(people: SandboxClient, call: BotCall) -> None:
    await people.block(101)
    await people.block(101)  # twice changes nothing
    await people.send_text(101, "I am back")  # writing again restarts the bot
    kinds = [next(k for k in u if k != "update_id") for u in (await call("getUpdates"))[1]["result"]]
    assert kinds == ["my_chat_member", "my_chat_member", "message"]
    assert not (await people.users())[0]["blocked"]


async def test_wait_idle_waits_for_the_bot(people: SandboxClient, call: BotCall) -> None:
    assert await people.wait_idle(timeout=1, quiet_ms=50)
    await people.send_text(101, "hi")
    assert not await people.wait_idle(timeout=0.3, quiet_ms=50)  # nobody fetched the update

    async def bot() -> None:
        await asyncio.sleep(0.1)
        await call("getUpdates")
        await call("sendMessage", chat_id=101, text="hello")

    task = asyncio.create_task(bot())
    assert await people.wait_idle(timeout=5, quiet_ms=100)
    await task
    assert (await people.stats())["calls"] == {"getUpdates": 1, "sendMessage": 1}


async def test_stats_and_reset(people: SandboxClient, call: BotCall) -> None:
    await people.send_text(101, "hi")
    await call("sendMessage", chat_id=999, text="x")
    stats = await people.stats()
    assert stats["errors"] == {"400": 1} and stats["updates_pending"] == 1
    await people.reset()
    assert await people.users() == []
    assert await people.stats() == {"ok": True, "calls": {}, "rate_limited": 0, "errors": {}, "updates_pending": 0}
    await people.add_user(101, "Ana")
    update_id = (await people.send_text(101, "after reset"))["update_id"]
    assert update_id == 2  # ids keep growing so the bot's offset stays valid


async def test_faults_are_seeded_and_injected(people: SandboxClient, call: BotCall) -> None:
    await people.set_faults(error_rate=0.5, seed=7)
    first = [(await call("getMe"))[0] for _ in range(20)]
    await people.set_faults(error_rate=0.5, seed=7)
    second = [(await call("getMe"))[0] for _ in range(20)]
    assert first == second and {500, 502, 200} == set(first)
    await people.set_faults(timeout_rate=1.0, hang_seconds=0.2)
    status, answer = await call("getMe")
    assert (status, answer["description"]) == (504, "Gateway Timeout")
    await people.set_faults()
    assert (await call("getMe"))[0] == 200


async def test_document_in_base64_round_trips(people: SandboxClient, sandbox: SandboxServer,
                                              http: aiohttp.ClientSession) -> None:
    body = {"document": {"file_name": "n.txt", "content_base64": base64.b64encode(b"note").decode()}}
    status, answer = await raw(http, "POST", f"{sandbox.url}/sandbox/users/102/messages", json=body)
    assert status == 200 and answer["message_id"] == 1
    view = (await people.chat(102))["messages"][0]["document"]
    assert (view["file_name"], view["size"]) == ("n.txt", 4)


@pytest.mark.parametrize("path, body", [
    ("users/101/messages", b'{"text": "hello \\ud83d world"}'),
    ("users/101/messages", b'{"text": "\\udc00"}'),
    ("users/101/messages", b'{"caption": "x\\ud800", "photo": {"content_base64": "AAAA"}}'),
    ("users/101/messages", b'{"document": {"content_base64": "AAAA", "file_name": "a\\udfff.pdf"}}'),
    ("users", b'{"id": 103, "first_name": "Eve\\ud800"}'),
])
async def test_a_lone_surrogate_is_refused_and_getupdates_keeps_working(
        sandbox: SandboxServer, people: SandboxClient, http: aiohttp.ClientSession, call: BotCall,
        path: str, body: bytes) -> None:
    got, answer = await raw(http, "POST", f"{sandbox.url}/sandbox/{path}", data=body,
                            headers={"Content-Type": "application/json"})
    assert (got, answer["ok"]) == (400, False) and "lone surrogate" in answer["error"]
    await people.send_text(102, "مرحبا 👋")
    status, updates = await call("getUpdates", timeout=0)
    assert status == 200 and [u["message"]["text"] for u in updates["result"]] == ["مرحبا 👋"]


async def test_the_bot_api_refuses_a_lone_surrogate_like_telegram(sandbox: SandboxServer,
                                                                  http: aiohttp.ClientSession) -> None:
    body = b'{"chat_id": 101, "text": "x\\ud800"}'
    got, answer = await raw(http, "POST", sandbox.api_url + "sendMessage", data=body,
                            headers={"Content-Type": "application/json"})
    assert (got, answer) == (400, {"ok": False, "error_code": 400,
                                   "description": "Bad Request: strings must be encoded in UTF-8"})


@pytest.mark.parametrize("body, fragment", [
    ({"text": "a", "sticker": {}}, "exactly one of"),
    ({"location": {"latitude": 91, "longitude": 0}}, "latitude in [-90, 90]"),
    ({"location": {"latitude": 1}}, '"longitude" is required'),
    ({"contact": {"phone_number": "+41"}}, '"first_name" is required'),
    ({"voice": {"duration": 0}}, "1 to 3600"),
    ({"video_note": {"duration": 61}}, "1 to 60"),
    ({"text": "hi", "entities": [{"type": "bold", "offset": 1, "length": 5}]}, "within the text"),
    ({"text": "hi", "entities": [{"type": "mention", "offset": 0, "length": 1}]}, "one of"),
    ({"text": "hi", "entities": [{"type": "text_link", "offset": 0, "length": 1, "url": "javascript:x"}]}, "URL"),
    ({"text": "hi", "reply_to_message_id": 99}, "no message 99"),
    ({"text": "hi", "forward_from": {"user_id": 555}}, "forward_from"),
    ({"text": "x" * 4096 * 10 + "y"}, "longer than 10 messages"),
    ({"text": "x " * 3000, "entities": [{"type": "bold", "offset": 0, "length": 1}]}, "one message"),
])
async def test_other_kinds_refuse_bad_input(sandbox: SandboxServer, people: SandboxClient, http: aiohttp.ClientSession,
                                            body: dict[str, Any], fragment: str) -> None:
    got, answer = await raw(http, "POST", f"{sandbox.url}/sandbox/users/101/messages", json=body)
    assert (got, answer["ok"]) == (400, False) and fragment in answer["error"], answer


async def test_other_kinds_show_in_the_chat_and_edits_reach_the_bot(people: SandboxClient, call: BotCall) -> None:
    await call("getUpdates", allowed_updates=["message", "edited_message"])
    first = await people.send_text(101, "first")
    await people.send(101, "sticker", {"emoji": "🎉"}, reply_to_message_id=first["message_id"])
    await people.send(101, "location", {"latitude": 14.69, "longitude": -17.44})
    await people.send(101, "contact", {"phone_number": "+221", "first_name": "Awa"})
    await people.send_text(101, "fwd", forward_from={"user_id": 102})
    edited = await people.edit_text(101, first["message_id"], "first, corrected")
    chat = (await people.chat(101))["messages"]
    assert [m["message_id"] for m in chat][-1] == first["message_id"] and chat[-1]["edited"]
    assert chat[-1]["text"] == "first, corrected"
    by_id = {m["message_id"]: m for m in chat}
    assert by_id[2]["sticker"] == {"emoji": "🎉"} and by_id[2]["reply_to"] == first["message_id"]
    assert by_id[3]["location"] == {"latitude": 14.69, "longitude": -17.44}
    assert by_id[4]["contact"]["first_name"] == "Awa" and by_id[5]["forwarded_from"] == "Omar"
    updates = (await call("getUpdates"))[1]["result"]
    assert updates[0]["message"]["text"] == "first"  # the pending update keeps what was sent
    assert updates[-1]["update_id"] == edited["update_id"]
    assert updates[-1]["edited_message"]["text"] == "first, corrected" and updates[-1]["edited_message"]["edit_date"]
    with pytest.raises(SandboxClientError, match="no text or caption to edit"):
        await people.edit_text(101, 4, "a contact has no text")


async def test_a_video_and_a_round_video_reach_the_bot_and_the_bot_sends_the_video_again(
        people: SandboxClient, call: BotCall) -> None:
    """A video sent from the gallery (with its caption, a name when the app gives one) and a round video message;
    the bot sends a video again by its file id with sendVideo, as a report's evidence is shown to staff."""
    await call("getUpdates", allowed_updates=["message"])
    await people.send(101, "video", {"duration": 20, "file_name": "tower.mp4"}, caption="The tower")
    await people.send(101, "video_note", {"duration": 5})
    updates = (await call("getUpdates"))[1]["result"]
    video, note = updates[0]["message"], updates[1]["message"]
    assert video["caption"] == "The tower" and video["video"]["file_name"] == "tower.mp4"
    assert video["video"]["duration"] == 20 and video["video"]["mime_type"] == "video/mp4"
    assert note["video_note"]["duration"] == 5 and "caption" not in note
    status, sent = await call("sendVideo", chat_id=101, video=video["video"]["file_id"], caption="Evidence 1 of 1")
    assert status == 200 and sent["result"]["video"]["file_id"] == video["video"]["file_id"], sent
    assert sent["result"]["caption"] == "Evidence 1 of 1"
    status, missing = await call("sendVideo", chat_id=101)
    assert status == 400 and missing["description"] == "Bad Request: there is no video in the request"
    chat = (await people.chat(101))["messages"]
    assert chat[0]["video"]["file_name"] == "tower.mp4" and chat[1]["video_note"]["duration"] == 5
    assert chat[2]["video"]["url"].startswith("/sandbox/files/")


@pytest.mark.parametrize("text, lengths", [
    ("Une phrase assez longue pour le test. " * 60 + "\n" + "Une autre. " * 200, [2279, 2199]),  # at the line break
    ("mot " * 1500, [4095, 1903]),  # at the last space that fits
    ("x" * 5000, [4096, 904]),  # no space: a hard cut
    ("😀" * 3000, [2048, 952]),  # 6,000 UTF-16 units: cut at 4,096 units, never inside a pair
    ("y" * 4096, [4096]),
])
async def test_a_long_text_is_split_as_telegrams_apps_do(people: SandboxClient, call: BotCall, text: str,
                                                         lengths: list[int]) -> None:
    sent = await people.send_text(101, text)
    texts = [u["message"]["text"] for u in (await call("getUpdates"))[1]["result"]]
    assert [len(t) for t in texts] == lengths
    assert [p["message_id"] for p in sent.get("parts", [sent])] == list(range(1, len(lengths) + 1))
    assert "".join("".join(t.split()) for t in texts) == "".join(text.split())  # only whitespace at a cut is lost


async def test_a_person_added_without_an_id_gets_the_next_free_one(people: SandboxClient) -> None:
    # the page chose ids itself, from a list up to 3 s old: two pages adding at once took the same person
    first = await people.add_user(None, "Tab A", language_code="en")
    second = await people.add_user(None, "Tab B", language_code="ru")
    assert (first["id"], second["id"]) == (1001, 1002)
    await people.add_user(5000, "Far")
    assert (await people.add_user(None, "Next"))["id"] == 5001
    assert {user["id"]: user["first_name"] for user in await people.users()}[1001] == "Tab A"


async def test_a_person_can_forward_one_of_the_bots_messages_back(people: SandboxClient, call: BotCall) -> None:
    """The bot's own message forwarded back comes with the bot as its origin, as Telegram sends it (tester t2 #3)."""
    await call("getUpdates", allowed_updates=["message"])
    await people.send_text(101, "Question 1 of 9", forward_from={"bot": True})
    update = (await call("getUpdates"))[1]["result"][-1]
    origin = update["message"]["forward_origin"]
    me = (await call("getMe"))[1]["result"]
    assert origin["type"] == "user" and origin["sender_user"]["id"] == me["id"] and origin["sender_user"]["is_bot"]
