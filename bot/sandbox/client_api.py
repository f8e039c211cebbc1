"""The /sandbox/ client API: people write, press buttons and block the bot; tests wait and inspect."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.sandbox import client_messages
from bot.sandbox.bot_api import SANDBOX, answer
from bot.sandbox.clock import TEST_CLOCK_ENV, clock_file, clock_offset, now
from bot.sandbox.errors import ClientError
from bot.sandbox.runtime import MAX_FILE_BYTES, Faults, Sandbox
from bot.sandbox.state import CallbackRecord, ChatLog, Entry, Person
from bot.sandbox.validation import lone_surrogate_in, tappable_entities

View = Callable[[web.Request], Awaitable[web.Response]]
Endpoint = Callable[[Sandbox, web.Request], Awaitable[dict[str, Any]]]
_LIMIT_FIELDS = ("global_per_second", "paid_broadcast_per_second", "per_chat_per_second", "per_chat_burst",
                 "per_group_per_minute")


def _endpoint(handler: Endpoint) -> View:
    """Turn a handler returning a dict into a view answering `{"ok": true, ...}` or a clear error."""

    @wraps(handler)
    async def view(request: web.Request) -> web.Response:
        try:
            return answer({"ok": True, **await handler(request.app[SANDBOX], request)})
        except ClientError as error:
            return answer({"ok": False, "error": error.message}, error.status)
        except web.HTTPRequestEntityTooLarge:
            limit = request.app[SANDBOX].max_upload_bytes
            return answer({"ok": False, "error": f"request body is larger than {limit} bytes"}, 413)

    return view


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    try:
        body = json.loads(await request.read())
    except ValueError as exc:
        raise ClientError(400, f"malformed JSON body: {exc}") from None
    if not isinstance(body, dict):
        raise ClientError(400, "the body must be a JSON object")
    where = lone_surrogate_in(body)
    if where is not None:
        raise ClientError(400, f'"{where}" holds a lone surrogate (a \\ud800-\\udfff escape without its pair): '
                               "that is not Unicode text, and Telegram's apps never send it")
    return body


def _get(body: dict[str, Any], name: str, kind: type | tuple[type, ...], *, required: bool = False) -> Any:
    value = body.get(name)
    if value is None:
        if required:
            raise ClientError(400, f'"{name}" is required')
        return None
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise ClientError(400, f'"{name}" has the wrong type')
    if not isinstance(value, kind):
        raise ClientError(400, f'"{name}" has the wrong type')
    return value


def _person(sb: Sandbox, request: web.Request) -> tuple[Person, ChatLog]:
    raw = request.match_info["user_id"]
    try:
        user_id = int(raw)
    except ValueError:
        raise ClientError(400, f"user id must be an integer, not {raw!r}") from None
    person = sb.world.people.get(user_id)
    if person is None:
        raise ClientError(404, f"unknown user {user_id}: create them with POST /sandbox/users")
    return person, sb.world.chats[user_id]


FIRST_ID = 1001
"""The id of the first person added without one (the demo's people are 1001 and on)."""


async def add_user(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """POST /sandbox/users: create or update a person with a private chat; without an id, a new person with the next
    id after everyone's (chosen here, so that two pages adding people at once never pick the same)."""
    body = await _body(request)
    user_id = _get(body, "id", int)
    if user_id is None:
        user_id = max([FIRST_ID - 1, *sb.world.people]) + 1
    if not 0 < user_id < 1 << 52:
        raise ClientError(400, '"id" must be a positive integer below 2**52')
    first_name = _get(body, "first_name", str, required=True)
    if not first_name.strip():
        raise ClientError(400, '"first_name" must not be empty')
    about = _get(body, "about", str)
    if about is not None and len(about) > 200:
        raise ClientError(400, '"about" must be at most 200 characters')
    person = sb.world.add_person(Person(
        user_id, first_name, _get(body, "last_name", str), _get(body, "username", str),
        _get(body, "language_code", str), about=about,
    ))
    return {"user": person.public()}


async def list_users(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """GET /sandbox/users."""
    return {"users": [person.public() for person in sb.world.people.values()]}


async def send_message(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """POST /sandbox/users/{id}/messages: the person writes text or sends a file, video, sticker, voice note, round
    video message, location or contact (bot.sandbox.client_messages)."""
    person, log = _person(sb, request)
    body = await _body(request)
    if person.blocked:
        _set_blocked(sb, person, False)  # writing to a bot one blocked restarts it, as Telegram's apps do
    return await client_messages.send_message(sb, person, log, body)


async def edit_message(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """POST /sandbox/users/{id}/messages/{message_id}/edit: the person edits a text or caption they sent."""
    person, log = _person(sb, request)
    return await client_messages.edit_message(sb, person, log, request, await _body(request))


def _has_button(entry: Entry, data: str) -> bool:
    keyboard = entry.message.get("reply_markup", {}).get("inline_keyboard", [])
    return any(button.get("callback_data") == data for row in keyboard for button in row)


async def press(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """POST /sandbox/users/{id}/press: the person presses an inline button of a bot message."""
    person, log = _person(sb, request)
    body = await _body(request)
    message_id = _get(body, "message_id", int, required=True)
    data = _get(body, "callback_data", str, required=True)
    entry = log.messages.get(message_id)
    if entry is None or entry.deleted or not entry.from_bot:
        raise ClientError(400, f"the chat has no bot message {message_id}")
    if not _has_button(entry, data):
        raise ClientError(400, f"message {message_id} has no button with callback_data {data!r}")
    query_id = str(secrets.randbits(63))
    sb.world.callbacks[query_id] = CallbackRecord(query_id, person.id, message_id, data)
    update_id = sb.push_update("callback_query", {
        "id": query_id, "from": person.user, "message": entry.message,
        "chat_instance": str(person.id * 31 + 7), "data": data,
    })
    return {"update_id": update_id, "callback_query_id": query_id}


def _set_blocked(sb: Sandbox, person: Person, blocked: bool) -> None:
    if person.blocked == blocked:
        return
    person.blocked = blocked
    member = {"status": "member", "user": sb.bot_user}
    kicked = {"status": "kicked", "user": sb.bot_user, "until_date": 0}
    sb.push_update("my_chat_member", {
        "chat": person.chat, "from": person.user, "date": now(),
        "old_chat_member": member if blocked else kicked, "new_chat_member": kicked if blocked else member,
    })


async def block(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """POST /sandbox/users/{id}/block: the person blocks the bot (a my_chat_member update follows)."""
    person, _ = _person(sb, request)
    _set_blocked(sb, person, True)
    return {"user": person.public()}


async def unblock(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """POST /sandbox/users/{id}/unblock: the person unblocks the bot."""
    person, _ = _person(sb, request)
    _set_blocked(sb, person, False)
    return {"user": person.public()}


def _entry_view(entry: Entry) -> dict[str, Any]:
    message = entry.message
    document = message.get("document")
    photo = message.get("photo")
    entities = message.get("entities") or message.get("caption_entities") or []
    body = message.get("text") or message.get("caption")
    if entry.from_bot and body:  # the apps make a bot's commands and links tappable, as they do a person's
        entities = tappable_entities(body, entities)
    return {
        "seq": entry.seq, "message_id": message["message_id"], "from_bot": entry.from_bot,
        "date": message["date"], "text": message.get("text"), "caption": message.get("caption"),
        "entities": entities,
        "parse_mode": entry.parse_mode, "reply_markup": entry.markup,
        "document": document and {
            "file_name": document.get("file_name"), "mime_type": document.get("mime_type"),
            "size": document.get("file_size"), "url": f"/sandbox/files/{document['file_id']}",
        },
        "photo": photo and {
            "url": f"/sandbox/files/{photo[-1]['file_id']}", "width": photo[-1]["width"],
            "height": photo[-1]["height"],
        },
        "edited": entry.edited, "deleted": entry.deleted, **_more_view(message),
    }


def _more_view(message: dict[str, Any]) -> dict[str, Any]:
    """The other kinds a person can send, and replies and forwards, for the page (absent keys: none)."""
    view: dict[str, Any] = {}
    if "sticker" in message:
        view["sticker"] = {"emoji": message["sticker"].get("emoji")}
    if "voice" in message:
        view["voice"] = {"duration": message["voice"]["duration"],
                         "url": f"/sandbox/files/{message['voice']['file_id']}"}
    for kind, icon in (("video", "🎬"), ("video_note", "⏺")):
        if kind in message:
            view[kind] = {"duration": message[kind]["duration"], "file_name": message[kind].get("file_name"),
                          "icon": icon, "url": f"/sandbox/files/{message[kind]['file_id']}"}
    for kind in ("location", "contact"):
        if kind in message:
            view[kind] = message[kind]
    if "reply_to_message" in message:
        view["reply_to"] = message["reply_to_message"]["message_id"]
    if "media_group_id" in message:
        view["media_group_id"] = message["media_group_id"]
    origin = message.get("forward_origin")
    if origin is not None:
        view["forwarded_from"] = origin.get("sender_user", {}).get("first_name") or origin.get("sender_user_name")
    return view


async def chat(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """GET /sandbox/users/{id}/chat?since=SEQ[&wait=S][&instance=I]: messages changed after SEQ, waiting up to S s
    for one; at once when I is not this server's chats' instance (the page knew another server, or chats before a
    reset)."""
    _, log = _person(sb, request)
    try:
        since = int(request.query.get("since", "0"))
        wait = min(60.0, max(0.0, float(request.query.get("wait", "0"))))
    except ValueError:
        raise ClientError(400, '"since" must be an integer and "wait" a number of seconds') from None
    if request.query.get("instance", sb.world.instance) != sb.world.instance:
        wait = 0
    last_seq = sb.world.seq
    entries = log.since(since)
    if not entries and wait:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        log.waiters.append(waiter)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter, wait)
        last_seq = sb.world.seq
        entries = log.since(since)
    return {"messages": [_entry_view(entry) for entry in entries], "last_seq": last_seq, "instance": sb.world.instance}


async def callback_answers(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """GET /sandbox/users/{id}/callback_answers: the bot's answers to this person's presses."""
    person, _ = _person(sb, request)
    return {"answers": [
        {"callback_query_id": r.id, "message_id": r.message_id, "callback_data": r.data,
         "answered": r.answer is not None, **(r.answer or {})}
        for r in sb.world.callbacks.values() if r.user_id == person.id
    ]}


async def commands(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """GET /sandbox/users/{id}/commands: the command menu Telegram shows this person in their private chat with the
    bot (the "/" menu): the first scope the bot set commands for, from the narrowest (this chat) to the default,
    each in the person's language before the one without a language, as the Bot API resolves it."""
    person, _ = _person(sb, request)
    language = (person.language_code or "").split("-")[0].lower()  # "pt-BR" reads the commands set for "pt"
    for scope in (f"chat:{person.id}", "all_private_chats", "default"):
        for key in ((scope, language), (scope, "")) if language else ((scope, ""),):
            found = sb.world.commands.get(key)
            if found:
                return {"commands": found}
    return {"commands": []}


async def wait_idle(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """POST /sandbox/wait_idle: wait until all updates were fetched and the bot went quiet."""
    body = await _body(request)
    timeout = _get(body, "timeout", (int, float))
    quiet_ms = _get(body, "quiet_ms", int)
    timeout = 10.0 if timeout is None else float(timeout)
    if not 0 <= timeout <= 600:
        raise ClientError(400, '"timeout" must be between 0 and 600 seconds')
    return {"idle": await sb.wait_idle(timeout, 200 if quiet_ms is None else max(0, quiet_ms))}


async def stats(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """GET /sandbox/stats: calls per method, 429s, errors per code, pending updates."""
    world = sb.world
    return {"calls": dict(world.stats.calls), "rate_limited": world.stats.rate_limited,
            "errors": {str(code): n for code, n in world.stats.errors.items()},
            "updates_pending": world.updates.pending()}


async def set_limits(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """POST /sandbox/limits: change rates; null or 0 disables a limit."""
    body = await _body(request)
    unknown = set(body) - set(_LIMIT_FIELDS)
    if unknown:
        raise ClientError(400, f"unknown limits: {sorted(unknown)}; known: {list(_LIMIT_FIELDS)}")
    for name, value in body.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
            raise ClientError(400, f'"{name}" must be a non-negative number or null')
    sb.limiter.configure(sb.limiter.limits.updated(body))
    return {"limits": {name: getattr(sb.limiter.limits, name) for name in _LIMIT_FIELDS}}


async def set_faults(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """POST /sandbox/faults: inject 500/502 answers and hung requests with a seeded generator."""
    body = await _body(request)
    error_rate = float(_get(body, "error_rate", (int, float)) or 0)
    timeout_rate = float(_get(body, "timeout_rate", (int, float)) or 0)
    seed = _get(body, "seed", int) or 0
    hang = _get(body, "hang_seconds", (int, float))
    if not (0 <= error_rate <= 1 and 0 <= timeout_rate <= 1 and error_rate + timeout_rate <= 1):
        raise ClientError(400, "rates must be between 0 and 1 and add up to at most 1")
    if hang is not None and not 0 < hang <= 600:
        raise ClientError(400, '"hang_seconds" must be between 0 and 600')
    sb.faults = Faults(error_rate, timeout_rate, float(hang or 65.0), seed)
    return {"faults": {"error_rate": error_rate, "timeout_rate": timeout_rate, "seed": seed,
                       "hang_seconds": sb.faults.hang_seconds}}


async def reset(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """POST /sandbox/reset: forget people, chats, updates and counters."""
    sb.reset()
    return {}


def _clock_file() -> str:
    path = clock_file()
    if not path:
        raise ClientError(404, f"the test clock is off: start the sandbox and the bot with {TEST_CLOCK_ENV} set")
    return path


def _advance_clock(path: str, seconds: float) -> None:
    temporary = Path(f"{path}.{os.getpid()}.tmp")  # written whole, then renamed in place: never read half-written
    temporary.write_text(f"{clock_offset(path) + seconds}\n", encoding="utf-8")
    os.replace(temporary, path)


async def clock(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """GET|POST /sandbox/clock: the bot's test clock; POST {"advance_seconds": N} moves it ahead (tests, demo)."""
    path = _clock_file()
    if request.method == "POST":
        seconds = _get(await _body(request), "advance_seconds", (int, float), required=True)
        if isinstance(seconds, bool) or not 0 <= seconds <= 366 * 86400:
            raise ClientError(400, '"advance_seconds" must be between 0 and one year')
        _advance_clock(path, float(seconds))
    offset = clock_offset(path)
    return {"offset_seconds": offset, "now": (datetime.now(UTC) + timedelta(seconds=offset)).isoformat()}


async def held(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """GET /sandbox/held: the messages the bot holds for a later moment (its reader's working hours, say), per chat:
    `{"now", "chats": [{"chat_id", "count", "next"}]}` as the bot's runner tells them (p2c-bot sandbox)."""
    if sb.held is None:
        raise ClientError(404, "this sandbox does not know what the bot holds: p2c-bot sandbox tells it")
    return await sb.held()


async def bot_info(sb: Sandbox, request: web.Request) -> dict[str, Any]:
    """GET /sandbox/bot: the bot's public profile, for the page's header; and the largest file a person may send and
    the largest request body, which the page checks before sending."""
    return {"bot": sb.me, "max_file_bytes": MAX_FILE_BYTES, "max_body_bytes": sb.max_upload_bytes}


async def file_download(request: web.Request) -> web.Response:
    """GET /sandbox/files/{file_id}: a stored file for the page, without exposing the token."""
    stored = request.app[SANDBOX].world.files.get(request.match_info["file_id"])
    if stored is None:
        return answer({"ok": False, "error": "unknown file"}, 404)
    headers = {"Content-Disposition": f'inline; filename="{(stored.file_name or "file").replace(chr(34), "")}"'}
    return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream",
                        headers=headers)


def add_routes(app: web.Application) -> None:
    """Register every /sandbox/ route on the app."""
    user = "/sandbox/users/{user_id}"
    app.router.add_post("/sandbox/users", _endpoint(add_user))
    app.router.add_get("/sandbox/users", _endpoint(list_users))
    app.router.add_post(f"{user}/messages", _endpoint(send_message))
    app.router.add_post(f"{user}/messages/{{message_id}}/edit", _endpoint(edit_message))
    app.router.add_post(f"{user}/press", _endpoint(press))
    app.router.add_post(f"{user}/block", _endpoint(block))
    app.router.add_post(f"{user}/unblock", _endpoint(unblock))
    app.router.add_get(f"{user}/chat", _endpoint(chat))
    app.router.add_get(f"{user}/callback_answers", _endpoint(callback_answers))
    app.router.add_get(f"{user}/commands", _endpoint(commands))
    app.router.add_post("/sandbox/wait_idle", _endpoint(wait_idle))
    app.router.add_get("/sandbox/stats", _endpoint(stats))
    app.router.add_post("/sandbox/limits", _endpoint(set_limits))
    app.router.add_post("/sandbox/faults", _endpoint(set_faults))
    app.router.add_post("/sandbox/reset", _endpoint(reset))
    app.router.add_get("/sandbox/bot", _endpoint(bot_info))
    app.router.add_get("/sandbox/clock", _endpoint(clock))
    app.router.add_post("/sandbox/clock", _endpoint(clock))
    app.router.add_get("/sandbox/held", _endpoint(held))
    app.router.add_get("/sandbox/files/{file_id}", file_download)
