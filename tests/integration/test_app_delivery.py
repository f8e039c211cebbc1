"""Between an update and the rest of the process: replies are handed over at once; delivery looks at the
outbox only when the update left rows there for it (a claim is a transaction of its own); a burst of
updates does not open connections beyond the pool."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest
from aiogram import Bot
from aiogram.types import BotCommand
from chat_driver import confirm
from sqlalchemy import event

from bot.app import App
from bot.config import Settings
from bot.delivery import DeliveryWorker
from bot.i18n import Renderer
from handlers import outbox, router
from handlers.broadcasts.service import CreateBroadcast, create_broadcast
from handlers.conversation import Conversation, Deps
from handlers.inputs import Incoming, Person
from handlers.messages import Reply, Text
from models.clock import utcnow
from models.database import Database
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


def app_of(database: Database, deps: Deps, renderer: Renderer, delivery: Delivery, bot: MenuBot | None = None) -> App:
    return App(cast(Settings, None), database, renderer, deps, cast(Bot, bot or MenuBot()),
               cast(DeliveryWorker, delivery))


async def answer(database: Database, deps: Deps, renderer: Renderer, text: str) -> Delivery:
    delivery = Delivery()
    app = app_of(database, deps, renderer, delivery)
    await app.on_incoming(Incoming.from_text(1, Person(41, 41, "Noor", None, None, "ar"), text, utcnow()))
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
    await app.on_incoming(Incoming.from_text(701, coordinator, "what?", utcnow()))
    await app.on_incoming(Incoming.from_text(702, coordinator, "what again?", utcnow()))
    assert len(bot.menus) == 1, "once per person and process, not on every update"
    chat_id, _, commands = bot.menus[0]
    assert chat_id == 61 and {"mypledges", "digest", "export"} <= set(commands) and "pledge" not in commands
    await app.on_incoming(Incoming(703, coordinator, utcnow(), code="lang:fr"))
    assert len(bot.menus) == 2, "the menu follows /language at once"
    stranger = Person(62, 62, "Ama", None, None, "es")
    await app.on_incoming(Incoming.from_text(704, stranger, "what?", utcnow()))
    await app.on_incoming(Incoming.from_text(705, stranger, "what again?", utcnow()))
    assert len(bot.menus) == 2, "people with no role and no chosen language have the per-language default menu"
    assert bot.deleted == [62], "a menu of their own left from before a restart is deleted, once a process"


async def test_a_forgotten_persons_chat_loses_its_menu(database: Database, deps: Deps, renderer: Renderer) -> None:
    """A tester's coordinator used /forget, then picked /digest from the menu his chat kept: "Sorry, you are not
    allowed to do that", for good."""
    bot = MenuBot()
    app = app_of(database, deps, renderer, Delivery(), bot)
    async with database.uow() as uow:
        uow.session.add(Contact(telegram_id=63, chat_id=63, first_name="Omar", role=Role.coordinator, language="ar"))
        await uow.commit()
    omar = Person(63, 63, "Omar", None, None, "ar")
    await app.on_incoming(Incoming.from_text(711, omar, "/forget", utcnow()))
    assert [chat for chat, _, _ in bot.menus] == [63] and bot.deleted == []
    await app.on_incoming(Incoming(712, omar, utcnow(), code=confirm("me:forget:yes")))
    assert bot.deleted == [63]
