"""What people send in the sandbox, as Telegram's apps send it.

Text (a text over 4,096 UTF-16 units becomes several messages, as the apps split it), documents, photos,
videos, albums (several photos, or several documents, sent at once: one message each, sharing a `media_group_id`),
stickers, voice notes, round video messages, locations and contacts; optionally a reply to a message of the chat,
a forward, and formatting entities; and edits of one's own messages, which reach the bot as `edited_message` updates.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from aiohttp import web

from bot.sandbox.clock import now
from bot.sandbox.errors import ClientError
from bot.sandbox.media import image_size
from bot.sandbox.runtime import MAX_FILE_BYTES, Sandbox
from bot.sandbox.state import ChatLog, Entry, Person
from bot.sandbox.validation import MAX_TEXT, detect_entities, utf16_len

MAX_PARTS = 10  # a paste longer than this many messages is refused rather than flooding the bot
KINDS = ("text", "document", "photo", "video", "sticker", "voice", "video_note", "location", "contact", "album")
ALBUM = (2, 10)
"""How many files one album holds: the apps group 2 to 10 (sendMediaGroup's limits), and more make several."""
# The formatting a person can give a text in Telegram's apps
FORMATTING = frozenset({"bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre", "text_link",
                        "blockquote", "expandable_blockquote"})
STICKER_BYTES = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
VOICE_BYTES = b"OggS\x00\x02" + bytes(20) + b"\x01\x13OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"
VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(8)
CAPTIONED = ("document", "photo", "video", "voice")
"""The kinds a person can send with words (a caption)."""


def get(body: dict[str, Any], name: str, kind: type | tuple[type, ...], *, required: bool = False) -> Any:
    """A field of a client body of the expected type (booleans are not integers), or a 400."""
    value = body.get(name)
    if value is None:
        if required:
            raise ClientError(400, f'"{name}" is required')
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kind):
        raise ClientError(400, f'"{name}" has the wrong type')
    return value


def split_text(text: str) -> list[str]:
    """The messages Telegram's apps make of a long text: at most 4,096 UTF-16 units each, cut at a line break
    or else a space in the second half of a part, the whitespace at the cut dropped (Telegram trims it)."""
    parts: list[str] = []
    rest = text
    while utf16_len(rest) > MAX_TEXT:
        end = 0
        units = 0
        for char in rest:
            units += 2 if ord(char) > 0xFFFF else 1
            if units > MAX_TEXT:
                break
            end += 1
        head = rest[:end]
        cut = max(head.rfind("\n"), 0)
        if cut < end // 2:
            cut = head.rfind(" ")
        if cut < end // 2:
            cut = end
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*parts, rest] if rest else parts


def _entities(body: dict[str, Any], text: str) -> list[dict[str, Any]]:
    given = get(body, "entities", list) or []
    size = utf16_len(text)
    out: list[dict[str, Any]] = []
    for index, entity in enumerate(given):
        if not isinstance(entity, dict) or entity.get("type") not in FORMATTING:
            raise ClientError(400, f'"entities[{index}]" must be an object whose "type" is one of '
                                   f"{sorted(FORMATTING)}")
        offset, length = entity.get("offset"), entity.get("length")
        if not (isinstance(offset, int) and isinstance(length, int) and offset >= 0 and length > 0
                and offset + length <= size) or isinstance(offset, bool) or isinstance(length, bool):
            raise ClientError(400, f'"entities[{index}]" must have an offset and a positive length within the '
                                   f"text ({size} UTF-16 units)")
        made: dict[str, Any] = {"type": entity["type"], "offset": offset, "length": length}
        if entity["type"] == "text_link":
            url = entity.get("url")
            if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
                raise ClientError(400, f'"entities[{index}].url" must be an http(s) or tg:// URL')
            made["url"] = url
        if entity["type"] == "pre" and isinstance(entity.get("language"), str):
            made["language"] = entity["language"]
        out.append(made)
    return out


def _with_entities(fields: dict[str, Any], key: str, text: str, body: dict[str, Any]) -> None:
    entities = sorted([*detect_entities(text), *_entities(body, text)], key=lambda e: (e["offset"], -e["length"]))
    if entities:
        fields[key] = entities


def _decoded(spec: dict[str, Any], kind: str) -> bytes:
    try:
        data = base64.b64decode(spec["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ClientError(400, f'"{kind}.content_base64" is not valid base64') from None
    if not data:
        raise ClientError(400, f'"{kind}" is empty')
    if len(data) > MAX_FILE_BYTES:
        raise ClientError(413, f'"{kind}" is {len(data):,} bytes: a bot can download files of up to '
                               f'{MAX_FILE_BYTES:,} bytes (20 MiB), so none bigger is taken')
    return data


def _attachment(sb: Sandbox, body: dict[str, Any], kind: str) -> dict[str, Any]:
    spec = body[kind]
    if not isinstance(spec, dict):
        raise ClientError(400, f'"{kind}" must be an object')
    if kind in ("document", "photo") and not isinstance(spec.get("content_base64"), str):
        raise ClientError(400, f'"{kind}" must be an object with "content_base64"')
    if kind == "document":
        data = _decoded(spec, kind)
        name, mime = get(spec, "file_name", str), get(spec, "mime_type", str)
        stored = sb.world.store_file(data, "document", name or "file", mime or "application/octet-stream")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_name": stored.file_name,
                "mime_type": stored.mime_type, "file_size": len(data)}
    if kind == "photo":
        data = _decoded(spec, kind)
        stored = sb.world.store_file(data, "photo", None, "image/jpeg")
        width, height = image_size(data)
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "width": width,
                "height": height, "file_size": len(data)}
    if kind == "sticker":
        emoji = get(spec, "emoji", str) or "👍"
        stored = sb.world.store_file(STICKER_BYTES, "sticker", "sticker.webp", "image/webp")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "type": "regular",
                "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": emoji,
                "set_name": "SandboxStickers", "file_size": len(STICKER_BYTES)}
    if kind == "voice":
        duration = get(spec, "duration", int)
        duration = 3 if duration is None else duration
        if not 0 < duration <= 3600:
            raise ClientError(400, '"voice.duration" must be 1 to 3600 seconds')
        data = _decoded(spec, kind) if "content_base64" in spec else VOICE_BYTES
        stored = sb.world.store_file(data, "voice", "voice.ogg", "audio/ogg")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "duration": duration,
                "mime_type": "audio/ogg", "file_size": len(data)}
    if kind in ("video", "video_note"):
        return _video(sb, spec, kind)
    if kind == "location":
        latitude, longitude = get(spec, "latitude", (int, float), required=True), \
            get(spec, "longitude", (int, float), required=True)
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ClientError(400, '"location" needs a latitude in [-90, 90] and a longitude in [-180, 180]')
        return {"latitude": float(latitude), "longitude": float(longitude)}
    contact: dict[str, Any] = {"phone_number": get(spec, "phone_number", str, required=True),
                               "first_name": get(spec, "first_name", str, required=True)}
    if not contact["phone_number"].strip() or not contact["first_name"].strip():
        raise ClientError(400, '"contact" needs a non-empty "phone_number" and "first_name"')
    for name, kind_of in (("last_name", str), ("user_id", int), ("vcard", str)):
        if get(spec, name, kind_of) is not None:
            contact[name] = spec[name]
    return contact


def _video(sb: Sandbox, spec: dict[str, Any], kind: str) -> dict[str, Any]:
    """A video as the apps send one from the gallery (a file name when the app gives one), or a round video
    message (square, without a name)."""
    duration = get(spec, "duration", int)
    duration = 3 if duration is None else duration
    if not 0 < duration <= (60 if kind == "video_note" else 36000):
        raise ClientError(400, f'"{kind}.duration" must be 1 to {60 if kind == "video_note" else 36000} seconds')
    data = _decoded(spec, kind) if "content_base64" in spec else VIDEO_BYTES
    name = get(spec, "file_name", str) if kind == "video" else None
    stored = sb.world.store_file(data, kind, name, get(spec, "mime_type", str) or "video/mp4")
    fields: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                              "duration": duration, "file_size": len(data)}
    if kind == "video_note":
        return {**fields, "length": 240}
    return {**fields, "width": 640, "height": 360, "mime_type": stored.mime_type,
            **({"file_name": name} if name else {})}


def _reply_to(log: ChatLog, body: dict[str, Any]) -> dict[str, Any] | None:
    message_id = get(body, "reply_to_message_id", int)
    if message_id is None:
        return None
    entry = log.messages.get(message_id)
    if entry is None or entry.deleted:
        raise ClientError(400, f"the chat has no message {message_id} to reply to")
    # Telegram gives the replied-to message without its own reply_to_message
    return {k: v for k, v in entry.message.items() if k != "reply_to_message"}


def _forward_origin(sb: Sandbox, body: dict[str, Any]) -> dict[str, Any] | None:
    spec = get(body, "forward_from", dict)
    if spec is None:
        return None
    date = now() - 3600
    user_id, hidden = get(spec, "user_id", int), get(spec, "sender_user_name", str)
    if get(spec, "bot", bool):  # one of the bot's own messages, forwarded back to it
        return {"type": "user", "date": date, "sender_user": sb.bot_user}
    if user_id is not None and user_id in sb.world.people:
        return {"type": "user", "date": date, "sender_user": sb.world.people[user_id].user}
    if hidden and hidden.strip():
        return {"type": "hidden_user", "date": date, "sender_user_name": hidden}
    raise ClientError(400, '"forward_from" needs the "user_id" of a sandbox person, a "sender_user_name" or '
                           '"bot": true')


def _push(sb: Sandbox, person: Person, log: ChatLog, fields: dict[str, Any]) -> dict[str, Any]:
    message = sb.world.new_message(log, person.user, fields)
    sb.world.record(log, message, from_bot=False)
    update_id = sb.push_update("message", message)
    return {"update_id": update_id, "message_id": message["message_id"]}


async def send_message(sb: Sandbox, person: Person, log: ChatLog, body: dict[str, Any]) -> dict[str, Any]:
    """POST /sandbox/users/{id}/messages: the person writes text or sends one of the other KINDS."""
    kinds = [k for k in KINDS if body.get(k) is not None]
    if len(kinds) != 1:
        raise ClientError(400, 'give exactly one of "text", "document", "photo", "video", "sticker", "voice", '
                               '"video_note", "location", "contact" or "album"')
    kind = kinds[0]
    common: dict[str, Any] = {}
    origin = _forward_origin(sb, body)
    if origin is not None:
        common["forward_origin"] = origin
    reply = _reply_to(log, body)
    if reply is not None:
        common["reply_to_message"] = reply
    if kind == "text":
        text = get(body, "text", str)
        if not text.strip():
            raise ClientError(400, '"text" must not be empty')
        parts = split_text(text.strip())  # Telegram trims a message's surrounding whitespace
        if len(parts) > MAX_PARTS:
            raise ClientError(400, f'"text" is longer than {MAX_PARTS} messages of {MAX_TEXT} characters')
        if len(parts) > 1 and body.get("entities"):
            raise ClientError(400, '"entities" are only supported on a text of one message (4096 characters)')
        sent = []
        for index, part in enumerate(parts):
            fields = {**(common if index == 0 else {k: v for k, v in common.items() if k != "reply_to_message"}),
                      "text": part}
            _with_entities(fields, "entities", part, body)
            sent.append(_push(sb, person, log, fields))
        return {**sent[0], "parts": sent} if len(sent) > 1 else sent[0]
    if kind == "album":
        return _album(sb, person, log, body, common)
    fields = {**common, kind: _attachment(sb, body, kind)}
    if kind == "photo":
        fields["photo"] = [fields["photo"]]
    caption = get(body, "caption", str) or ""
    if caption and kind in CAPTIONED:
        fields["caption"] = caption
        _with_entities(fields, "caption_entities", caption, body)
    return _push(sb, person, log, fields)


def _album(sb: Sandbox, person: Person, log: ChatLog, body: dict[str, Any],
           common: dict[str, Any]) -> dict[str, Any]:
    """Several photos, or several documents, sent together: one message each, in order, with one `media_group_id`;
    the caption (and the reply) go with the first, as the apps send them."""
    items = body["album"]
    low, high = ALBUM
    if not isinstance(items, list) or not low <= len(items) <= high:
        raise ClientError(400, f'"album" must be a list of {low} to {high} photos or documents')
    kinds = [str(next(iter(item))) if isinstance(item, dict) and len(item) == 1 else "" for item in items]
    if any(kind not in ("photo", "document") for kind in kinds):
        raise ClientError(400, 'each item of "album" is {"photo": {...}} or {"document": {...}}')
    if len(set(kinds)) > 1:
        raise ClientError(400, 'an album holds photos or documents, not both')
    group = str(secrets.randbelow(9 * 10**17) + 10**17)  # Telegram's are numeric strings of about 18 digits
    files = [_attachment(sb, item, kind) for item, kind in zip(items, kinds, strict=True)]  # all checked first
    caption = get(body, "caption", str) or ""
    sent = []
    for index, (kind, file) in enumerate(zip(kinds, files, strict=True)):
        fields: dict[str, Any] = {**(common if index == 0 else {k: v for k, v in common.items()
                                                                if k != "reply_to_message"}),
                                  "media_group_id": group, kind: [file] if kind == "photo" else file}
        if caption and index == 0:
            fields["caption"] = caption
            _with_entities(fields, "caption_entities", caption, body)
        sent.append(_push(sb, person, log, fields))
    return {**sent[0], "parts": sent, "media_group_id": group}


async def edit_message(sb: Sandbox, person: Person, log: ChatLog, request: web.Request,
                       body: dict[str, Any]) -> dict[str, Any]:
    """POST /sandbox/users/{id}/messages/{message_id}/edit: the person edits their text or caption."""
    try:
        message_id = int(request.match_info["message_id"])
    except ValueError:
        raise ClientError(400, "the message id must be an integer") from None
    entry: Entry | None = log.messages.get(message_id)
    if entry is None or entry.deleted or entry.from_bot:
        raise ClientError(400, f"the person has no message {message_id} to edit")
    key = "text" if "text" in entry.message else "caption"
    if key == "caption" and not any(k in entry.message for k in CAPTIONED):
        raise ClientError(400, f"message {message_id} has no text or caption to edit")
    value = get(body, key, str, required=True)
    if not value.strip() or utf16_len(value) > (MAX_TEXT if key == "text" else 1024):
        raise ClientError(400, f'"{key}" must have 1 to {MAX_TEXT if key == "text" else 1024} characters')
    entities_key = "entities" if key == "text" else "caption_entities"
    message = {k: v for k, v in entry.message.items() if k != entities_key}
    message[key], message["edit_date"] = value, now()
    _with_entities(message, entities_key, value, body)
    entry.message, entry.edited = message, True  # a new object: a pending update keeps the original
    sb.world.touch(log, entry)
    return {"update_id": sb.push_update("edited_message", message), "message_id": message_id}
