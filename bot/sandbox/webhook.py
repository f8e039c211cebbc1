"""Webhook delivery: POST updates to the bot's URL with the secret header, several at once, retrying with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot.sandbox.runtime import Sandbox

log = logging.getLogger(__name__)
Execute = Callable[[str, dict[str, Any]], Awaitable[Any]]


def chat_of(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to (its order is kept per chat), or None."""
    for kind, payload in update.items():
        if kind == "update_id" or not isinstance(payload, dict):
            continue
        message = payload.get("message") if kind == "callback_query" else payload
        chat = (message or {}).get("chat") if isinstance(message, dict) else None
        if isinstance(chat, dict) and "id" in chat:
            return int(chat["id"])
        sender = payload.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return int(sender["id"])
    return None


class WebhookSender:
    """Delivers pending updates while a webhook is set, as Telegram does: up to the webhook's `max_connections`
    requests at once, one chat's updates one after another and in order, a failed update posted again after a
    backoff (doubling per update) while other chats go on."""

    def __init__(self, sb: Sandbox, execute: Execute, *, first_delay: float = 0.05, max_delay: float = 2.0,
                 timeout: float = 10.0) -> None:
        self._sb = sb
        self._execute = execute
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self.delivered = 0
        self.failed_attempts = 0
        self._posting: dict[int, asyncio.Task[None]] = {}
        self._chats_posting: set[int | None] = set()
        self._retry: dict[int, tuple[float, float]] = {}
        """update_id -> (monotonic time of its next attempt, the delay after that one)."""
        self._changed = asyncio.Event()

    async def run(self) -> None:
        """Deliver forever; cancel the task to stop."""
        async with aiohttp.ClientSession(timeout=self._timeout) as session:
            try:
                while True:
                    self._sb.webhook_wakeup.clear()  # this pass looks at every pending update
                    await self._until_something(self._start_ready(session))
            finally:
                for task in self._posting.values():
                    task.cancel()

    def _start_ready(self, session: aiohttp.ClientSession) -> float | None:
        """Start posting the updates that may go now; seconds until a retry is due (None: nothing waits)."""
        hook, queue = self._sb.world.webhook, self._sb.world.updates
        if not hook.url:
            return None
        now, wait = time.monotonic(), None
        held = set(self._chats_posting)  # a chat with an update in flight or waiting for its retry holds the rest
        for update in list(queue.items):
            if len(self._posting) >= max(1, hook.max_connections):
                break
            update_id, chat = update["update_id"], chat_of(update)
            if update_id in self._posting or chat in held:
                held.add(chat)
                continue
            retry_at = self._retry.get(update_id, (0.0, 0.0))[0]
            held.add(chat)
            if retry_at > now:
                wait = retry_at - now if wait is None else min(wait, retry_at - now)
                continue
            self._chats_posting.add(chat)
            self._posting[update_id] = asyncio.get_running_loop().create_task(
                self._deliver(session, hook.url, hook.secret_token, update, chat))
        return wait

    async def _until_something(self, wait: float | None) -> None:
        """Wait for a new update, a post finishing, or a retry falling due."""
        self._changed.clear()
        waiters = [asyncio.ensure_future(self._sb.webhook_wakeup.wait()), asyncio.ensure_future(self._changed.wait())]
        try:
            await asyncio.wait(waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _deliver(self, session: aiohttp.ClientSession, url: str, secret: str | None, update: dict[str, Any],
                       chat: int | None) -> None:
        update_id = update["update_id"]
        try:
            error = await self._post(session, url, secret, update)
            queue, hook = self._sb.world.updates, self._sb.world.webhook
            if error is None:
                with contextlib.suppress(ValueError):  # deleteWebhook with drop_pending_updates may have cleared it
                    queue.items.remove(update)
                queue.handed_out = max(queue.handed_out, update_id)
                self._retry.pop(update_id, None)
                self.delivered += 1
            else:
                self.failed_attempts += 1
                hook.last_error_date, hook.last_error_message = int(time.time()), error
                delay = self._retry.get(update_id, (0.0, self._first_delay))[1]
                self._retry[update_id] = (time.monotonic() + delay, min(delay * 2, self._max_delay))
        finally:
            del self._posting[update_id]
            self._chats_posting.discard(chat)
            self._changed.set()

    async def _post(self, session: aiohttp.ClientSession, url: str, secret: str | None,
                    update: dict[str, Any]) -> str | None:
        """POST one update; return None on a 2xx answer, else Telegram's last_error_message."""
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        try:
            async with session.post(url, data=json.dumps(update, ensure_ascii=False).encode(),
                                    headers=headers) as response:
                body = await response.read()
                if not 200 <= response.status < 300:
                    return f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientError as exc:
            return f"Connection failed: {exc.__class__.__name__}"
        await self._answer_in_response(body)
        return None

    async def _answer_in_response(self, body: bytes) -> None:
        """Run a method the bot returned in the webhook response body, as Telegram does."""
        if not body.strip():
            return
        try:
            call = json.loads(body)
        except ValueError:
            return
        if isinstance(call, dict) and isinstance(call.get("method"), str):
            method = call.pop("method")
            try:
                await self._execute(method, call)
            except Exception:  # Telegram drops a failed in-response call silently; we log it
                log.warning("method %s from a webhook response failed", method, exc_info=True)
