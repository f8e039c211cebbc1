"""What reaches a journey from outside, free of any bot framework."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from handlers.canonical import canonical


@dataclass(frozen=True, slots=True)
class Person:
    """The Telegram user behind an update, as Telegram describes them."""

    telegram_id: int
    chat_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class Incoming:
    """One update: typed text, a command with its argument, or a pressed button's code."""

    update_id: int
    person: Person
    received_at: datetime
    text: str | None = None
    command: str | None = None
    argument: str = ""
    code: str | None = None
    file_id: str | None = None
    file_kind: str | None = None
    """"photo" or "document" when the person sent a file; "video" for a video, which is also `unreadable` (only a
    question that takes videos reads it: a report's evidence)."""
    file_name: str | None = None
    """A document's file name as the person's app gave it."""
    reply_to: int | None = None
    """The Telegram id of the message (in this chat) the person replied to, if they replied to one."""
    album: str | None = None
    """Telegram's media_group_id when the file came in an album: several files sent at once reach the bot as one
    message each, sharing it."""
    unreadable: str | None = None
    """What the person sent that journeys do not read: "edit" (an edited message), "sticker", "voice",
    "location", "contact", ... (the name of the Message field); `text` is then its caption, if it had one."""
    location: tuple[float, float] | None = None
    """(latitude, longitude) of a location the person shared (`unreadable` is "location", or "venue": a place picked
    on the map), which a question that reads one takes (the time zone's)."""
    forwarded: str | None = None
    """Set when the message was forwarded: "bot" when it is one of the bot's own messages sent back (never an
    answer), "other" when it is somebody else's."""
    membership: str | None = None
    """The bot's new standing in the chat (Telegram's my_chat_member): "kicked" when the person blocked the bot,
    "member" when they unblocked it, or when the bot was added to a group."""
    chat_type: str = "private"
    """"private", or "group" (a group or supergroup: the person wrote there, not to the bot)."""
    message_id: int | None = None
    """The message whose button was pressed (Telegram's id), which an answer may edit in place."""
    formatted: str | None = None
    """The text in Telegram HTML when the person formatted it in their app (bold, italic, a link on a word...), which
    reaches the bot beside the plain text; read only by a question that takes formatting (Step.takes_formatting: a
    broadcast's text). None when nothing was formatted."""
    origin: str = ""
    """What the update carries, as Telegram identifies it: the chat, message id and date of a message, or
    the id of a button press. Telegram redelivers an update unchanged, but update ids alone are not
    unique over time: they restart when a Bot API server is reset and are drawn at random after a
    week without updates."""

    @property
    def key(self) -> int:
        """The update's identity for idempotency (63 bits): its id together with its origin."""
        digest = hashlib.blake2b(f"{self.update_id}|{self.origin}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") >> 1

    @classmethod
    def from_text(cls, update_id: int, person: Person, value: str, received_at: datetime,
                  origin: str = "") -> Incoming:
        """Split "/start TOKEN" or "/help@bot" into command and argument; anything else is text (canonical)."""
        value = canonical(value)
        stripped = value.strip()
        if stripped.startswith("/") and len(stripped) > 1:
            head, _, rest = stripped[1:].partition(" ")
            name = head.split("@", 1)[0].lower()
            if name.isascii() and name.replace("_", "").isalnum():
                return cls(update_id, person, received_at, text=value, command=name, argument=rest.strip(),
                           origin=origin)
        return cls(update_id, person, received_at, text=value, origin=origin)
