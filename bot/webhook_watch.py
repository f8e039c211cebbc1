"""Webhook mode: making sure Telegram still posts the updates here.

Telegram keeps one way of giving a bot its updates: a webhook, or getUpdates. A process polling with the same token
(`p2c-bot run` deletes a webhook left at its start, so that it can poll) takes them away from every webhook
instance, and nothing says so on their side: they receive nothing, log nothing, and were ready by /readyz (an
operator, who had started a polling process by mistake). So each webhook instance asks Telegram every
WATCH_SECONDS which webhook is set; when it is not this deployment's, it logs an error and sets it again (the
webhook instances are the deployment: the polling process, refused with 409 Conflict from then on, says so in its
own log and /readyz). /readyz's "updates" check says what was found until the webhook is set again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

WATCH_SECONDS = 60.0
"""How often Telegram is asked which webhook is set (getWebhookInfo; a missed minute of updates waits at Telegram,
which keeps them for 24 hours)."""


def same_url(one: str, other: str) -> bool:
    """Whether two webhook URLs are the same: the scheme and host in any case, the default port said or not."""
    def key(url: str) -> tuple[str, str, int | None, str, str]:
        parts = urlsplit(url.strip())
        default = {"https": 443, "http": 80}.get(parts.scheme.lower())
        try:
            port = parts.port
        except ValueError:
            port = None
        return parts.scheme.lower(), (parts.hostname or "").rstrip("."), None if port == default else port, \
            parts.path or "/", parts.query
    return bool(one) and bool(other) and key(one) == key(other)


@dataclass
class WebhookWatch:
    """Asks which webhook Telegram has (`current`: its URL, "" for none) and sets this deployment's (`set_again`)
    when it is not that one."""

    url: str
    current: Callable[[], Awaitable[str]]
    set_again: Callable[[], Awaitable[object]]
    found: str = "ok"
    """"ok", or what was found instead of this deployment's webhook (/readyz's "updates" check)."""

    def state(self) -> str:
        """"ok", or why Telegram may not post the updates here."""
        return self.found

    async def check(self) -> None:
        """Ask once; set the webhook again when it is not ours. Never raises: Telegram away is the bot_api check's."""
        try:
            url = await self.current()
        except Exception as error:  # unreachable: /readyz's bot_api check says it
            log.debug("could not ask which webhook is set", extra={"reason": type(error).__name__})
            return
        if same_url(url, self.url):
            self.found = "ok"
            return
        seen = "no webhook" if not url else "another URL's webhook"  # never the URL itself: it may be another bot's
        log.error("Telegram had %s set instead of this deployment's, so no update reached it (a process polling with "
                  "the same token deletes the webhook): setting it again", seen)
        self.found = f"{seen} set at Telegram: setting it again"
        try:
            await self.set_again()
        except Exception as error:  # said by /readyz until the next check sets it
            self.found = f"{seen} set at Telegram; setting it again failed ({type(error).__name__})"
            return
        self.found = "ok"

    async def run(self, stop: asyncio.Event, every: float = WATCH_SECONDS) -> None:
        """Check every `every` seconds until `stop`."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
                return
            await self.check()
