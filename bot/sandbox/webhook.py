"""Webhook delivery: POST each update to the bot's URL with the secret header, retrying with backoff."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot.sandbox.runtime import Sandbox

log = logging.getLogger(__name__)
Execute = Callable[[str, dict[str, Any]], Awaitable[Any]]


class WebhookSender:
    """Delivers pending updates, one at a time and in order, while a webhook is set."""

    def __init__(self, sb: Sandbox, execute: Execute, *, first_delay: float = 0.05, max_delay: float = 2.0,
                 timeout: float = 10.0) -> None:
        self._sb = sb
        self._execute = execute
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self.delivered = 0
        self.failed_attempts = 0

    async def run(self) -> None:
        """Deliver forever; cancel the task to stop."""
        delay = self._first_delay
        async with aiohttp.ClientSession(timeout=self._timeout) as session:
            while True:
                world = self._sb.world
                hook, queue = world.webhook, world.updates
                if not hook.url or not queue.items:
                    self._sb.webhook_wakeup.clear()
                    await self._sb.webhook_wakeup.wait()
                    continue
                update = queue.items[0]
                error = await self._post(session, hook.url, hook.secret_token, update)
                if error is None:
                    if queue.items and queue.items[0] is update:
                        queue.items.popleft()
                    queue.handed_out = max(queue.handed_out, update["update_id"])
                    self.delivered += 1
                    delay = self._first_delay
                    continue
                self.failed_attempts += 1
                hook.last_error_date, hook.last_error_message = int(time.time()), error
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_delay)

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
