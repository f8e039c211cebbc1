"""Telegram's rules answer with Telegram's codes and texts."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.client import SandboxClient
from bot.sandbox.limits import Limits, RateLimiter
from bot.sandbox.server import SandboxServer

from .conftest import BotCall

NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message")


def error(answer: dict[str, Any]) -> tuple[int, str]:
    assert answer["ok"] is False
    return answer["error_code"], answer["description"]


async def test_text_of_4097_characters_is_too_long(people: SandboxClient, call: BotCall) -> None:
    status, answer = await call("sendMessage", chat_id=101, text="x" * 4097)
    assert status == 400
    assert error(answer) == (400, "Bad Request: message is too long")
    assert (await call("sendMessage", chat_id=101, text="x" * 4096))[0] == 200


async def test_length_counts_after_entity_parsing(people: SandboxClient, call: BotCall) -> None:
    status, _ = await call("sendMessage", chat_id=101, text="<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert status == 200


async def test_length_counts_utf16_code_units(people: SandboxClient, call: BotCall) -> None:
    _, answer = await call("sendMessage", chat_id=101, text="😀" * 2049)
    assert error(answer) == (400, "Bad Request: message is too long")


@pytest.mark.parametrize("text", ["", "   "])
async def test_empty_text(people: SandboxClient, call: BotCall, text: str) -> None:
    _, answer = await call("sendMessage", chat_id=101, text=text)
    assert error(answer) == (400, "Bad Request: message text is empty")


async def test_callback_data_of_65_bytes_is_invalid(people: SandboxClient, call: BotCall) -> None:
    keyboard = {"inline_keyboard": [[{"text": "A", "callback_data": "é" * 32 + "x"}]]}
    status, answer = await call("sendMessage", chat_id=101, text="hi", reply_markup=keyboard)
    assert status == 400
    assert error(answer) == (400, "Bad Request: BUTTON_DATA_INVALID")
    keyboard["inline_keyboard"][0][0]["callback_data"] = "é" * 32
    assert (await call("sendMessage", chat_id=101, text="hi", reply_markup=keyboard))[0] == 200


@pytest.mark.parametrize("markup, detail", [
    ({"inline_keyboard": [{"text": "A", "callback_data": "a"}]}, "should be an Array of Arrays"),
    ({"inline_keyboard": [[{"text": "A"}]]}, "Text buttons are unallowed in the inline keyboard"),
    ("not json", "can't parse reply keyboard markup JSON object"),
])
async def test_inline_keyboard_shape(people: SandboxClient, call: BotCall, markup: Any, detail: str) -> None:
    _, answer = await call("sendMessage", chat_id=101, text="hi", reply_markup=markup)
    code, description = error(answer)
    assert code == 400 and detail in description


@pytest.mark.parametrize("html", ["<b>bold", "<b>x</i>", "<script>x</script>", "x</b>", "<span>x</span>"])
async def test_malformed_html_cannot_be_parsed(people: SandboxClient, call: BotCall, html: str) -> None:
    status, answer = await call("sendMessage", chat_id=101, text=html, parse_mode="HTML")
    assert status == 400
    assert answer["description"].startswith("Bad Request: can't parse entities: ")


async def test_html_entities_and_nesting(people: SandboxClient, call: BotCall) -> None:
    _, answer = await call("sendMessage", chat_id=101, parse_mode="HTML",
                           text="<b>a <i>b</i></b> &lt;3 <tg-spoiler>s</tg-spoiler> <a href=\"https://x.org\">l</a>")
    message = answer["result"]
    assert message["text"] == "a b <3 s l"
    assert message["entities"] == [
        {"type": "bold", "offset": 0, "length": 3}, {"type": "italic", "offset": 2, "length": 1},
        {"type": "spoiler", "offset": 7, "length": 1}, {"type": "text_link", "offset": 9, "length": 1,
                                                         "url": "https://x.org"},
    ]


async def test_over_the_rate_answers_429_with_retry_after(people: SandboxClient, call: BotCall) -> None:
    statuses = [(await call("sendMessage", chat_id=101, text=str(i)))[0] for i in range(5)]
    assert statuses[:3] == [200, 200, 200]  # the per-chat burst
    status, answer = await call("sendMessage", chat_id=101, text="again")
    assert status == 429
    assert answer["error_code"] == 429 and answer["parameters"]["retry_after"] >= 1
    assert answer["description"] == f"Too Many Requests: retry after {answer['parameters']['retry_after']}"
    assert (await people.stats())["rate_limited"] >= 1


async def test_limits_can_be_changed(people: SandboxClient, call: BotCall) -> None:
    await people.set_limits(per_chat_per_second=None, global_per_second=None)
    statuses = {(await call("sendMessage", chat_id=101, text=str(i)))[0] for i in range(40)}
    assert statuses == {200}


async def test_blocked_user_answers_403(people: SandboxClient, call: BotCall) -> None:
    await people.block(101)
    status, answer = await call("sendMessage", chat_id=101, text="hello")
    assert status == 403
    assert error(answer) == (403, "Forbidden: bot was blocked by the user")
    await people.unblock(101)
    assert (await call("sendMessage", chat_id=101, text="hello"))[0] == 200


async def test_unknown_chat(people: SandboxClient, call: BotCall) -> None:
    _, answer = await call("sendMessage", chat_id=999, text="hello")
    assert error(answer) == (400, "Bad Request: chat not found")
    _, answer = await call("sendMessage", chat_id="@nobody", text="hello")
    assert error(answer) == (400, "Bad Request: chat not found")


async def test_edit_rules(people: SandboxClient, call: BotCall) -> None:
    sent = (await call("sendMessage", chat_id=101, text="v1"))[1]["result"]
    own = (await people.send_text(101, "mine"))["message_id"]
    _, answer = await call("editMessageText", chat_id=101, message_id=sent["message_id"], text="v1")
    assert error(answer) == (400, NOT_MODIFIED)
    _, answer = await call("editMessageText", chat_id=101, message_id=own, text="x")
    assert error(answer) == (400, "Bad Request: message can't be edited")
    _, answer = await call("editMessageText", chat_id=101, message_id=9999, text="x")
    assert error(answer) == (400, "Bad Request: message to edit not found")
    _, answer = await call("editMessageText", chat_id=101, message_id=sent["message_id"], text="v2")
    assert answer["result"]["text"] == "v2" and answer["result"]["edit_date"] >= sent["date"]
    _, answer = await call("editMessageReplyMarkup", chat_id=101, message_id=sent["message_id"])
    assert error(answer) == (400, NOT_MODIFIED)
    assert (await call("deleteMessage", chat_id=101, message_id=sent["message_id"]))[1]["result"] is True
    _, answer = await call("editMessageText", chat_id=101, message_id=sent["message_id"], text="v3")
    assert error(answer) == (400, "Bad Request: message to edit not found")


async def test_editing_text_without_markup_removes_the_keyboard(people: SandboxClient, call: BotCall) -> None:
    keyboard = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    sent = (await call("sendMessage", chat_id=101, text="v1", reply_markup=keyboard))[1]["result"]
    edited = (await call("editMessageText", chat_id=101, message_id=sent["message_id"], text="v2"))[1]["result"]
    assert "reply_markup" not in edited


@pytest.mark.parametrize("method, params, description", [
    ("sendMessage", {"text": "x"}, "Bad Request: chat_id is empty"),
    ("sendMessage", {"chat_id": 101}, "Bad Request: message text is empty"),
    ("sendDocument", {"chat_id": 101}, "Bad Request: there is no document in the request"),
    ("setMyCommands", {}, 'Bad Request: parameter "commands" is required'),
    ("answerCallbackQuery", {}, "Bad Request: query_id is empty"),
    ("sendMessage", {"chat_id": 101, "text": "x", "disable_notification": "maybe"},
     'Bad Request: field "disable_notification" must be of type Boolean'),
    ("deleteMessage", {"chat_id": 101, "message_id": "abc"}, 'Bad Request: field "message_id" must be of type Integer'),
    ("sendChatAction", {"chat_id": 101, "action": "dancing"}, "Bad Request: wrong parameter action in request"),
    ("getFile", {"file_id": "nope"}, "Bad Request: invalid file_id"),
    ("answerCallbackQuery", {"callback_query_id": "1"},
     "Bad Request: query is too old and response timeout expired or query ID is invalid"),
])
async def test_parameters_are_checked(people: SandboxClient, call: BotCall, method: str, params: dict[str, Any],
                                      description: str) -> None:
    status, answer = await call(method, **params)
    assert status == 400
    assert answer["description"] == description


async def test_token_method_and_transport(sandbox: SandboxServer, people: SandboxClient, http: Any) -> None:
    async with http.get(f"{sandbox.url}/bot123:wrong/getMe") as response:
        assert response.status == 401 and (await response.json())["description"] == "Unauthorized"
    async with http.get(sandbox.api_url + "noSuchMethod") as response:
        assert response.status == 404 and (await response.json())["description"] == "Not Found"
    async with http.get(sandbox.api_url + "SENDmessage?chat_id=101&text=via+get") as response:
        assert (await response.json())["result"]["text"] == "via get"
    async with http.post(sandbox.api_url + "sendMessage", data={"chat_id": "101", "text": "form"}) as response:
        assert (await response.json())["result"]["text"] == "form"
    async with http.post(sandbox.api_url + "sendMessage", data=b"{not json",
                         headers={"Content-Type": "application/json"}) as response:
        assert response.status == 400


def test_rate_limiter_with_a_fake_clock() -> None:
    now = [0.0]
    limiter = RateLimiter(Limits(global_per_second=30, per_chat_per_second=1, per_chat_burst=2,
                                 per_group_per_minute=20), clock=lambda: now[0])
    assert [limiter.retry_after(1) for _ in range(3)] == [0, 0, 1]
    now[0] = 1.0
    assert limiter.retry_after(1) == 0
    assert [limiter.retry_after(-5) for _ in range(20)] == [0] * 20
    assert limiter.retry_after(-5) == 3  # 20 per minute: the next token comes in 3 s
    sent = [limiter.retry_after(chat) for chat in range(100, 140)]
    assert sent.count(0) == 9 and sent[-1] == 1  # 30 per second in all, 21 already spent by the group


def test_paid_broadcast_raises_the_global_limit() -> None:
    limiter = RateLimiter(Limits(global_per_second=30, per_chat_per_second=None), clock=lambda: 0.0)
    assert sum(limiter.retry_after(chat) == 0 for chat in range(100)) == 30
    assert sum(limiter.retry_after(chat, paid=True) == 0 for chat in range(2000)) == 1000


async def test_markdown_v2_parse_mode(people: SandboxClient, call: BotCall) -> None:
    _, answer = await call("sendMessage", chat_id=101, parse_mode="MarkdownV2",
                           text="*Pledge* _saved_ \\(id 42\\)\\. [Open](https://itu.int)")
    message = answer["result"]
    assert message["text"] == "Pledge saved (id 42). Open"
    assert [e["type"] for e in message["entities"]] == ["bold", "italic", "text_link"]
    _, answer = await call("sendMessage", chat_id=101, parse_mode="MarkdownV2", text="Version 1.5")
    assert error(answer) == (400, "Bad Request: can't parse entities: Character '.' is reserved and must be "
                                  "escaped with the preceding '\\'")
    _, answer = await call("sendMessage", chat_id=101, parse_mode="Markdown", text="*bold* 1.5")
    assert answer["result"]["text"] == "bold 1.5"
    _, answer = await call("sendMessage", chat_id=101, parse_mode="Shouty", text="x")
    assert error(answer) == (400, "Bad Request: unsupported parse_mode")
