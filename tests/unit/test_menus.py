"""Command menus (issue 14, item 12): a default menu for languages outside the six, each role's own commands."""

from __future__ import annotations

from typing import cast

import pytest
from aiogram import Bot
from aiogram.types import BotCommand

from bot.i18n import Renderer
from bot.telegram import ChatMenus, register_commands
from handlers.commands import commands_for
from models.values import LANGUAGES, Role


class MenuBot:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None, list[BotCommand]]] = []

    async def set_my_commands(self, commands: list[BotCommand], scope: object = None,
                              language_code: str | None = None) -> bool:
        self.calls.append((type(scope).__name__, language_code, commands))
        return True


async def test_a_default_menu_covers_languages_outside_the_six(renderer: Renderer) -> None:
    bot = MenuBot()
    await register_commands(cast(Bot, bot), renderer, [], default_locale="fr")
    defaults = {language: commands for scope, language, commands in bot.calls if scope == "BotCommandScopeDefault"}
    assert set(defaults) == {*LANGUAGES, None}
    assert [c.description for c in defaults[None]] == [c.description for c in defaults["fr"]]


@pytest.mark.parametrize(("role", "has", "has_not"), [
    (None, {"start", "help", "language", "settings", "cancel"}, {"pledge", "mypledges", "digest", "pending"}),
    (Role.focal_point, {"pledge", "mypledges", "report"}, {"digest", "pending", "broadcast"}),
    (Role.coordinator, {"mypledges", "digest", "export", "find"}, {"pledge", "report", "pending", "broadcast"}),
    (Role.staff, {"pending", "digest", "export", "broadcast", "inactive", "scope"}, {"pledge", "report"}),
])
def test_each_role_sees_its_own_commands(role: Role | None, has: set[str], has_not: set[str]) -> None:
    names = {command.name for command in commands_for(role)}
    assert has <= names and not (has_not & names)


def test_a_chat_menu_is_registered_again_only_when_role_or_language_changes() -> None:
    menus = ChatMenus()
    assert menus.needs(1, None, "en", chose_language=False)  # a menu of its own may be left there from before a start
    menus.given(1, None, "en", chose_language=False)
    assert not menus.needs(1, None, "en", chose_language=False)  # then the per-language default menu serves them
    assert not menus.needs(1, None, "fr", chose_language=False)
    assert menus.needs(1, None, "fr", chose_language=True)
    assert menus.needs(2, Role.coordinator, "ru", chose_language=False)
    menus.given(2, Role.coordinator, "ru")
    assert not menus.needs(2, Role.coordinator, "ru", chose_language=False)
    assert menus.needs(2, Role.coordinator, "fr", chose_language=True)
    assert menus.needs(2, Role.focal_point, "ru", chose_language=False)


def test_a_chat_whose_role_went_goes_back_to_the_default_menus() -> None:
    menus = ChatMenus()
    menus.given(3, Role.coordinator, "ar")
    assert menus.needs(3, None, "ar", chose_language=False)  # revoked, or forgotten: its own menu must go
    menus.given(3, None, "ar", chose_language=False)
    assert not menus.needs(3, None, "ar", chose_language=False)


def test_each_role_has_one_find_and_coordinators_the_one_of_their_scope() -> None:
    """A tester: /find worked for coordinators, but neither /help nor the "/" menu said so."""
    finds = {role: [c.description for c in commands_for(role) if c.name == "find"] for role in Role}
    assert finds[Role.coordinator] == ["A pledge of your scope by its reference, with its reports"]
    assert all(len(found) == 1 for role, found in finds.items() if role in (Role.staff, Role.admin, Role.coordinator))
