"""Command menus (issue 14, item 12): a default menu for languages outside the six, each role's own commands."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import cast

import pytest
from aiogram import Bot
from aiogram.types import BotCommand
from sqlalchemy import String

from bot import telegram
from bot.i18n import Renderer
from bot.telegram import DEFAULT_MENUS, ChatMenus, register_commands
from handlers.commands import commands_for
from models.repositories.base import table_of
from models.tables import Contact
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
    await register_commands(cast(Bot, bot), renderer, default_locale="fr")
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


def test_a_chat_menu_is_registered_again_only_when_role_or_language_changes(renderer: Renderer) -> None:
    menus = ChatMenus()

    def key(role: Role | None, language: str, chose: bool = True) -> str:
        return menus.key(renderer, role, language, chose_language=chose)

    assert menus.needs(1, key(None, "en", False))  # a menu of its own may be left there from before a start
    menus.given(1, key(None, "en", False))
    assert not menus.needs(1, key(None, "en", False))  # then the per-language default menu serves them
    assert not menus.needs(1, key(None, "fr", False))
    assert menus.needs(1, key(None, "fr"))
    assert menus.needs(2, key(Role.coordinator, "ru", False))
    menus.given(2, key(Role.coordinator, "ru"))
    assert not menus.needs(2, key(Role.coordinator, "ru", False))
    assert menus.needs(2, key(Role.coordinator, "fr"))
    assert menus.needs(2, key(Role.focal_point, "ru", False))


def test_a_chat_whose_role_went_goes_back_to_the_default_menus(renderer: Renderer) -> None:
    menus = ChatMenus()
    menus.given(3, menus.key(renderer, Role.coordinator, "ar", chose_language=True))
    assert menus.needs(3, DEFAULT_MENUS)  # revoked, or forgotten: its own menu must go
    menus.given(3, DEFAULT_MENUS)
    assert not menus.needs(3, DEFAULT_MENUS)


def test_a_menu_the_contact_says_the_chat_has_is_not_set_again_after_a_start(renderer: Renderer) -> None:
    menus = ChatMenus()
    focal = menus.key(renderer, Role.focal_point, "es", chose_language=True)
    assert not menus.needs(4, focal, stored=focal)
    assert menus.needs(4, focal, stored=menus.key(renderer, Role.focal_point, "fr", chose_language=True))
    assert menus.needs(4, focal, stored=DEFAULT_MENUS) and menus.needs(4, DEFAULT_MENUS, stored=focal)


def test_the_contacts_record_wins_over_what_this_process_set_unless_it_was_not_written(renderer: Renderer) -> None:
    """A reviewer: another instance set the chat's menu since this one did (its record says so), or this one set it
    and failed to record it (the record is stale): either way one source alone gave the wrong answer."""
    menus = ChatMenus()
    focal = menus.key(renderer, Role.focal_point, "es", chose_language=True)
    menus.given(5, DEFAULT_MENUS)
    assert menus.needs(5, DEFAULT_MENUS, stored=focal), "another instance set a focal point's menu since"
    menus.given(6, focal)
    menus.recorded(6, False)
    assert menus.needs(6, DEFAULT_MENUS, stored=DEFAULT_MENUS), "the record was not written: not believed"
    menus.recorded(6, True)
    assert not menus.needs(6, DEFAULT_MENUS, stored=DEFAULT_MENUS)
    assert menus.needs(7, focal) and not menus.needs(7, focal, stored=focal), "no record: what this process set"


def test_a_menu_key_names_its_role_and_language_and_changes_with_its_commands(renderer: Renderer,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    key = ChatMenus().key(renderer, Role.staff, "zh", chose_language=True)
    assert key.startswith("staff.zh.") and len(key) <= (cast(String, table_of(Contact).c.menu.type).length or 0)
    assert ChatMenus().key(renderer, None, "zh", chose_language=True).startswith("-.zh.")
    assert ChatMenus().key(renderer, Role.staff, "zh", chose_language=True) == key, "the same from a start to the next"
    monkeypatch.setattr(telegram, "commands_for", lambda role: commands_for(role)[:-1])  # a release drops a command
    assert ChatMenus().key(renderer, Role.staff, "zh", chose_language=True) != key


def test_each_role_has_one_find_and_coordinators_the_one_of_their_scope() -> None:
    """A tester: /find worked for coordinators, but neither /help nor the "/" menu said so."""
    finds = {role: [c.description for c in commands_for(role) if c.name == "find"] for role in Role}
    assert finds[Role.coordinator] == ["A pledge of your scope by its reference, with its reports"]
    assert all(len(found) == 1 for role, found in finds.items() if role in (Role.staff, Role.admin, Role.coordinator))


async def test_menus_wanted_are_set_after_the_replies_one_chat_in_order_the_latest_replacing_one_not_begun() -> None:
    menus, done = ChatMenus(), []

    def setting(what: str, taken: bool = True) -> Callable[[], Awaitable[bool]]:
        async def run() -> bool:
            if what == "broken":
                raise RuntimeError("a bug")
            done.append(what)
            return taken
        return run

    menus.want(1, "a", setting("1:a"))
    menus.want(2, "x", setting("broken"))
    menus.want(3, "y", setting("3:y"))
    menus.want(1, "b", setting("1:b"))  # the person changed language again before the first was set
    assert done == [] and not menus.needs(1, "b") and menus.needs(1, "a"), "nothing yet: the replies go first"
    await menus.settled()
    assert done == ["3:y", "1:b"], "one failing does not stop the others"
    assert not menus.needs(1, "b") and menus.needs(2, "x"), "what failed is wanted again"
    menus.want(4, "z", setting("4:z", taken=False))  # refused (a 429, say)
    await menus.settled()
    assert done == ["3:y", "1:b", "4:z"], "a setter is started again for later ones"
    assert menus.needs(4, "z"), "not taken: the next update tries again"


async def test_menus_not_set_in_time_at_a_stop_are_given_up() -> None:
    menus, started, done = ChatMenus(), asyncio.Event(), []

    async def hanging() -> bool:
        started.set()
        await asyncio.sleep(60)
        return True

    async def quick() -> bool:
        done.append("quick")
        return True

    menus.want(5, "a", hanging)
    menus.want(6, "b", quick)
    async with asyncio.timeout(5):
        await menus.settled(timeout=0.2)
        assert started.is_set()
        await menus.settled()  # nothing left to wait for
    assert done == [], "given up, to be set after the next start"
    menus.want(7, "c", quick)
    await menus.settled()
    assert done == ["quick"]


async def test_a_chat_without_a_menu_is_logged_with_its_contact(renderer: Renderer,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    """An operator: "no command menu for a chat … chat not found" at every start, and nothing said whose chat it was
    (a staff member who never opened the bot)."""
    from aiogram.exceptions import TelegramBadRequest
    from aiogram.methods import SetMyCommands

    class Unopened(MenuBot):
        async def set_my_commands(self, commands: list[BotCommand], scope: object = None,
                                  language_code: str | None = None) -> bool:
            raise TelegramBadRequest(SetMyCommands(commands=commands), "Bad Request: chat not found")

    with caplog.at_level("WARNING", logger="bot.telegram"):
        taken = await telegram.register_chat_menu(cast(Bot, Unopened()), renderer, 4242, "en", Role.staff,
                                                  contact_id=17)
    assert not taken
    (record,) = [r for r in caplog.records if r.getMessage() == "no command menu for a chat"]
    assert record.__dict__["contact_id"] == 17 and "chat not found" in record.__dict__["reason"]
