"""Delivery's sender: Bot API calls made directly with aiohttp, Telegram's answers mapped to delivery's errors.

aiogram stays the runtime for updates; for sending, building and validating its pydantic models
for every message cost about a millisecond of CPU each, the largest share of a broadcast's cost.
The wire format is the same JSON aiogram would send. getUpdates is asked here too, its answer left as JSON:
bot.polling builds aiogram's `Update` only for the updates it has not seen yet.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import aiohttp

from bot.delivery import (
    ConflictError,
    DeliveryError,
    RecipientGoneError,
    RejectedError,
    RetryLaterError,
    TokenRefusedError,
)
from bot.i18n import Rendered
from handlers.lengths import CAPTION_LIMIT, TEXT_LIMIT, fit_html

TIMEOUT = aiohttp.ClientTimeout(total=30, sock_connect=10)
SENDS = {"photo": "sendPhoto", "video": "sendVideo", "document": "sendDocument"}
"""The method that sends a file again by its Telegram id, by kind: a video goes back as a video (sendDocument is
for files of the document kind: Telegram refuses an id of another kind as a mismatch)."""


class BotApiSender:
    """Sends and edits messages through the Bot API at `api_base` (Telegram, or the sandbox)."""

    def __init__(self, api_base: str, token: str, connections: int = 100) -> None:
        self._url = f"{api_base.rstrip('/')}/bot{token}/"
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the HTTP connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, chat_id: int, message: Rendered) -> int:
        """Send HTML text with inline buttons (or a photo or document with it as caption); the message id."""
        message = fitted(message)
        payload: dict[str, Any] = {"chat_id": chat_id, "parse_mode": "HTML"}
        if message.buttons:
            payload["reply_markup"] = _keyboard(message)
        if message.upload is not None:
            return await self._upload(chat_id, message)
        if message.attachment is not None:
            kind, file_id = message.attachment
            payload.update({kind: file_id, "caption": message.text})
            result = await self._call(SENDS.get(kind, "sendDocument"), payload)
        else:
            payload["text"] = message.text
            result = await self._call("sendMessage", payload)
        return int(result["message_id"])

    async def _upload(self, chat_id: int, message: Rendered) -> int:
        """Send a file the bot made as a photo or document, uploaded as multipart form data."""
        assert message.upload is not None
        upload = message.upload
        form = aiohttp.FormData()
        form.add_field("chat_id", str(chat_id))
        form.add_field("parse_mode", "HTML")
        if message.text:
            form.add_field("caption", message.text)
        if message.buttons:
            form.add_field("reply_markup", json.dumps(_keyboard(message), ensure_ascii=False))
        form.add_field(upload.kind, upload.content, filename=upload.name, content_type=upload.mime_type)
        result = await self._call("sendPhoto" if upload.kind == "photo" else "sendDocument", form)
        return int(result["message_id"])

    async def edit(self, chat_id: int, message_id: int, message: Rendered) -> None:
        """Replace a message's text and buttons ("not modified" counts as done)."""
        message = fitted(message)
        payload: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id, "text": message.text,
                                   "parse_mode": "HTML"}
        if message.buttons:
            payload["reply_markup"] = _keyboard(message)
        try:
            await self._call("editMessageText", payload)
        except RejectedError as error:
            if "not modified" not in str(error):
                raise

    async def acknowledge(self, callback_query_id: str, text: str | None = None) -> None:
        """Answer a pressed button's callback query: no text (the reply comes as a message), or a toast."""
        payload = {"callback_query_id": callback_query_id}
        if text:
            payload["text"] = text
        await self._call("answerCallbackQuery", payload)

    async def updates(self, offset: int | None, timeout: int, allowed_updates: list[str]) -> list[dict[str, Any]]:
        """getUpdates, long-polling up to `timeout` s: the updates as JSON objects (bot.polling reads them)."""
        payload: dict[str, Any] = {"timeout": timeout, "allowed_updates": allowed_updates}
        if offset is not None:
            payload["offset"] = offset
        result = await self._call("getUpdates", payload, aiohttp.ClientTimeout(total=timeout + 30, sock_connect=10))
        return result if isinstance(result, list) else []

    async def _call(self, method: str, payload: dict[str, Any] | aiohttp.FormData,
                    timeout: aiohttp.ClientTimeout | None = None) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT, cookie_jar=aiohttp.DummyCookieJar(),
                                                  connector=aiohttp.TCPConnector(limit=self._connections))
        try:
            if isinstance(payload, aiohttp.FormData):
                request = self._session.post(self._url + method, data=payload, timeout=timeout or TIMEOUT)
            else:
                request = self._session.post(self._url + method, data=json.dumps(payload, ensure_ascii=False),
                                             headers={"Content-Type": "application/json"}, timeout=timeout or TIMEOUT)
            async with request as answer:
                data = await answer.json(content_type=None)
                status = answer.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise DeliveryError(f"{method}: {type(error).__name__}") from error
        if isinstance(data, dict) and data.get("ok"):
            return data.get("result")
        raise _error(status, data if isinstance(data, dict) else {})


def fitted(message: Rendered) -> Rendered:
    """The message measured against Telegram's limit (a caption's when a file goes with it) and cut to fit.

    Rendered replies fit already (bot.i18n); a broadcast's text is measured here, at the last moment, so
    that no text stored before its limits were checked (a long caption, say) is refused by Telegram.
    """
    limit = CAPTION_LIMIT if message.attachment is not None or message.upload is not None else TEXT_LIMIT
    text = fit_html(message.text, limit)
    return message if text == message.text else replace(message, text=text)


def _keyboard(message: Rendered) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": label, "callback_data": code} for label, code in row]
                                for row in message.buttons]}


def _error(status: int, data: dict[str, Any]) -> DeliveryError:
    """Telegram's refusal as delivery knows it."""
    code = int(data.get("error_code") or status)
    description = str(data.get("description") or f"HTTP {status}")
    if code == 429:
        return RetryLaterError(float((data.get("parameters") or {}).get("retry_after") or 1))
    if code == 403 or (code == 400 and "chat not found" in description.lower()):
        return RecipientGoneError(description)
    if code == 409:
        return ConflictError(description)
    if code in (401, 404):  # the token, not the request: revoked (a rotation under way) or mistyped
        return TokenRefusedError(description)
    if code >= 500 or code == 420:
        return DeliveryError(description)
    return RejectedError(description)
