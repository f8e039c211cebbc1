"""The one door out: outbox rows rendered in the recipient's language and sent to Telegram.

This first worker sends interactive replies at once (it is woken after each update commits) and
everything else in priority order. Telegram failures are told apart: a blocked person is marked
and not retried; "retry after" waits as long as Telegram asks; other failures back off a few times.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlmodel import col, select

from bot.i18n import Rendered, Renderer
from bot.pacing import Pacer
from handlers.language import negotiate
from handlers.messages import reply_from_json
from models.clock import utcnow
from models.database import Database
from models.tables import Contact, Outbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BATCH = 50


class DeliveryError(Exception):
    """A message could not be sent."""


class RecipientGoneError(DeliveryError):
    """The person blocked the bot or the chat does not exist: do not retry."""


class RetryLaterError(DeliveryError):
    """Telegram asked to wait `seconds` before trying again."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class RejectedError(DeliveryError):
    """Telegram refused the request itself (a bad request): retrying would not help."""


class Sender(Protocol):
    """What delivery needs from a Bot API client."""

    async def send(self, chat_id: int, message: Rendered) -> int:
        """Send a message and return Telegram's message id."""
        ...


@dataclass
class DeliveryStats:
    """Counts since start, for logs and tests."""

    sent: int = 0
    failed: int = 0
    unreachable: int = 0


class DeliveryWorker:
    """Sends due outbox rows, highest priority first; `wake()` makes it look at once."""

    def __init__(self, database: Database, renderer: Renderer, sender: Sender, default_locale: str = "en",
                 pacer: Pacer | None = None) -> None:
        self.database = database
        self.pacer = pacer or Pacer()
        self.renderer = renderer
        self.sender = sender
        self.default_locale = default_locale
        self.stats = DeliveryStats()
        self._wakeup = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Something was enqueued: look at the outbox now."""
        self._wakeup.set()

    def stop(self) -> None:
        """Finish the current row and leave the loop."""
        self._stopping = True
        self._wakeup.set()

    async def run(self, idle_poll: float = 1.0) -> None:
        """Loop until stopped, sending what is due."""
        while not self._stopping:
            sent, wait = await self.send_due()
            if sent == 0 and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), timeout=min(idle_poll, wait))
                self._wakeup.clear()

    async def send_due(self) -> tuple[int, float]:
        """Send one batch of due rows: how many were handled, and how long until a paced row may go."""
        async with self.database.uow() as uow:
            result = await uow.session.execute(
                select(Outbox, Contact)
                .join(Contact, col(Contact.id) == col(Outbox.contact_id), isouter=True)
                .where(col(Outbox.status) == "pending", col(Outbox.not_before) <= utcnow())
                .order_by(col(Outbox.priority).desc(), col(Outbox.id))
                .limit(BATCH)
            )
            handled, wait = 0, float("inf")
            for row, contact in result.all():
                if self._stopping:
                    break
                delay = self.pacer.delay(row.chat_id)
                if delay > 0:
                    wait = min(wait, delay)
                    continue
                self.pacer.book(row.chat_id)
                await self._deliver(row, contact)
                await uow.commit()
                handled += 1
            return handled, wait

    async def _deliver(self, row: Outbox, contact: Contact | None) -> None:
        locale = negotiate(contact.language, contact.telegram_language, self.default_locale) if contact else "en"
        row.attempts += 1
        try:
            rendered = self.renderer.reply(reply_from_json(row.payload["reply"]), locale)
            row.telegram_message_id = await self.sender.send(row.chat_id, rendered)
        except RecipientGoneError as error:
            row.status, row.last_error = "unreachable", str(error)[:500]
            if contact is not None:
                contact.blocked = True
            self.stats.unreachable += 1
            log.info("recipient unreachable", extra={"outbox_id": row.id, "contact": row.contact_id})
        except RetryLaterError as error:
            self.pacer.retry_after(row.chat_id, error.seconds)
            row.attempts -= 1
            row.not_before = utcnow() + timedelta(seconds=error.seconds)
        except RejectedError as error:
            row.status, row.last_error = "failed", str(error)[:500]
            self.stats.failed += 1
            log.error("message rejected by Telegram", extra={"outbox_id": row.id, "reason": str(error)[:200]})
        except (DeliveryError, OSError, TimeoutError) as error:
            if row.attempts >= MAX_ATTEMPTS:
                row.status, row.last_error = "failed", str(error)[:500]
                self.stats.failed += 1
                log.error("message failed", extra={"outbox_id": row.id, "attempts": row.attempts})
            else:
                row.not_before = utcnow() + timedelta(seconds=2 ** row.attempts)
        else:
            row.status, row.sent_at = "sent", utcnow()
            self.stats.sent += 1
