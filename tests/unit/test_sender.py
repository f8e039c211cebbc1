"""bot.sender: what Telegram answers becomes the error delivery acts on (retry, give up, mark gone)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.delivery import (
    ConflictError,
    DeliveryError,
    RecipientGoneError,
    RejectedError,
    RetryLaterError,
    TokenRefusedError,
)
from bot.i18n import Rendered
from bot.sender import BotApiSender

TOKEN = "123456:" + "A" * 35
HELLO = Rendered("Hello", ((("OK", "f:ok"),),))


class FakeTelegram:
    """Answers every call with the next prepared (status, body); records what it was asked."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append((request.match_info["method"], await request.json()))
        status, body = self.answers.pop(0)
        text = body if isinstance(body, str) else json.dumps(body)
        return web.Response(status=status, text=text, content_type="application/json")


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[FakeTelegram, BotApiSender]]:
    fake = FakeTelegram()
    app = web.Application()
    app.router.add_post(f"/bot{TOKEN}/{{method}}", fake.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    sender = BotApiSender(str(server.make_url("")).rstrip("/"), TOKEN)
    yield fake, sender
    await sender.close()
    await server.close()


def refusal(code: int, description: str, **parameters: Any) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, body


@pytest.mark.parametrize(("answer", "error", "detail"), [
    (refusal(429, "Too Many Requests: retry after 7", retry_after=7), RetryLaterError, "retry after 7.0s"),
    (refusal(403, "Forbidden: bot was blocked by the user"), RecipientGoneError, "blocked"),
    (refusal(400, "Bad Request: chat not found"), RecipientGoneError, "chat not found"),
    (refusal(400, "Bad Request: message is too long"), RejectedError, "too long"),
    (refusal(401, "Unauthorized"), TokenRefusedError, "Unauthorized"),  # a token revoked: kept, not failed
    (refusal(404, "Not Found"), TokenRefusedError, "Not Found"),
    (refusal(500, "Internal Server Error"), DeliveryError, "Internal"),
    (refusal(502, "Bad Gateway"), DeliveryError, "Bad Gateway"),
    ((502, "<html>bad gateway</html>"), DeliveryError, "sendMessage"),
    ((200, {"ok": False}), RejectedError, "HTTP 200"),
])
async def test_refusals_become_the_error_delivery_acts_on(telegram: tuple[FakeTelegram, BotApiSender],
                                                          answer: tuple[int, Any], error: type[DeliveryError],
                                                          detail: str) -> None:
    fake, sender = telegram
    fake.answers.append(answer)
    with pytest.raises(error) as raised:
        await sender.send(7, HELLO)
    assert type(raised.value) is error
    assert detail in str(raised.value)


async def test_a_sent_message_gives_its_id_and_the_wire_format(telegram: tuple[FakeTelegram, BotApiSender]) -> None:
    fake, sender = telegram
    fake.answers.append((200, {"ok": True, "result": {"message_id": 42}}))
    assert await sender.send(7, HELLO) == 42
    method, payload = fake.calls[0]
    assert method == "sendMessage"
    assert payload == {"chat_id": 7, "parse_mode": "HTML", "text": "Hello",
                       "reply_markup": {"inline_keyboard": [[{"text": "OK", "callback_data": "f:ok"}]]}}


async def test_an_attachment_is_sent_with_the_text_as_caption(telegram: tuple[FakeTelegram, BotApiSender]) -> None:
    fake, sender = telegram
    fake.answers.append((200, {"ok": True, "result": {"message_id": 43}}))
    await sender.send(7, Rendered("Report", (), ("document", "FILE-1")))
    assert fake.calls[0] == ("sendDocument", {"chat_id": 7, "parse_mode": "HTML", "document": "FILE-1",
                                              "caption": "Report"})


async def test_a_video_is_sent_again_as_a_video(telegram: tuple[FakeTelegram, BotApiSender]) -> None:
    """t2 #9: a video kept as a report's evidence goes back with sendVideo (sendDocument is for documents)."""
    fake, sender = telegram
    fake.answers.append((200, {"ok": True, "result": {"message_id": 44}}))
    await sender.send(7, Rendered("Evidence 1 of 1", (), ("video", "VIDEO-1")))
    assert fake.calls[0] == ("sendVideo", {"chat_id": 7, "parse_mode": "HTML", "video": "VIDEO-1",
                                           "caption": "Evidence 1 of 1"})


async def test_an_edit_that_changes_nothing_counts_as_done(telegram: tuple[FakeTelegram, BotApiSender]) -> None:
    fake, sender = telegram
    fake.answers.append(refusal(400, "Bad Request: message is not modified: specified new message content and "
                                     "reply markup are exactly the same"))
    await sender.edit(7, 42, HELLO)
    fake.answers.append(refusal(400, "Bad Request: message to edit not found"))
    with pytest.raises(RejectedError):
        await sender.edit(7, 42, HELLO)


async def test_an_unreachable_server_is_a_delivery_error_that_names_the_method() -> None:
    sender = BotApiSender("http://127.0.0.1:9", TOKEN)  # the discard port: nothing listens
    try:
        with pytest.raises(DeliveryError) as raised:
            await sender.acknowledge("q-1")
        assert type(raised.value) is DeliveryError and "answerCallbackQuery" in str(raised.value)
    finally:
        await sender.close()


async def test_updates_are_asked_from_the_offset_and_come_back_as_json(
        telegram: tuple[FakeTelegram, BotApiSender]) -> None:
    fake, sender = telegram
    update = {"update_id": 42, "message": {"message_id": 1, "text": "hi"}}
    fake.answers += [(200, {"ok": True, "result": [update]}), (200, {"ok": True, "result": []}),
                     refusal(409, "Conflict: terminated by other getUpdates request")]
    assert await sender.updates(42, 0, ["message"]) == [update]
    assert await sender.updates(None, 25, ["message", "callback_query"]) == []
    assert fake.calls == [("getUpdates", {"timeout": 0, "allowed_updates": ["message"], "offset": 42}),
                          ("getUpdates", {"timeout": 25, "allowed_updates": ["message", "callback_query"]})]
    with pytest.raises(ConflictError, match="Conflict: terminated by other getUpdates request"):
        await sender.updates(43, 0, ["message"])
