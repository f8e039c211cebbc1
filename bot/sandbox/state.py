"""In-memory world of the sandbox: people, chats, messages, files, callback queries and updates."""

from __future__ import annotations

import asyncio
import secrets
import time
from bisect import bisect_right
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.clock import now

# update kinds Telegram delivers when allowed_updates is empty
DEFAULT_ALLOWED = frozenset(
    {"message", "edited_message", "callback_query", "my_chat_member", "inline_query", "chosen_inline_result",
     "channel_post", "edited_channel_post", "shipping_query", "pre_checkout_query", "poll", "poll_answer",
     "chat_join_request", "business_message", "edited_business_message", "business_connection",
     "deleted_business_messages", "purchased_paid_media", "chat_boost", "removed_chat_boost"}
)


@dataclass(slots=True)
class Person:
    """A simulated Telegram user with a private chat whose id is the user id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    blocked: bool = False
    about: str | None = None
    """A note for the page's list ("BDT staff: validates"), never part of the User object the bot sees."""
    user: dict[str, Any] = field(default_factory=dict)  # the Telegram User object
    chat: dict[str, Any] = field(default_factory=dict)  # the Telegram Chat object

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the User and Chat objects after a change of name or language."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        for name in ("last_name", "username"):
            value = getattr(self, name)
            if value:
                user[name] = chat[name] = value
        if self.language_code:
            user["language_code"] = self.language_code
        self.user, self.chat = user, chat

    def public(self) -> dict[str, Any]:
        """Return the person as the client API shows them."""
        return {**self.user, "blocked": self.blocked, **({"about": self.about} if self.about else {})}


@dataclass(slots=True)
class Entry:
    """One message of a chat as stored: the Telegram Message object plus what the page needs."""

    message: dict[str, Any]
    from_bot: bool
    seq: int
    parse_mode: str | None = None
    markup: dict[str, Any] | None = None  # as sent, reply keyboards included (the Message keeps inline ones)
    edited: bool = False
    deleted: bool = False


@dataclass(slots=True)
class ChatLog:
    """The messages of one chat, by id, and the order in which they changed."""

    person: Person
    next_message_id: int = 1
    messages: dict[int, Entry] = field(default_factory=dict)
    changes: list[tuple[int, int]] = field(default_factory=list)  # (seq, message_id), seq ascending
    waiters: list[asyncio.Future[None]] = field(default_factory=list)  # chat readers waiting for a change

    def changed(self) -> None:
        """Wake every reader waiting for a change of this chat."""
        for waiter in self.waiters:
            if not waiter.done():
                waiter.set_result(None)
        self.waiters.clear()

    def since(self, seq: int) -> list[Entry]:
        """Return the entries that changed after `seq`, each once, in the order of their last change."""
        start = bisect_right(self.changes, (seq, 1 << 62))
        seen: set[int] = set()
        out: list[Entry] = []
        for _, message_id in reversed(self.changes[start:]):
            if message_id not in seen:
                seen.add(message_id)
                out.append(self.messages[message_id])
        out.reverse()
        return out


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(slots=True)
class StoredFile:
    """A file uploaded by the bot or by a person."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None


@dataclass(slots=True)
class CallbackRecord:
    """A button press and the bot's answer to it."""

    id: str
    user_id: int
    message_id: int
    data: str
    answer: dict[str, Any] | None = None


@dataclass(slots=True)
class Webhook:
    """The bot's webhook settings and delivery state, as getWebhookInfo reports them."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


class UpdateQueue:
    """Pending updates with Telegram's offset semantics; waiters are woken when one arrives."""

    def __init__(self) -> None:
        self.items: deque[dict[str, Any]] = deque()
        self.next_id = 1
        self.handed_out = 0  # highest update_id returned by getUpdates or delivered by the webhook
        self.allowed: frozenset[str] = DEFAULT_ALLOWED
        self._waiters: list[asyncio.Future[None]] = []

    def push(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update of `kind` unless allowed_updates excludes it; return its id."""
        if kind not in self.allowed:
            return None
        update_id = self.next_id
        self.next_id += 1
        self.items.append({"update_id": update_id, kind: payload})
        self.wake()
        return update_id

    def wake(self) -> None:
        """Resolve every waiting long poll."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    def confirm(self, offset: int) -> None:
        """Forget every update whose id is below `offset` (negative: keep only the last -offset)."""
        items = self.items
        if offset < 0:
            while len(items) > -offset:
                items.popleft()
            return
        while items and items[0]["update_id"] < offset:
            items.popleft()

    def take(self, limit: int) -> list[dict[str, Any]]:
        """Return up to `limit` of the oldest pending updates and mark them handed out."""
        if not self.items:
            return []
        taken = [self.items[i] for i in range(min(limit, len(self.items)))]
        self.handed_out = max(self.handed_out, taken[-1]["update_id"])
        return taken

    def pending(self) -> int:
        """Return how many queued updates were never handed out (ids in the queue are consecutive)."""
        if not self.items:
            return 0
        first: int = self.items[0]["update_id"]
        last: int = self.items[-1]["update_id"]
        return last - max(self.handed_out, first - 1)

    def waiter(self) -> asyncio.Future[None]:
        """Return a future resolved when the next update is pushed."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        return future

    def clear(self) -> None:
        """Drop every pending update; ids keep growing so a bot's offset stays valid."""
        self.items.clear()
        self.handed_out = self.next_id - 1


@dataclass(slots=True)
class Stats:
    """Counters shown by /sandbox/stats."""

    calls: Counter[str] = field(default_factory=Counter)
    errors: Counter[int] = field(default_factory=Counter)
    rate_limited: int = 0


class World:
    """Everything the sandbox remembers; one instance per server."""

    def __init__(self) -> None:
        self.people: dict[int, Person] = {}
        self.chats: dict[int, ChatLog] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.updates = UpdateQueue()
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.webhook = Webhook()
        self.stats = Stats()
        self.seq = 0
        self.instance = secrets.token_hex(8)
        """Changes when the chats start again (a new server, a reset): a page that knew others then reloads its chat
        (the sequence and message ids start again too)."""
        self.last_activity = time.monotonic()
        self.busy = 0  # Bot API requests being handled, long polls excluded

    def reset(self) -> None:
        """Forget people, chats, files, button presses, pending updates and counters."""
        self.people.clear()
        self.chats.clear()
        self.files.clear()
        self.files_by_path.clear()
        self.callbacks.clear()
        self.updates.clear()
        self.stats = Stats()
        self.instance = secrets.token_hex(8)

    def add_person(self, person: Person) -> Person:
        """Create or update a person and their private chat."""
        known = self.people.get(person.id)
        if known is None:
            self.people[person.id] = person
            self.chats[person.id] = ChatLog(person)
            return person
        known.first_name, known.last_name = person.first_name, person.last_name
        known.username, known.language_code = person.username, person.language_code
        known.about = person.about or known.about
        known.refresh()
        return known

    def continue_after(self, chat_id: int, message_id: int) -> None:
        """Give a chat's next messages ids above `message_id`: what a restarted server learns from the bot's records,
        as Telegram never gives a message id twice in a chat (the bot finds a pressed button's message by it)."""
        log = self.chats.get(chat_id)
        if log is not None:
            log.next_message_id = max(log.next_message_id, message_id + 1)

    def record(
        self, log: ChatLog, message: dict[str, Any], *, from_bot: bool,
        parse_mode: str | None = None, markup: dict[str, Any] | None = None,
    ) -> Entry:
        """Store a new message in a chat and return its entry."""
        self.seq += 1
        entry = Entry(message, from_bot, self.seq, parse_mode, markup)
        log.messages[message["message_id"]] = entry
        log.changes.append((self.seq, message["message_id"]))
        if log.waiters:
            log.changed()
        return entry

    def new_message(self, log: ChatLog, sender: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        """Return a Telegram Message object for the chat with the next message id."""
        message_id = log.next_message_id
        log.next_message_id += 1
        return {"message_id": message_id, "from": sender, "chat": log.person.chat, "date": now(),
                **fields}

    def touch(self, log: ChatLog, entry: Entry) -> None:
        """Mark an entry changed (edited or deleted) so pollers of the chat see it again."""
        self.seq += 1
        entry.seq = self.seq
        log.changes.append((self.seq, entry.message["message_id"]))
        if log.waiters:
            log.changed()

    def store_file(self, data: bytes, kind: str, file_name: str | None, mime_type: str | None) -> StoredFile:
        """Keep a file's bytes under a fresh file_id and file_path."""
        unique = secrets.token_urlsafe(9)
        extension = "".join(c for c in (file_name or "").rpartition(".")[2] if c.isascii() and c.isalnum())
        suffix = f".{extension[:8]}" if extension and "." in (file_name or "") else ""
        stored = StoredFile(
            file_id=f"{kind[:2].upper()}AC{secrets.token_urlsafe(24)}",
            file_unique_id=f"AgAD{unique}",
            file_path=f"{kind}s/file_{len(self.files)}_{unique}{suffix}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored
