"""Telegram's content rules: text length after entity parsing, HTML parse mode, keyboards."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from bot.sandbox.errors import ApiError, bad_request

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

# tag -> entity type; None marks tags that need their attributes to decide
_SIMPLE_TAGS: dict[str, str] = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "code": "code", "pre": "pre", "blockquote": "blockquote",
}
_ALL_TAGS = {*_SIMPLE_TAGS, "a", "span", "tg-emoji"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^>]*)?)>")
_ATTR = re.compile(r"""([a-zA-Z-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
)


def lone_surrogate_in(value: Any, path: str = "") -> str | None:
    """The path ("text", "document.file_name", "[2]") of the first string in `value` that holds a lone surrogate.

    JSON may escape one ("\\ud800"), but it is not Unicode text: UTF-8 cannot encode it, Telegram's apps never
    send it, and one stored in an update would make every later getUpdates answer fail.
    """
    if isinstance(value, str):
        if value.isascii():
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "(the body)"
        return None
    children: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            children += [(where, key), (where, item)]
    elif isinstance(value, list):
        children = [(f"{path}[{index}]", item) for index, item in enumerate(value)]
    for where, item in children:
        found = lone_surrogate_in(item, where)
        if found is not None:
            return found
    return None


def utf16_len(text: str) -> int:
    """Return the length of `text` in UTF-16 code units, the unit of Telegram's entity offsets."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _entity_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into plain text and entities; raise Telegram's error if malformed."""
    if "<" not in source and "&" not in source:
        return source, []
    parts: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, dict[str, Any], int]] = []  # (tag, entity, byte offset of start tag)
    offset = 0  # UTF-16 offset of the plain text so far
    pos = 0
    while True:
        lt = source.find("<", pos)
        chunk = source[pos:] if lt < 0 else source[pos:lt]
        if chunk:
            plain = unescape(chunk) if "&" in chunk else chunk
            parts.append(plain)
            offset += utf16_len(plain)
        if lt < 0:
            break
        match = _TAG.match(source, lt)
        byte_at = len(source[:lt].encode())
        if match is None:
            raise _entity_error(f"Unclosed start tag at byte offset {byte_at}")
        closing, tag, attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
        pos = match.end()
        if closing:
            if not stack:
                raise _entity_error(f"Unexpected end tag at byte offset {byte_at}")
            open_tag, entity, _ = stack.pop()
            if open_tag != tag:
                raise _entity_error(
                    f'Unmatched end tag at byte offset {byte_at}, expected "</{open_tag}>", found "</{tag}>"'
                )
            entity["length"] = offset - entity["offset"]
            if entity["length"] > 0 and entity["type"]:
                entities.append(entity)
            continue
        if tag not in _ALL_TAGS:
            raise _entity_error(f'Unsupported start tag "{tag}" at byte offset {byte_at}')
        stack.append((tag, _open_entity(tag, attrs, offset, byte_at, stack), byte_at))
    if stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(parts), entities


def _open_entity(
    tag: str, attrs: str, offset: int, byte_at: int, stack: list[tuple[str, dict[str, Any], int]]
) -> dict[str, Any]:
    values = {m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or "" for m in _ATTR.finditer(attrs)}
    entity: dict[str, Any] = {"type": _SIMPLE_TAGS.get(tag, ""), "offset": offset, "length": 0}
    if tag == "a":
        href = unescape(values.get("href", ""))
        if href.startswith("tg://user?id="):
            entity["type"] = "text_mention"
            entity["user"] = {"id": int(href.split("=", 1)[1] or 0), "is_bot": False, "first_name": "User"}
        elif href:
            entity.update(type="text_link", url=href)
    elif tag == "span":
        if values.get("class") != "tg-spoiler":
            raise _entity_error(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_at}')
        entity["type"] = "spoiler"
    elif tag == "tg-emoji":
        if not values.get("emoji-id"):
            raise _entity_error(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {byte_at}')
        entity.update(type="custom_emoji", custom_emoji_id=values["emoji-id"])
    elif tag == "blockquote" and "expandable" in values:
        entity["type"] = "expandable_blockquote"
    elif tag == "code" and stack and stack[-1][0] == "pre" and values.get("class", "").startswith("language-"):
        stack[-1][1]["language"] = values["class"][len("language-"):]
        entity["type"] = ""  # the language goes on the enclosing pre entity
    return entity


def check_text(text: str, *, caption: bool = False) -> None:
    """Raise Telegram's error if a text (or caption) is empty or too long after entity parsing."""
    if caption:
        if utf16_len(text) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        return
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT // 2 and utf16_len(text) > MAX_TEXT:
        raise bad_request("message is too long")


def check_entities(entities: Any, text: str) -> list[dict[str, Any]]:
    """Validate an explicit `entities` list against the text and return it."""
    if not isinstance(entities, list):
        raise bad_request("can't parse entities JSON object")
    size = utf16_len(text)
    for entity in entities:
        if not isinstance(entity, dict) or not isinstance(entity.get("type"), str):
            raise bad_request("can't parse MessageEntity: field \"type\" must be a String")
        start, length = entity.get("offset"), entity.get("length")
        if not isinstance(start, int) or not isinstance(length, int) or start < 0 or length < 0:
            raise bad_request("can't parse MessageEntity: field \"offset\" must be an Integer")
        if start + length > size:
            raise bad_request("entity end is out of text bounds")  # Telegram clips; we are stricter
    return entities


def check_reply_markup(markup: Any, *, inline_only: bool = False) -> dict[str, Any]:
    """Validate a reply_markup object's shape and callback data as Telegram does."""
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_rows(markup["inline_keyboard"], "inline_keyboard", "InlineKeyboardMarkup")
        for row in markup["inline_keyboard"]:
            for button in row:
                _check_inline_button(button)
        return markup
    if inline_only:
        raise bad_request("object expected as reply markup")  # edit methods accept only inline keyboards
    if "keyboard" in markup:
        _check_rows(markup["keyboard"], "keyboard", "ReplyKeyboardMarkup")
        for row in markup["keyboard"]:
            for button in row:
                if not isinstance(button, str) and not (isinstance(button, dict) and "text" in button):
                    raise bad_request("can't parse keyboard button: Field \"text\" must be of type String")
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise bad_request("can't find field \"inline_keyboard\"")


def _check_rows(rows: Any, field: str, owner: str) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'field "{field}" of the {owner} should be an Array of Arrays')


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Field \"text\" must be of type String")
    actions = [name for name in _BUTTON_ACTIONS if name in button]
    if not actions:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")


# what Telegram's clients mark in a person's text
_NOT_IN_URL = r"\s<>\"\u2000-\u200b\u200e-\u200f\u2016-\u206f"
"""What ends a link Telegram marks: space, and of General Punctuation (U+2000-U+206F) all but the zero-width
joiners and the dashes (tdlib's is_url_unicode_symbol), so the marks that isolate a link in right-to-left text
(U+200F, U+2066-U+2069) are left out of it."""
_AUTO_ENTITIES = re.compile(
    r"(?P<bot_command>(?<![\w/])/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,32})?)(?![\w/])"
    r"|(?P<email>\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}\b)"
    rf"|(?P<url>\b(?:https?://[^{_NOT_IN_URL}]+|(?:[a-zA-Z0-9-]+\.)+(?:com|org|net|int|edu|gov|io|app|info)"
    rf"(?:/[^{_NOT_IN_URL}]*)?)"
    r"(?<![.,;:!?)]))"
    r"|(?P<mention>(?<!\w)@[a-zA-Z0-9_]{5,32}\b)"
    r"|(?P<hashtag>(?<![\w#])#\w*[^\W\d]\w*)",
)


def detect_entities(text: str) -> list[dict[str, Any]]:
    """Return the entities Telegram adds to a person's message (bot_command, url, email, mention...)."""
    if not any(mark in text for mark in "/.@#"):
        return []
    found: list[dict[str, Any]] = []
    ascii_only = text.isascii()
    for match in _AUTO_ENTITIES.finditer(text):
        kind = match.lastgroup or "url"
        start, end = match.span()
        offset = start if ascii_only else utf16_len(text[:start])
        length = end - start if ascii_only else utf16_len(text[start:end])
        found.append({"type": kind, "offset": offset, "length": length})
    return found


_NOT_DETECTED_IN = frozenset({"code", "pre", "text_link", "text_mention", "url", "email", "bot_command", "mention",
                              "hashtag", "cashtag", "phone_number", "custom_emoji"})
"""Entities within which Telegram's apps mark nothing more (code stays code, a link stays its link)."""


def tappable_entities(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A bot's message as Telegram's apps show it: its entities, plus the commands, links, addresses and mentions they
    detect in its text outside code and links (the page's view only: the bot's own Message is left as Telegram
    returns it)."""
    taken = [(e["offset"], e["offset"] + e["length"]) for e in entities if e.get("type") in _NOT_DETECTED_IN]
    added = [found for found in detect_entities(text)
             if not any(found["offset"] < end and start < found["offset"] + found["length"] for start, end in taken)]
    return sorted([*entities, *added], key=lambda e: (e["offset"], -e["length"])) if added else entities
