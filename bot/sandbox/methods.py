"""The Bot API method table: names, parameters, types, required flags, and their handlers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox import api_messages, api_settings, api_updates
from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.runtime import Sandbox
from bot.sandbox.state import Upload

Handler = Callable[[Sandbox, dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a method, typed as the official table writes it ("Integer", "Array of String")."""

    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """A Bot API method the sandbox implements."""

    name: str
    params: tuple[Param, ...]
    handler: Handler
    by_name: dict[str, Param] = field(init=False, repr=False, compare=False)
    required: tuple[Param, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {param.name: param for param in self.params})
        object.__setattr__(self, "required", tuple(param for param in self.params if param.required))


def _params(spec: str) -> tuple[Param, ...]:
    """Parse "name: Type|Type!, name: Array of X" (a trailing ! marks a required parameter)."""
    out = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, types = (piece.strip() for piece in item.partition(":"))
        required = types.endswith("!")
        out.append(Param(name, tuple(types.rstrip("!").split("|")), required))
    return tuple(out)


_MARKUP = "InlineKeyboardMarkup|ReplyKeyboardMarkup|ReplyKeyboardRemove|ForceReply"
_HEAD = ("business_connection_id: String, chat_id: Integer|String!, message_thread_id: Integer,"
         " direct_messages_topic_id: Integer,")
_TAIL = ("disable_notification: Boolean, protect_content: Boolean, allow_paid_broadcast: Boolean,"
         " message_effect_id: String, suggested_post_parameters: SuggestedPostParameters,"
         f" reply_parameters: ReplyParameters, reply_markup: {_MARKUP}")
_EDIT_TARGET = ("business_connection_id: String, chat_id: Integer|String, message_id: Integer,"
                " inline_message_id: String,")
_SCOPE = "scope: BotCommandScope, language_code: String"

_SPECS: list[tuple[str, str, Handler]] = [
    ("getMe", "", api_updates.get_me),
    ("logOut", "", api_updates.log_out),
    ("close", "", api_updates.close),
    ("getUpdates", "offset: Integer, limit: Integer, timeout: Integer, allowed_updates: Array of String",
     api_updates.get_updates),
    ("setWebhook", "url: String!, certificate: InputFile, ip_address: String, max_connections: Integer,"
     " allowed_updates: Array of String, drop_pending_updates: Boolean, secret_token: String",
     api_updates.set_webhook),
    ("deleteWebhook", "drop_pending_updates: Boolean", api_updates.delete_webhook),
    ("getWebhookInfo", "", api_updates.get_webhook_info),
    ("sendMessage", f"{_HEAD} text: String!, parse_mode: String, entities: Array of MessageEntity,"
     f" link_preview_options: LinkPreviewOptions, {_TAIL}", api_messages.send_message),
    ("sendDocument", f"{_HEAD} document: InputFile|String!, thumbnail: InputFile|String, caption: String,"
     " parse_mode: String, caption_entities: Array of MessageEntity,"
     f" disable_content_type_detection: Boolean, {_TAIL}", api_messages.send_document),
    ("sendPhoto", f"{_HEAD} photo: InputFile|String!, caption: String, parse_mode: String,"
     " caption_entities: Array of MessageEntity, show_caption_above_media: Boolean, has_spoiler: Boolean,"
     f" {_TAIL}", api_messages.send_photo),
    ("sendVideo", f"{_HEAD} video: InputFile|String!, duration: Integer, width: Integer, height: Integer,"
     " thumbnail: InputFile|String, cover: InputFile|String, start_timestamp: Integer, caption: String,"
     " parse_mode: String, caption_entities: Array of MessageEntity, show_caption_above_media: Boolean,"
     f" has_spoiler: Boolean, supports_streaming: Boolean, {_TAIL}", api_messages.send_video),
    ("editMessageText", f"{_EDIT_TARGET} text: String, parse_mode: String, entities: Array of MessageEntity,"
     " link_preview_options: LinkPreviewOptions, rich_message: InputRichMessage,"
     " reply_markup: InlineKeyboardMarkup", api_messages.edit_message_text),
    ("editMessageCaption", f"{_EDIT_TARGET} caption: String, parse_mode: String,"
     " caption_entities: Array of MessageEntity, show_caption_above_media: Boolean,"
     " reply_markup: InlineKeyboardMarkup", api_messages.edit_message_caption),
    ("editMessageReplyMarkup", f"{_EDIT_TARGET} reply_markup: InlineKeyboardMarkup",
     api_messages.edit_message_reply_markup),
    ("deleteMessage", "chat_id: Integer|String!, message_id: Integer!", api_messages.delete_message),
    ("deleteMessages", "chat_id: Integer|String!, message_ids: Array of Integer!", api_messages.delete_messages),
    ("sendChatAction", "business_connection_id: String, chat_id: Integer|String!, message_thread_id: Integer,"
     " action: String!", api_messages.send_chat_action),
    ("answerCallbackQuery", "callback_query_id: String!, text: String, show_alert: Boolean, url: String,"
     " cache_time: Integer", api_messages.answer_callback_query),
    ("getFile", "file_id: String!", api_settings.get_file),
    ("setMyCommands", f"commands: Array of BotCommand!, {_SCOPE}", api_settings.set_my_commands),
    ("getMyCommands", _SCOPE, api_settings.get_my_commands),
    ("deleteMyCommands", _SCOPE, api_settings.delete_my_commands),
    ("setChatMenuButton", "chat_id: Integer, menu_button: MenuButton", api_settings.set_chat_menu_button),
    ("getChatMenuButton", "chat_id: Integer", api_settings.get_chat_menu_button),
]

METHODS: dict[str, MethodSpec] = {
    name.lower(): MethodSpec(name, _params(spec), handler) for name, spec, handler in _SPECS
}

# Telegram's own words for some missing parameters; others get the generic text
_MISSING = {
    "chat_id": "chat_id is empty",
    "text": "message text is empty",
    "document": "there is no document in the request",
    "photo": "there is no photo in the request",
    "video": "there is no video in the request",
    "message_id": "message identifier is not specified",
    "callback_query_id": "query_id is empty",
    "file_id": "file_id is empty",
    "action": "action is empty",
}
_PLAIN = {"Integer", "Float", "Boolean", "String", "InputFile"}


def coerce_args(spec: MethodSpec, raw: dict[str, Any]) -> dict[str, Any]:
    """Check required parameters and convert values to their declared types, as Telegram does."""
    for param in spec.required:
        value = raw.get(param.name)
        if value is None or value == "":
            raise bad_request(_MISSING.get(param.name, f'parameter "{param.name}" is required'))
    args: dict[str, Any] = {}
    for name, value in raw.items():  # usually far fewer than the method's parameters
        known = spec.by_name.get(name)
        if known is None or value is None or value == "":
            continue  # Telegram ignores unknown parameters and treats empty ones as absent
        if isinstance(value, str) and value.startswith("attach://") and "InputFile" in known.types:
            value = raw.get(value[len("attach://"):])
            if not isinstance(value, Upload):
                raise bad_request(f'file "{name}" must be uploaded as a part named in attach://')
        args[name] = _coerce(known, value)
    return args


def _coerce(param: Param, value: Any) -> Any:
    types = param.types
    kind = types[0]
    if len(types) == 1 and kind in _PLAIN:
        converted = _plain(kind, value)
        if converted is not None:
            return converted
    elif types == ("Integer", "String"):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            return _plain("Integer", value) if value.lstrip("-").isdigit() else value
    elif types == ("InputFile", "String"):
        if isinstance(value, Upload | str):
            return value
    else:  # objects and arrays, given as JSON or as a JSON-serialized string
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise _type_error(param) from None
        if isinstance(value, list if kind.startswith("Array of") else dict):
            return value
    raise _type_error(param)


def _plain(kind: str, value: Any) -> Any:
    if kind == "String":
        if isinstance(value, str):
            return value
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    if kind == "Integer":
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        return None
    if kind == "Boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        return True if text in ("true", "1") else False if text in ("false", "0") else None
    if kind == "Float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    return value if isinstance(value, Upload) else None


def _type_error(param: Param) -> ApiError:
    if param.name == "reply_markup":
        return bad_request("can't parse reply keyboard markup JSON object")
    if param.name in ("entities", "caption_entities"):
        return bad_request("can't parse entities JSON object")
    return bad_request(f'field "{param.name}" must be of type {" or ".join(param.types)}')
