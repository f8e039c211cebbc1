"""Between an update and the rest of the process: replies are handed over at once; delivery looks at the
outbox only when the update left rows there for it (a claim is a transaction of its own); a burst of
updates does not open connections beyond the pool."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import GetMyCommands, SetMyCommands
from aiogram.types import BotCommand
from chat_driver import confirm
from sqlalchemy import event

from bot.app import App
from bot.config import Settings
from bot.delivery import DeliveryWorker
from bot.i18n import Renderer
from bot.telegram import DEFAULT_MENUS, server_keeps_menus
from handlers import outbox, router
from handlers.broadcasts.service import CreateBroadcast, create_broadcast
from handlers.conversation import Conversation, Deps
from handlers.inputs import Incoming, Person
from handlers.messages import Reply, Text
from models.clock import utcnow
from models.database import Database
from models.repositories.contacts import Contacts
from models.repositories.outbox import OutboxRows
from models.tables import Contact
from models.values import Role


class Delivery:
    """Stands in for the DeliveryWorker: what the app hands it, and how often it is told to look."""

    def __init__(self) -> None:
        self.pushed: list[outbox.Queued] = []
        self.woken = 0

    def push(self, items: list[outbox.Queued]) -> None:
        self.pushed.extend(items)

    def wake(self) -> None:
        self.woken += 1


class MenuBot:
    """Stands in for aiogram's Bot: records the command menus registered."""

    def __init__(self) -> None:
        self.menus: list[tuple[int | None, str | None, list[str]]] = []
        self.deleted: list[int | None] = []

    async def set_my_commands(self, commands: list[BotCommand], scope: object = None,
                              language_code: str | None = None) -> bool:
        self.menus.append((getattr(scope, "chat_id", None), language_code, [c.command for c in commands]))
        return True

    async def delete_my_commands(self, scope: object = None, language_code: str | None = None) -> bool:
        self.deleted.append(getattr(scope, "chat_id", None))
        return True

    async def get_my_commands(self, scope: object = None, language_code: str | None = None) -> list[BotCommand]:
        found = [c for chat, language, c in self.menus if chat is None and language == language_code]
        return [BotCommand(command=name, description=name) for name in found[-1]] if found else []


def app_of(database: Database, deps: Deps, renderer: Renderer, delivery: Delivery, bot: MenuBot | None = None) -> App:
    return App(cast(Settings, None), database, renderer, deps, cast(Bot, bot or MenuBot()),
               cast(DeliveryWorker, delivery))


async def told(app: App, incoming: Incoming) -> None:
    """The update handled, and the command menu it wanted set."""
    await app.on_incoming(incoming)
    await app.menus.settled()


async def answer(database: Database, deps: Deps, renderer: Renderer, text: str) -> Delivery:
    delivery = Delivery()
    app = app_of(database, deps, renderer, delivery)
    await told(app, Incoming.from_text(1, Person(41, 41, "Noor", None, None, "ar"), text, utcnow()))
    return delivery


async def test_a_burst_of_updates_stays_within_the_pool(database: Database, deps: Deps, renderer: Renderer) -> None:
    await database.open_pool()
    opened: list[object] = []
    event.listen(database.engine.sync_engine, "connect", lambda connection, record: opened.append(connection))
    delivery = Delivery()
    app = app_of(database, deps, renderer, delivery)
    people = [Person(500 + n, 500 + n, "Ama", None, None, "fr") for n in range(40)]
    await asyncio.gather(*(app.on_incoming(Incoming.from_text(n + 1, person, "/help", utcnow()))
                           for n, person in enumerate(people)))
    await app.menus.settled()  # their menus too (each recorded in a unit of work of its own)
    assert len(delivery.pushed) == 40, "everyone is answered"
    assert opened == [], "no connection opened (and closed) beyond the pool's"


async def test_a_reply_is_handed_over_without_a_claim(database: Database, deps: Deps, renderer: Renderer) -> None:
    delivery = await answer(database, deps, renderer, "/help")
    assert len(delivery.pushed) == 1 and delivery.woken == 0


async def test_rows_left_in_the_outbox_wake_delivery(database: Database, deps: Deps, renderer: Renderer,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    async def help_and_notice(conv: Conversation, incoming: Incoming) -> None:
        conv.say(Reply((Text("Yes"),)))
        await outbox.enqueue(conv.session, conv.contact, Reply((Text("No"),)), "notice:1", priority=outbox.NOTICE)

    monkeypatch.setitem(router.COMMANDS, "help", help_and_notice)
    delivery = await answer(database, deps, renderer, "/help")
    assert len(delivery.pushed) == 1 and delivery.woken == 1


async def test_an_apology_wakes_delivery(database: Database, deps: Deps, renderer: Renderer,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    async def failing(conv: Conversation, incoming: Incoming) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setitem(router.COMMANDS, "help", failing)
    delivery = await answer(database, deps, renderer, "/help")
    assert delivery.pushed == [] and delivery.woken == 1


async def test_only_rows_left_to_delivery_count(database: Database) -> None:
    async with database.uow() as uow:
        contact = Contact(telegram_id=42, chat_id=42, first_name="Ana", language="es", role=Role.focal_point,
                          consent_at=utcnow())
        uow.session.add(contact)
        await uow.session.flush()
        await outbox.enqueue(uow.session, contact, Reply((Text("Yes"),)), "r:1", sending=True)
        assert not OutboxRows(uow.session).left_for_delivery(), "taken by delivery already: nothing to claim"
        await outbox.enqueue(uow.session, contact, Reply((Text("Yes"),)), "r:1")
        assert not OutboxRows(uow.session).left_for_delivery(), "the same key again adds no row"
        broadcast = await create_broadcast(uow.session, CreateBroadcast(["everyone"], {"es": "Hola"}), utcnow(),
                                           utcnow().date(), "en")
        assert broadcast.recipients == 1
        assert OutboxRows(uow.session).left_for_delivery(), "a broadcast sent now leaves a row per recipient"


async def test_the_command_menu_is_set_once_per_person_and_follows_role_and_language(
        database: Database, deps: Deps, renderer: Renderer) -> None:
    bot = MenuBot()
    app = app_of(database, deps, renderer, Delivery(), bot)
    async with database.uow() as uow:
        uow.session.add(Contact(telegram_id=61, chat_id=61, first_name="Cora", role=Role.coordinator))
        await uow.commit()
    coordinator = Person(61, 61, "Cora", None, None, "ru")
    await told(app, Incoming.from_text(701, coordinator, "what?", utcnow()))
    await told(app, Incoming.from_text(702, coordinator, "what again?", utcnow()))
    assert len(bot.menus) == 1, "once per person and process, not on every update"
    chat_id, _, commands = bot.menus[0]
    assert chat_id == 61 and {"mypledges", "digest", "export"} <= set(commands) and "pledge" not in commands
    await told(app, Incoming(703, coordinator, utcnow(), code="lang:fr"))
    assert len(bot.menus) == 2, "the menu follows /language at once"
    stranger = Person(62, 62, "Ama", None, None, "es")
    await told(app, Incoming.from_text(704, stranger, "what?", utcnow()))
    await told(app, Incoming.from_text(705, stranger, "what again?", utcnow()))
    assert len(bot.menus) == 2, "people with no role and no chosen language have the per-language default menu"
    assert bot.deleted == [62], "a menu of their own left from before a restart is deleted, once a process"


async def menu_of(database: Database, telegram_id: int) -> str | None:
    async with database.uow() as uow:
        contact = await Contacts(uow.session).by_telegram_id(telegram_id)
        assert contact is not None
        return contact.menu


async def test_a_restart_sets_no_menu_the_chat_has_and_a_fresh_server_gets_each_again(
        database: Database, deps: Deps, renderer: Renderer) -> None:
    """Every person's first update after every start cost a Bot API call (1.3 ms of the bot's CPU, and the server's
    time), beside their first answer: the first answers after a deploy waited behind them."""
    async with database.uow() as uow:
        uow.session.add(Contact(telegram_id=64, chat_id=64, first_name="Lina", role=Role.focal_point, language="es",
                                consent_at=utcnow()))
        await uow.commit()
    lina, stranger = Person(64, 64, "Lina", None, None, "es"), Person(65, 65, "Ama", None, None, "fr")
    bot = MenuBot()
    first = app_of(database, deps, renderer, Delivery(), bot)
    await told(first, Incoming.from_text(721, lina, "/mypledges", utcnow()))
    await told(first, Incoming.from_text(722, stranger, "what?", utcnow()))
    assert [chat for chat, _, _ in bot.menus] == [64] and bot.deleted == [65]
    assert await menu_of(database, 64) == first.menus.key(renderer, Role.focal_point, "es", chose_language=True)
    assert await menu_of(database, 65) == DEFAULT_MENUS

    restarted = app_of(database, deps, renderer, Delivery(), bot)
    await told(restarted, Incoming.from_text(723, lina, "/mypledges", utcnow()))
    await told(restarted, Incoming.from_text(724, stranger, "what?", utcnow()))
    assert [chat for chat, _, _ in bot.menus] == [64] and bot.deleted == [65], "what the contacts say is set stays"
    await told(restarted, Incoming.from_text(725, lina, "/start", utcnow()))
    assert [chat for chat, _, _ in bot.menus] == [64, 64], "/start sets it again all the same"

    async with database.uow() as uow:  # as a start finding a server that kept no menu does (bot.app.prepare)
        assert await Contacts(uow.session).menus_forgotten() == 2
        await uow.commit()
    afresh = app_of(database, deps, renderer, Delivery(), bot)
    await told(afresh, Incoming.from_text(726, lina, "/mypledges", utcnow()))
    await told(afresh, Incoming.from_text(727, lina, "/settings", utcnow()))
    assert [chat for chat, _, _ in bot.menus] == [64, 64, 64], "set again, once"


class FailingMenuBot(MenuBot):
    async def set_my_commands(self, commands: list[BotCommand], scope: object = None,
                              language_code: str | None = None) -> bool:
        raise TelegramNetworkError(method=SetMyCommands(commands=commands), message="down")

    async def get_my_commands(self, scope: object = None, language_code: str | None = None) -> list[BotCommand]:
        raise TelegramNetworkError(method=GetMyCommands(), message="down")


async def set_role(database: Database, telegram_id: int, role: Role | None) -> None:
    """As staff or the command line change someone's role: their menu changes at their next update."""
    async with database.uow() as uow:
        contact = await Contacts(uow.session).by_telegram_id(telegram_id)
        assert contact is not None
        contact.role = role
        await uow.commit()


async def test_two_instances_follow_the_contacts_record_of_the_menu(
        database: Database, deps: Deps, renderer: Renderer) -> None:
    """A reviewer: an instance believed the menu it had set itself, while another had set a different one since."""
    bot = MenuBot()
    one, two = (app_of(database, deps, renderer, Delivery(), bot) for _ in range(2))
    ama = Person(67, 67, "Ama", None, None, "fr")
    await told(one, Incoming.from_text(741, ama, "bonjour", utcnow()))
    assert bot.deleted == [67]
    await set_role(database, 67, Role.coordinator)
    await told(two, Incoming.from_text(742, ama, "bonjour", utcnow()))
    assert [chat for chat, _, _ in bot.menus] == [67]
    await set_role(database, 67, None)  # revoked: her next update reaches the first instance
    await told(one, Incoming.from_text(743, ama, "bonjour", utcnow()))
    assert bot.deleted == [67, 67], "the coordinator's menu goes, although this instance had set the default"


async def test_a_menu_set_but_not_recorded_is_judged_by_what_was_set(
        database: Database, deps: Deps, renderer: Renderer, monkeypatch: pytest.MonkeyPatch) -> None:
    bot = MenuBot()
    app = app_of(database, deps, renderer, Delivery(), bot)
    omar = Person(68, 68, "Omar", None, None, "ar")
    await told(app, Incoming.from_text(751, omar, "مرحبا", utcnow()))
    assert bot.deleted == [68] and await menu_of(database, 68) == DEFAULT_MENUS
    await set_role(database, 68, Role.coordinator)

    async def down(self: Contacts, contact_id: int, menu: str | None) -> None:
        raise ConnectionError("the database is away")

    with monkeypatch.context() as patched:
        patched.setattr(Contacts, "menu_set", down)
        await told(app, Incoming.from_text(752, omar, "مرحبا", utcnow()))
    assert [chat for chat, _, _ in bot.menus] == [68] and await menu_of(database, 68) == DEFAULT_MENUS
    await set_role(database, 68, None)
    await told(app, Incoming.from_text(753, omar, "مرحبا", utcnow()))
    assert bot.deleted == [68, 68], "the record says the default menu, but the coordinator's was set since"


async def test_a_menu_not_set_is_not_recorded_and_the_next_start_sets_it(
        database: Database, deps: Deps, renderer: Renderer) -> None:
    async with database.uow() as uow:
        uow.session.add(Contact(telegram_id=66, chat_id=66, first_name="Zhou", role=Role.coordinator, language="zh"))
        await uow.commit()
    zhou = Person(66, 66, "Zhou", None, None, "zh")
    failing = app_of(database, deps, renderer, Delivery(), FailingMenuBot())
    delivery = failing.delivery
    await told(failing, Incoming.from_text(731, zhou, "what?", utcnow()))
    assert len(cast(Delivery, delivery).pushed) == 1, "answered all the same"
    assert await menu_of(database, 66) is None
    bot = MenuBot()
    await told(app_of(database, deps, renderer, Delivery(), bot), Incoming.from_text(732, zhou, "hm", utcnow()))
    assert [chat for chat, _, _ in bot.menus] == [66]
    assert await menu_of(database, 66) is not None


async def test_the_default_menu_on_the_server_says_whether_it_kept_the_chats_menus() -> None:
    bot = MenuBot()
    assert not await server_keeps_menus(cast(Bot, bot)), "a server started afresh"
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    assert await server_keeps_menus(cast(Bot, bot))
    assert not await server_keeps_menus(cast(Bot, FailingMenuBot())), "unknown: set them again"


async def test_a_forgotten_persons_chat_loses_its_menu(database: Database, deps: Deps, renderer: Renderer) -> None:
    """A tester's coordinator used /forget, then picked /digest from the menu his chat kept: "Sorry, you are not
    allowed to do that", for good."""
    bot = MenuBot()
    app = app_of(database, deps, renderer, Delivery(), bot)
    async with database.uow() as uow:
        uow.session.add(Contact(telegram_id=63, chat_id=63, first_name="Omar", role=Role.coordinator, language="ar"))
        await uow.commit()
    omar = Person(63, 63, "Omar", None, None, "ar")
    await told(app, Incoming.from_text(711, omar, "/forget", utcnow()))
    assert [chat for chat, _, _ in bot.menus] == [63] and bot.deleted == []
    await told(app, Incoming(712, omar, utcnow(), code=confirm("me:forget:yes")))
    assert bot.deleted == [63]
