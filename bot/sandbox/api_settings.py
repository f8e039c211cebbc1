"""Bot API handlers for files, commands and the menu button."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.errors import bad_request, chat_not_found
from bot.sandbox.runtime import MAX_FILE_BYTES, Sandbox

MAX_DOWNLOAD = MAX_FILE_BYTES
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE = re.compile(r"[a-z]{2}")
_SCOPES = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
           "chat_administrators", "chat_member"}
_MENU_TYPES = {"commands", "web_app", "default"}


async def get_file(sb: Sandbox, args: dict[str, Any]) -> Any:
    """getFile: the File object with the file_path served at /file/bot<token>/<file_path>."""
    stored = sb.world.files.get(args["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.data) > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": len(stored.data),
            "file_path": stored.file_path}


def _scope_key(sb: Sandbox, args: dict[str, Any]) -> tuple[str, str]:
    scope = args.get("scope") or {"type": "default"}
    kind = scope.get("type")
    if kind not in _SCOPES:
        raise bad_request("unsupported bot command scope type")
    key = kind
    if kind.startswith("chat"):
        chat_id = scope.get("chat_id")
        if chat_id not in sb.world.chats:
            raise chat_not_found()
        key += f":{chat_id}"
        if kind == "chat_member":
            key += f":{scope.get('user_id')}"
    language = args.get("language_code", "")
    if language and not _LANGUAGE.fullmatch(language):
        raise bad_request("invalid language code specified")
    return key, language


async def set_my_commands(sb: Sandbox, args: dict[str, Any]) -> Any:
    """setMyCommands: keep up to 100 commands for a scope and language."""
    commands = args["commands"]
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    clean = []
    for item in commands:
        if not isinstance(item, dict) or not isinstance(item.get("command"), str):
            raise bad_request("can't parse BotCommand: field \"command\" must be of type String")
        description = item.get("description")
        if not _COMMAND.fullmatch(item["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        clean.append({"command": item["command"], "description": description})
    key = _scope_key(sb, args)
    if clean:
        sb.world.commands[key] = clean
    else:
        sb.world.commands.pop(key, None)
    return True


async def get_my_commands(sb: Sandbox, args: dict[str, Any]) -> Any:
    """getMyCommands: the commands of exactly that scope and language."""
    return sb.world.commands.get(_scope_key(sb, args), [])


async def delete_my_commands(sb: Sandbox, args: dict[str, Any]) -> Any:
    """deleteMyCommands: forget the commands of that scope and language."""
    sb.world.commands.pop(_scope_key(sb, args), None)
    return True


async def set_chat_menu_button(sb: Sandbox, args: dict[str, Any]) -> Any:
    """setChatMenuButton: the menu button of one private chat, or the bot's default."""
    button = args.get("menu_button") or {"type": "default"}
    kind = button.get("type")
    if kind not in _MENU_TYPES:
        raise bad_request("unsupported menu button type")
    if kind == "web_app" and (not button.get("text") or not isinstance(button.get("web_app"), dict)):
        raise bad_request("can't parse menu button: text and web_app are required")
    chat_id = args.get("chat_id")
    if chat_id is not None and chat_id not in sb.world.chats:
        raise chat_not_found()
    if kind == "default":
        sb.world.menu_buttons.pop(chat_id, None)
    else:
        sb.world.menu_buttons[chat_id] = button
    return True


async def get_chat_menu_button(sb: Sandbox, args: dict[str, Any]) -> Any:
    """getChatMenuButton: the chat's button, else the bot's default, else the commands menu."""
    chat_id = args.get("chat_id")
    if chat_id is not None and chat_id not in sb.world.chats:
        raise chat_not_found()
    buttons = sb.world.menu_buttons
    return buttons.get(chat_id) or buttons.get(None) or {"type": "commands"}
