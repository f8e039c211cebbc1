"""The aiogram 3 adapter: updates become `Incoming` inputs for the journeys; nothing is decided here."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from aiogram import Bot, Dispatcher, Router
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    ChatMemberUpdated,
    Message,
    MessageOriginUser,
    TelegramObject,
    Update,
    User,
)
from aiogram.utils.text_decorations import html_decoration

from bot.chatlocks import ChatLocks
from bot.delivery import DeliveryError
from bot.i18n import Renderer
from bot.logs import contact_id_var, update_id_var
from handlers.canonical import canonical, canonical_name
from handlers.commands import commands_for
from handlers.inputs import Incoming, Person
from handlers.messages import Text
from models.clock import utcnow
from models.values import LANGUAGES, Role

log = logging.getLogger(__name__)


def keep_response_types() -> list[type]:
    """Strong references to aiogram's parametrised Response models of the methods sent through aiogram
    (messages go out, and getUpdates is asked, through bot.sender instead).

    pydantic caches generic parametrisations only weakly; when the cyclic collector drops one,
    the next call of that method rebuilds the model (5 to 10 ms). Holding them avoids that.
    """
    from aiogram.methods import DeleteWebhook, GetMe, SetMyCommands, SetWebhook
    from aiogram.methods.base import Response

    methods = (DeleteWebhook, GetMe, SetMyCommands, SetWebhook)
    return [Response[m.__returning__] for m in methods]  # type: ignore[name-defined]

Handle = Callable[[Incoming], Awaitable[None]]


FORMATTING = frozenset({"bold", "italic", "underline", "strikethrough", "spoiler", "text_link", "code", "pre",
                        "blockquote", "expandable_blockquote"})
"""The formatting of a person's app that a broadcast keeps: what Telegram HTML writes with the tags the composer
accepts (handlers.forms.markup.TAGS). Others (a custom emoji, a mention of a user) are left as their plain text, as
are the links Telegram finds by itself (a URL, an @mention), which are no formatting."""


def formatted_html(message: Message) -> str | None:
    """The message's text (or caption) in Telegram HTML when the person formatted some of it in their app: bold, a
    link on a word... (Incoming.formatted); None when nothing of it was. Telegram sends that formatting beside the
    plain text, as entities."""
    body = message.text if message.text is not None else message.caption
    entities = message.entities if message.text is not None else message.caption_entities
    # a code block's language would be written as an attribute Telegram's HTML has not (aiogram: <code language=…>),
    # and a quotation mark in a link's address would end its href: the first is left out, the second %-encoded
    kept = [entity.model_copy(update={"language": None, "url": entity.url.replace('"', "%22") if entity.url else None})
            for entity in entities or () if entity.type in FORMATTING]
    if body is None or not kept:
        return None
    return canonical(html_decoration.unparse(body, kept))


def person_of(user: User, chat_id: int) -> Person:
    """The sender of an update, as the journeys know people."""
    last_name = canonical_name(user.last_name) if user.last_name else None
    return Person(user.id, chat_id, canonical_name(user.first_name), last_name or None, user.username,
                  user.language_code)


class ChatSerializer:
    """Runs one chat's updates one at a time (conversation state is ours, so aiogram's FSM is off)."""

    def __init__(self, handle: Handle, locks: ChatLocks | None = None) -> None:
        self.handle = handle
        self.locks = locks or ChatLocks()

    async def __call__(self, incoming: Incoming) -> None:
        """Handle the update once the chat's previous update is done."""
        async with self.locks.holding(incoming.person.chat_id):
            await self.handle(incoming)


class Acknowledge(Protocol):
    """Answers a callback query by id (Telegram shows a spinner on the button until then), with a toast or not."""

    def __call__(self, query_id: str, text: str | None = None, /) -> Awaitable[None]: ...


GroupNote = Callable[[Person], Awaitable[str]]
"""The line that says, in this person's language, that the bot works in a private chat (a button's toast)."""
GROUPS = ("group", "supergroup")
GROUP_NOTE_WITHIN = 2.0
"""Seconds a button pressed in a group waits for its toast's words (its person's language, from the database)
before it is answered without them: the answer must come while Telegram still takes it, the spinner stopped."""


def build_dispatcher(handle: Handle, acknowledge: Acknowledge, chats: ChatLocks | None = None, *,
                     group_note: GroupNote | None = None,
                     username: Callable[[], str | None] = lambda: None) -> Dispatcher:
    """A dispatcher whose handlers only translate updates; one chat's updates run one at a time (in `chats`, which
    the hand-over of a held text shares: bot.joining).

    In a group, only what is addressed to the bot (a command, a mention of `username`, a reply to it, the bot added)
    goes on, as an input of the group's chat; a button pressed there is answered with `group_note` as its toast.
    """
    dispatcher = Dispatcher(disable_fsm=True)
    router = Router(name="p2c")
    handle = ChatSerializer(handle, chats)

    @router.message()
    async def on_message(message: Message, bot: Bot) -> None:
        """Text, commands and files from a person in a private chat; in a group, only what is addressed to the bot
        (channels are ignored)."""
        # checked here rather than with a magic filter (F.chat.type == ...), which costs ~0.15 ms a message
        if message.from_user is None or message.from_user.is_bot:
            return
        update_id = _current_update_id()
        if message.chat.type in GROUPS:
            if message.forward_origin is None and _addressed(message, bot.id, username()):
                origin = f"g:{message.chat.id}:{message.message_id}:{int(message.date.timestamp())}"
                await handle(Incoming(update_id, person_of(message.from_user, message.chat.id), utcnow(),
                                      chat_type="group", origin=origin))
            return
        if message.chat.type != "private":
            return
        person = person_of(message.from_user, message.chat.id)
        document = message.document.file_id if message.document else None
        photo = message.photo[-1].file_id if message.photo else None
        text = canonical(message.text or message.caption or "")
        origin = f"m:{message.chat.id}:{message.message_id}:{int(message.date.timestamp())}"
        incoming = Incoming.from_text(update_id, person, text, utcnow(), origin)
        if formatted := formatted_html(message):
            incoming = replace(incoming, formatted=formatted)
        unreadable = _unreadable(message)
        replied = message.reply_to_message.message_id if message.reply_to_message is not None else None
        if replied is not None and unreadable is None and not (document or photo):
            incoming = replace(incoming, reply_to=replied)
        if unreadable is not None:  # its caption kept (to say it was not read), a video's file (evidence takes it),
            video = message.video  # and a shared location (the time-zone question takes it; a venue has one)
            shared = message.location if unreadable in ("location", "venue") else None
            incoming = Incoming(update_id, person, incoming.received_at, text=text or None, unreadable=unreadable,
                                origin=origin, album=message.media_group_id,
                                file_id=video.file_id if video else None, file_kind="video" if video else None,
                                file_name=video.file_name if video else None,
                                location=(shared.latitude, shared.longitude) if shared is not None else None)
        elif document or photo:
            incoming = Incoming(update_id, person, incoming.received_at, text=text or None, file_id=document or photo,
                                file_kind="document" if document else "photo", origin=origin,
                                file_name=message.document.file_name if message.document else None,
                                reply_to=replied, album=message.media_group_id)
        forward = message.forward_origin
        if forward is not None:
            own = isinstance(forward, MessageOriginUser) and forward.sender_user.id == bot.id
            incoming = replace(incoming, forwarded="bot" if own else "other")  # journeys tell a forward apart
        await handle(incoming)

    @router.my_chat_member()
    async def on_membership(event: ChatMemberUpdated) -> None:
        """The bot blocked ("kicked") or unblocked ("member") in a private chat, or added to a group."""
        status, before = _status(event.new_chat_member.status), _status(event.old_chat_member.status)
        origin = f"k:{event.chat.id}:{int(event.date.timestamp())}:{status}"
        person = person_of(event.from_user, event.chat.id)
        if event.chat.type == "private" and status in ("member", "kicked") and not event.from_user.is_bot:
            await handle(Incoming(_current_update_id(), person, utcnow(), membership=status, origin=origin))
        elif event.chat.type in GROUPS and status in ("member", "administrator") and before in ("left", "kicked"):
            await handle(Incoming(_current_update_id(), person, utcnow(), membership="member", chat_type="group",
                                  origin=origin))

    @router.edited_message()
    async def on_edit(message: Message) -> None:
        """An edited message: journeys do not read edits, so the person is told how to change an answer."""
        # a live location is a message edited every few seconds: no answer to each
        if message.chat.type != "private" or message.from_user is None or message.location is not None:
            return
        person = person_of(message.from_user, message.chat.id)
        edited = message.edit_date.timestamp() if isinstance(message.edit_date, datetime) else message.edit_date
        origin = f"e:{message.chat.id}:{message.message_id}:{int(edited or 0)}"
        await handle(Incoming(_current_update_id(), person, utcnow(), unreadable="edit", origin=origin))

    @router.callback_query()
    async def on_button(query: CallbackQuery) -> None:
        """A pressed inline button: acknowledged at once, its data handed over as an untrusted code. One under a
        message in a group (a forwarded question) is only acknowledged: the journeys answer in the person's private
        chat, and taking the group's id as theirs would send what follows there: its toast says the bot works in a
        private chat."""
        if query.message is not None and query.message.chat.type != "private":
            note = None
            if group_note is not None:
                try:
                    note = (await asyncio.wait_for(group_note(person_of(query.from_user, query.from_user.id)),
                                                   GROUP_NOTE_WITHIN))[:200]
                except TimeoutError:  # the database busy: answered at once without words
                    log.warning("no toast in time for a button pressed in a group")
                except Exception:  # the database away: the spinner still stops
                    log.exception("no toast for a button pressed in a group")
            with contextlib.suppress(DeliveryError):
                await (acknowledge(query.id, note) if note else acknowledge(query.id))
            return
        acknowledged = asyncio.ensure_future(acknowledge(query.id))
        chat_id = query.message.chat.id if query.message else query.from_user.id
        person = person_of(query.from_user, chat_id)
        pressed = query.message  # an inaccessible (old) message has the date 0
        sent_at = int(pressed.date.timestamp()) if pressed and isinstance(pressed.date, datetime) else 0
        origin = f"c:{query.id}:{pressed.message_id if pressed else 0}:{sent_at}"
        try:
            await handle(Incoming(_current_update_id(), person, utcnow(), code=(query.data or "")[:64], origin=origin,
                                  message_id=pressed.message_id if pressed else None))
        finally:  # also when handling failed (the database away): its outcome read, never "never retrieved"
            with contextlib.suppress(DeliveryError):  # the spinner stops by itself after a while
                await acknowledged

    dispatcher.include_router(router)

    async def remember_update(handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                              event: TelegramObject, data: dict[str, Any]) -> Any:
        """Make the update id available to handlers and logs."""
        token = update_id_var.set(event.update_id if isinstance(event, Update) else None)
        try:
            return await handler(event, data)
        finally:
            update_id_var.reset(token)
            contact_id_var.set(None)

    dispatcher.update.outer_middleware(remember_update)
    return dispatcher


# Message fields of content that journeys do not read (a GIF also comes as a document, and is read as one)
UNREADABLE = ("sticker", "voice", "video_note", "audio", "video", "animation", "venue", "location", "contact",
              "poll", "dice", "game", "story", "paid_media", "checklist")


def _unreadable(message: Message) -> str | None:
    if message.text is not None or message.document is not None or message.photo:
        return None
    return next((kind for kind in UNREADABLE if getattr(message, kind, None) is not None), None)


def _status(status: object) -> str:
    return str(getattr(status, "value", status))


def _addressed(message: Message, bot_id: int, username: str | None) -> bool:
    """True for a group message meant for the bot: a command (to no bot in particular, or to this one), a mention
    of it, or a reply to one of its messages. Ordinary talk in the group is not."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return True
    said = message.text or message.caption or ""
    if said.startswith("/") and len(said) > 1:
        target = said[1:].split(maxsplit=1)[0].partition("@")[2] if said[1:].strip() else ""
        if not target or (username is not None and target.lower() == username.lower()):
            return True
    if username and re.search(rf"@{re.escape(username)}(?![A-Za-z0-9_])", said, re.IGNORECASE):
        return True
    entities = message.entities or message.caption_entities or []
    return any(entity.type == "text_mention" and entity.user is not None and entity.user.id == bot_id
               for entity in entities)


def _current_update_id() -> int:
    value = update_id_var.get()
    if value is None:
        raise RuntimeError("update id missing: the outer middleware did not run")
    return value


def _menu(renderer: Renderer, role: Role | None, language: str) -> list[BotCommand]:
    return [BotCommand(command=c.name, description=renderer.label(Text(c.description), language, markup=False)[:256])
            for c in commands_for(role)]


async def register_commands(bot: Bot, renderer: Renderer, default_locale: str = "en") -> None:
    """Command menus per language (default scope), and one without a language for everyone whose Telegram speaks none
    of the six (in the default locale). Chats' own menus are set by register_chat_menu."""
    for language in LANGUAGES:
        await bot.set_my_commands(_menu(renderer, None, language), scope=BotCommandScopeDefault(),
                                  language_code=language)
    fallback = default_locale if default_locale in LANGUAGES else "en"
    await bot.set_my_commands(_menu(renderer, None, fallback), scope=BotCommandScopeDefault())


async def server_keeps_menus(bot: Bot) -> bool:
    """True when the Bot API server has the menus of an earlier start (the default one without a language, which
    every start sets): chats' own menus set then are still there. False for a server that knows none (a sandbox or
    a local server started afresh, another bot's token), or that cannot say."""
    try:
        return bool(await bot.get_my_commands(scope=BotCommandScopeDefault()))
    except (TelegramBadRequest, TelegramRetryAfter, TelegramServerError, TelegramNetworkError) as error:
        log.warning("could not read the default command menu", extra={"reason": str(error)[:100]})
        return False


DEFAULT_MENUS = "default"
"""ChatMenus.key of a chat served by the per-language default menus (its own menu deleted)."""


class ChatMenus:
    """Which menu each chat has: a person's update sets theirs when it is not the one the chat has, so that focal
    points and coordinators see their own commands, and a chat left with a menu of its own that no longer fits (a role
    revoked, the person forgotten) goes back to the default menus.

    What a chat has is known, in this order, from a menu being set here (`want`), from the person's contact
    (`Contact.menu`, written once the server took a menu), which a restart and the other instances share, and from
    what this process set (a chat without a contact: a forgotten person's). Telegram keeps a chat's menu, so a start
    does not set every person's again; a Bot API server that kept none (a sandbox started afresh) has the contacts'
    record cleared at start (bot.app.prepare). Menus are set in the background, after the replies of the moment: the
    update that needs one is done without waiting for it, so that long polling fetches the next updates sooner."""

    LIMIT = 200_000
    """Chats remembered at most (then forgotten all at once: the cost is one call per person seen again, or none
    for those whose contact says it)."""
    AFTER_REPLIES = 0.05
    """Seconds menus wanted wait before they are set, for the replies being sent to go first."""

    def __init__(self) -> None:
        self._given: dict[int, str] = {}
        """The menu this process set in each chat (the server took it)."""
        self._keys: dict[tuple[Role | None, str, bool], str] = {}
        self._wanted: dict[int, tuple[str, Callable[[], Awaitable[bool]]]] = {}
        """Per chat, the menu it should have and what sets it (True once the server took it), in the order wanted."""
        self._setting: tuple[int, str] | None = None
        """The chat and menu being set now."""
        self._unrecorded: set[int] = set()
        """Chats whose contact's record was not written after their menu was set: it is not to be believed."""
        self._setter: asyncio.Task[None] | None = None

    def key(self, renderer: Renderer, role: Role | None, language: str, *, chose_language: bool) -> str:
        """What says which menu a chat should have: DEFAULT_MENUS without a role or a language chosen, else its role,
        language and a digest of its commands as sent (a new release that changes them sets them again)."""
        if role is None and not chose_language:
            return DEFAULT_MENUS
        known = self._keys.get((role, language, chose_language))
        if known is None:
            commands = "\n".join(f"{c.command} {c.description}" for c in _menu(renderer, role, language))
            digest = hashlib.sha256(commands.encode()).hexdigest()[:12]
            known = self._keys[(role, language, chose_language)] = f"{role.value if role else '-'}.{language}.{digest}"
        return known

    def needs(self, chat_id: int, key: str, stored: str | None = None) -> bool:
        """True when this chat should be given the menu `key`, judged by the menu being set in it here, else by its
        contact's record (`stored`, as read by the update), else by what this process set there."""
        wanted = self._wanted.get(chat_id)
        if wanted is not None:
            return wanted[0] != key
        if self._setting is not None and self._setting[0] == chat_id:
            return self._setting[1] != key
        if stored is not None and chat_id not in self._unrecorded:
            return stored != key
        return self._given.get(chat_id) != key

    def given(self, chat_id: int, key: str) -> None:
        """Remember the menu set in a chat."""
        if len(self._given) >= self.LIMIT:
            self._given.clear()
        self._given[chat_id] = key

    def recorded(self, chat_id: int, written: bool) -> None:
        """Say whether the contact's record of the chat's menu was written after it was set."""
        if written:
            self._unrecorded.discard(chat_id)
        elif len(self._unrecorded) < self.LIMIT:
            self._unrecorded.add(chat_id)

    def want(self, chat_id: int, key: str, setting: Callable[[], Awaitable[bool]]) -> None:
        """Have `setting` give the chat the menu `key`, after the replies of the moment (AFTER_REPLIES): a menu is
        not what the person waits for. One chat's are set in the order wanted, a later one replacing one not begun;
        one at a time, so that a start's first updates, each setting a menu, send their replies first. A menu the
        server did not take is not remembered as given: the person's next update tries again."""
        self._wanted.pop(chat_id, None)
        self._wanted[chat_id] = (key, setting)
        if self._setter is None or self._setter.done():
            self._setter = asyncio.get_running_loop().create_task(self._set_wanted(), name="chat-menus")

    async def _set_wanted(self) -> None:
        await asyncio.sleep(self.AFTER_REPLIES)
        while self._wanted:
            chat_id = next(iter(self._wanted))
            key, setting = self._wanted.pop(chat_id)
            self._setting = (chat_id, key)
            try:
                if await setting():
                    self.given(chat_id, key)
            except Exception:  # the next ones are set all the same
                log.exception("a command menu could not be set")
            finally:
                self._setting = None

    async def settled(self, timeout: float | None = None) -> None:
        """Wait until the menus wanted are set (`timeout` seconds at most; then those left are given up, to be set
        after the next start)."""
        setter = self._setter
        if setter is None:
            return
        _, running = await asyncio.wait({setter}, timeout=timeout)
        if running:
            setter.cancel()
            self._wanted.clear()
            self._setter = None


async def register_chat_menu(bot: Bot, renderer: Renderer, chat_id: int, language: str, role: Role | None, *,
                             chose_language: bool = True, contact_id: int | None = None) -> bool:
    """The command menu of one person's chat, for their role and language; without a role or a language chosen, the
    chat's own menu is deleted, so that the per-language default menus serve it (a stranger's commands). True when
    the server took it.

    Sent through aiogram, not the outbox: a menu is a setting of the chat, not a message to a person.
    It is idempotent (the latest call wins), needs no pacing per chat, and a lost call costs only a
    stale menu, which the person's next update sets again (a failed call is neither remembered nor recorded in
    their contact).
    """
    try:
        if role is None and not chose_language:
            await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=chat_id))
        else:
            await bot.set_my_commands(_menu(renderer, role, language), scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramBadRequest as error:  # a person who never opened the chat has no menu yet
        # whose: the contact's internal id (an operator could not tell which staff member never opened the chat)
        log.warning("no command menu for a chat", extra={"reason": error.message[:100], "contact_id": contact_id})
        return False
    except (TelegramRetryAfter, TelegramServerError, TelegramNetworkError) as error:
        log.warning("command menu not updated", extra={"reason": str(error)[:100], "contact_id": contact_id})
        return False
    return True
