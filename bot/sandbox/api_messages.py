"""Bot API handlers that send, edit and delete messages, and answer button presses."""

from __future__ import annotations

from typing import Any

from bot.sandbox.clock import now
from bot.sandbox.errors import ApiError, bad_request, blocked_by_user, chat_not_found
from bot.sandbox.markdown import parse_markdown
from bot.sandbox.media import image_size
from bot.sandbox.runtime import Sandbox
from bot.sandbox.state import ChatLog, Entry, StoredFile, Upload
from bot.sandbox.validation import check_entities, check_reply_markup, check_text, parse_html

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
     "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}
)


def _chat(sb: Sandbox, chat_id: Any) -> ChatLog:
    log = sb.world.chats.get(chat_id) if isinstance(chat_id, int) else None
    if log is None:
        raise chat_not_found()
    if log.person.blocked:
        raise blocked_by_user()
    return log


def _formatted(args: dict[str, Any], key: str, entities_key: str) -> tuple[str, list[dict[str, Any]], str | None]:
    text: str = args.get(key, "")
    mode = args.get("parse_mode")
    if not mode:
        entities = args.get(entities_key)
        return text, (check_entities(entities, text) if entities is not None else []), None
    kind = mode.lower()
    if kind == "html":
        plain, entities = parse_html(text)
        return plain, entities, "HTML"
    if kind in ("markdownv2", "markdown"):
        plain, entities = parse_markdown(text, v2=kind == "markdownv2")
        return plain, entities, "MarkdownV2" if kind == "markdownv2" else "Markdown"
    raise bad_request("unsupported parse_mode")


def _markup(args: dict[str, Any], *, inline_only: bool = False) -> dict[str, Any] | None:
    markup = args.get("reply_markup")
    return None if markup is None else check_reply_markup(markup, inline_only=inline_only)


def _content(fields: dict[str, Any], key: str, text: str, entities: list[dict[str, Any]],
             markup: dict[str, Any] | None) -> dict[str, Any]:
    if text:
        fields[key] = text
    if entities:
        fields["entities" if key == "text" else "caption_entities"] = entities
    if markup is not None and "inline_keyboard" in markup:
        fields["reply_markup"] = markup
    return fields


def _reply_to(log: ChatLog, args: dict[str, Any], fields: dict[str, Any]) -> None:
    params = args.get("reply_parameters")
    if not params:
        return
    message_id = params.get("message_id") if isinstance(params, dict) else None
    target = log.messages.get(message_id) if isinstance(message_id, int) else None
    if target is None or target.deleted:
        if isinstance(params, dict) and params.get("allow_sending_without_reply"):
            return
        raise bad_request("message to be replied not found")
    fields["reply_to_message"] = {k: v for k, v in target.message.items() if k != "reply_to_message"}


def _send(sb: Sandbox, log: ChatLog, args: dict[str, Any], fields: dict[str, Any], mode: str | None,
          markup: dict[str, Any] | None) -> dict[str, Any]:
    _reply_to(log, args, fields)
    sb.check_rate(log.person.id, args.get("allow_paid_broadcast", False))
    message = sb.world.new_message(log, sb.bot_user, fields)
    sb.world.record(log, message, from_bot=True, parse_mode=mode, markup=markup)
    return message


async def send_message(sb: Sandbox, args: dict[str, Any]) -> Any:
    """sendMessage: check text and markup as Telegram does, then store the message."""
    text, entities, mode = _formatted(args, "text", "entities")
    check_text(text)
    markup = _markup(args)
    log = _chat(sb, args["chat_id"])
    return _send(sb, log, args, _content({}, "text", text, entities, markup), mode, markup)


Caption = tuple[str, list[dict[str, Any]], str | None, dict[str, Any] | None]
"""A caption's plain text, entities and parse mode, and the message's markup."""


def _file_from(sb: Sandbox, value: Upload | str, kind: str) -> StoredFile:
    if isinstance(value, Upload):
        return sb.world.store_file(value.data, kind, value.filename, value.content_type)
    known = sb.world.files.get(value)
    if known is not None:
        return known
    if value.startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")  # the sandbox has no network
    raise bad_request("wrong file identifier/HTTP URL specified")


def _captioned(sb: Sandbox, args: dict[str, Any], kind: str) -> tuple[Caption, ChatLog, StoredFile]:
    """A file's caption checked as Telegram does, its chat, and the file (uploaded, or a stored file_id)."""
    caption, entities, mode = _formatted(args, "caption", "caption_entities")
    check_text(caption, caption=True)
    markup = _markup(args)
    log = _chat(sb, args["chat_id"])
    return (caption, entities, mode, markup), log, _file_from(sb, args[kind], kind)


async def send_document(sb: Sandbox, args: dict[str, Any]) -> Any:
    """sendDocument: store an uploaded file (or reuse a file_id) and send it with a caption."""
    (caption, entities, mode, markup), log, stored = _captioned(sb, args, "document")
    document: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                                "file_size": len(stored.data)}
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return _send(sb, log, args, _content({"document": document}, "caption", caption, entities, markup), mode, markup)


async def send_photo(sb: Sandbox, args: dict[str, Any]) -> Any:
    """sendPhoto: store the image and send it as one PhotoSize with its real dimensions."""
    caption, entities, mode = _formatted(args, "caption", "caption_entities")
    check_text(caption, caption=True)
    markup = _markup(args)
    log = _chat(sb, args["chat_id"])
    stored = _file_from(sb, args["photo"], "photo")
    width, height = image_size(stored.data)
    photo = [{"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": len(stored.data),
              "width": width, "height": height}]
    return _send(sb, log, args, _content({"photo": photo}, "caption", caption, entities, markup), mode, markup)


async def send_video(sb: Sandbox, args: dict[str, Any]) -> Any:
    """sendVideo: store an uploaded video (or reuse a file_id) and send it with a caption."""
    (caption, entities, mode, markup), log, stored = _captioned(sb, args, "video")
    video: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                             "width": int(args.get("width") or 640), "height": int(args.get("height") or 360),
                             "duration": int(args.get("duration") or 1), "file_size": len(stored.data)}
    if stored.file_name:
        video["file_name"] = stored.file_name
    video["mime_type"] = stored.mime_type or "video/mp4"
    return _send(sb, log, args, _content({"video": video}, "caption", caption, entities, markup), mode, markup)


def _editable(sb: Sandbox, args: dict[str, Any]) -> tuple[ChatLog, Entry]:
    if "inline_message_id" in args:
        raise bad_request("MESSAGE_ID_INVALID")  # the sandbox has no inline messages
    if "chat_id" not in args:
        raise bad_request("chat_id is empty")
    if "message_id" not in args:
        raise bad_request("message identifier is not specified")
    log = _chat(sb, args["chat_id"])
    entry = log.messages.get(args["message_id"])
    if entry is None or entry.deleted:
        raise bad_request("message to edit not found")
    if not entry.from_bot:
        raise bad_request("message can't be edited")
    return log, entry


def _apply_edit(sb: Sandbox, log: ChatLog, entry: Entry, changes: dict[str, Any], drop: tuple[str, ...],
                markup: dict[str, Any] | None, mode: str | None) -> dict[str, Any]:
    old = entry.message
    new = {k: v for k, v in old.items() if k not in drop and k != "edit_date"}
    new.update(changes)
    if {k: v for k, v in old.items() if k != "edit_date"} == new:
        raise bad_request(NOT_MODIFIED)
    new["edit_date"] = now()
    entry.message, entry.edited, entry.markup = new, True, markup
    if mode is not None or "text" in changes or "caption" in changes:
        entry.parse_mode = mode
    sb.world.touch(log, entry)
    return new


async def edit_message_text(sb: Sandbox, args: dict[str, Any]) -> Any:
    """editMessageText: replace the text (and the inline keyboard, removed when not given)."""
    text, entities, mode = _formatted(args, "text", "entities")
    check_text(text)
    markup = _markup(args, inline_only=True)
    log, entry = _editable(sb, args)
    if "text" not in entry.message:
        raise bad_request("there is no text in the message to edit")
    changes = _content({}, "text", text, entities, markup)
    return _apply_edit(sb, log, entry, changes, ("text", "entities", "reply_markup"), markup, mode)


async def edit_message_caption(sb: Sandbox, args: dict[str, Any]) -> Any:
    """editMessageCaption: replace the caption of a document or photo."""
    caption, entities, mode = _formatted(args, "caption", "caption_entities")
    check_text(caption, caption=True)
    markup = _markup(args, inline_only=True)
    log, entry = _editable(sb, args)
    if "text" in entry.message:
        raise bad_request("there is no caption in the message to edit")
    changes = _content({}, "caption", caption, entities, markup)
    return _apply_edit(sb, log, entry, changes, ("caption", "caption_entities", "reply_markup"), markup, mode)


async def edit_message_reply_markup(sb: Sandbox, args: dict[str, Any]) -> Any:
    """editMessageReplyMarkup: replace or remove the inline keyboard."""
    markup = _markup(args, inline_only=True)
    log, entry = _editable(sb, args)
    changes = {"reply_markup": markup} if markup else {}
    return _apply_edit(sb, log, entry, changes, ("reply_markup",), markup, None)


def _delete(sb: Sandbox, log: ChatLog, message_id: int) -> bool:
    entry = log.messages.get(message_id)
    if entry is None or entry.deleted:
        return False
    entry.deleted = True
    sb.world.touch(log, entry)
    return True


async def delete_message(sb: Sandbox, args: dict[str, Any]) -> Any:
    """deleteMessage: mark a message of the chat deleted."""
    if not _delete(sb, _chat(sb, args["chat_id"]), args["message_id"]):
        raise bad_request("message to delete not found")
    return True


async def delete_messages(sb: Sandbox, args: dict[str, Any]) -> Any:
    """deleteMessages: delete 1-100 messages, skipping those that cannot be found."""
    ids = args["message_ids"]
    if not 1 <= len(ids) <= 100 or not all(isinstance(i, int) for i in ids):
        raise bad_request("too many messages to delete" if len(ids) > 100 else "message identifiers are invalid")
    log = _chat(sb, args["chat_id"])
    for message_id in ids:
        _delete(sb, log, message_id)
    return True


async def send_chat_action(sb: Sandbox, args: dict[str, Any]) -> Any:
    """sendChatAction: accept Telegram's action names only."""
    if args["action"] not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    _chat(sb, args["chat_id"])
    return True


async def answer_callback_query(sb: Sandbox, args: dict[str, Any]) -> Any:
    """answerCallbackQuery: record the answer once; a second answer fails as on Telegram."""
    record = sb.world.callbacks.get(args["callback_query_id"])
    if record is None or record.answer is not None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = args.get("text", "")
    if len(text) > 200:
        raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
    record.answer = {"text": text, "show_alert": args.get("show_alert", False), "url": args.get("url"),
                     "cache_time": args.get("cache_time", 0)}
    return True
