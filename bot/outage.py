"""When the database cannot take an update: which failures pass, and telling the person their message waits.

The outbox is the one door out, but it is in the database that just failed: the notice that a
message waits is therefore sent straight through the sender, at most once per chat in ten minutes.
The update itself is not confirmed to Telegram until it has been handled (bot.polling; in webhook
mode, a 5xx answer makes Telegram deliver it again).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict

from sqlalchemy import exc

from bot.delivery import DeliveryError, Sender
from bot.i18n import Renderer
from handlers.drafts import DraftConflictError
from handlers.inputs import Incoming
from handlers.language import negotiate
from handlers.messages import N_, Reply, Text

log = logging.getLogger(__name__)

TELL_AGAIN_AFTER = 600.0
"""Seconds before a person whose messages keep waiting is told again."""
MAX_DELAY = 30.0
REMEMBERED = 100_000
"""Chats whose language the notice remembers (a few megabytes): the people who wrote most recently."""
WAITING = Reply((Text(N_("Sorry, I cannot reach my records right now. Your message is kept, and I will answer it "
                         "as soon as I can.")),))


class UnavailableError(Exception):
    """The update could not be handled for a passing reason: it must be delivered again."""


def is_transient(error: BaseException) -> bool:
    """True for failures that pass by themselves: the database away, locked, read-only, or out of connections."""
    if isinstance(error, exc.DBAPIError):
        return error.connection_invalidated or isinstance(error, (exc.OperationalError, exc.InterfaceError))
    return isinstance(error, (exc.TimeoutError, exc.DisconnectionError, OSError, TimeoutError, DraftConflictError))


def through_the_database(error: BaseException) -> bool:
    """Whether the error came from the database: SQLAlchemy's, or raised through its driver (asyncpg's refused
    connection is a bare OSError), not from another part of a job (a chart's fonts, say)."""
    if isinstance(error, exc.SQLAlchemyError):
        return True
    frame = error.__traceback__
    while frame is not None:
        if str(frame.tb_frame.f_globals.get("__name__", "")).startswith(("asyncpg", "aiosqlite", "sqlalchemy")):
            return True
        frame = frame.tb_next
    return False


def retry_delay(attempt: int) -> float:
    """Seconds to wait before the next attempt (half a second, doubling, thirty at most)."""
    return min(MAX_DELAY, 0.5 * float(2 ** min(attempt, 10)))


class Outage:
    """Tells people, once in a while, that their messages wait for the database to come back."""

    def __init__(self, renderer: Renderer, sender: Sender, default_locale: str) -> None:
        self.renderer = renderer
        self.sender = sender
        self.default_locale = default_locale
        self.told: dict[int, float] = {}
        self.languages: OrderedDict[int, str] = OrderedDict()
        """The language each chat was last answered in (at most REMEMBERED chats, the most recent)."""

    def remember(self, chat_id: int, locale: str) -> None:
        """The language a chat was just answered in: the one its person chose (/language), which the database that
        says it may be unable to tell when the notice is needed."""
        languages = self.languages
        if languages.get(chat_id) != locale:
            languages[chat_id] = locale
        languages.move_to_end(chat_id)
        if len(languages) > REMEMBERED:
            languages.popitem(last=False)

    async def tell(self, incoming: Incoming) -> None:
        """Say, in the language the person was last answered in (else their Telegram's), that their message is kept
        (not again for ten minutes)."""
        now = time.monotonic()
        self.told = {chat: at for chat, at in self.told.items() if now - at < TELL_AGAIN_AFTER}
        chat_id = incoming.person.chat_id
        if chat_id in self.told:
            return
        self.told[chat_id] = now
        locale = self.languages.get(chat_id) or negotiate(None, incoming.person.language_code, self.default_locale)
        try:
            await self.sender.send(chat_id, self.renderer.reply(WAITING, locale))
        except DeliveryError as error:  # a 429 when many write at once, say: told at the update's next try instead
            del self.told[chat_id]
            log.warning("could not say that a message waits", extra={"reason": type(error).__name__})
