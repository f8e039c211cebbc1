"""The sandbox's method table matches the official Bot API table, method by method."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.methods import METHODS, MethodSpec

SPECS = sorted(METHODS.values(), key=lambda spec: spec.name)


def test_sandbox_implements_what_the_design_requires() -> None:
    required = {"getMe", "getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo", "sendMessage",
                "editMessageText", "editMessageReplyMarkup", "deleteMessage", "answerCallbackQuery",
                "sendDocument", "sendPhoto", "getFile", "sendChatAction", "setMyCommands", "getMyCommands",
                "deleteMyCommands", "setChatMenuButton"}
    assert required <= {spec.name for spec in SPECS}


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_method_matches_official_table(spec: MethodSpec, api_table: dict[str, Any]) -> None:
    official = api_table["methods"].get(spec.name)
    assert official is not None, f"{spec.name} is not a Bot API method ({api_table['version']})"
    theirs = {f["name"]: (tuple(f["types"]), f["required"]) for f in official.get("fields", [])}
    ours = {p.name: (p.types, p.required) for p in spec.params}
    assert ours == theirs


def test_lookup_is_case_insensitive_like_telegram() -> None:
    assert METHODS["sendmessage"].name == "sendMessage"
    assert all(key == spec.name.lower() for key, spec in METHODS.items())
