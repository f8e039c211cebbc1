"""build_app(settings): the one place where everything is wired; and the ways to run it."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from dataclasses import dataclass, field
from decimal import Decimal

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web
from sqlalchemy.exc import DBAPIError

from bot.config import ConfigError, Settings
from bot.delivery import DeliveryWorker
from bot.i18n import Catalogs, Renderer
from bot.logs import contact_id_var
from bot.pacing import PaceLimits, Pacer
from bot.scheduler import build_scheduler, run_when_elected
from bot.schema import ensure_schema
from bot.sender import BotApiSender
from bot.telegram import (
    build_dispatcher,
    keep_response_types,
    register_chat_menu,
    register_commands,
)
from handlers.conversation import Conversation, Deps
from handlers.digests.chart import require_fonts
from handlers.forms.parsing import parse_amount, parse_date
from handlers.inputs import Incoming
from handlers.language import negotiate
from handlers.messages import N_, CountryName, Day, Items, Line, Money, Number, Reply, Text
from handlers.people import role_of, staff_contacts
from handlers.router import apologise, handle
from models.clock import utcnow
from models.database import UPDATES_AT_ONCE, Database
from models.geography import search_countries
from models.repositories.outbox import OutboxRows
from models.values import Role

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything a running bot holds."""

    settings: Settings
    database: Database
    renderer: Renderer
    deps: Deps
    bot: Bot
    delivery: DeliveryWorker
    pinned: list[type] = field(default_factory=keep_response_types)
    handling: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(UPDATES_AT_ONCE))

    async def on_incoming(self, incoming: Incoming) -> None:
        """Answer one update; on failure log it with context and apologise to the person.

        At most UPDATES_AT_ONCE updates are in the database at a time (the pool has a connection for
        each); the others wait their turn. The replies go to delivery at once; delivery looks at the
        outbox only when the update left other rows there (a notice to staff, say), a claim being a
        transaction of its own.
        """
        try:
            async with self.handling:
                conv = await handle_reconnecting(incoming, self.database, self.deps)
            if conv is not None:
                self.delivery.push(conv.pushed)
                if OutboxRows(conv.session).left_for_delivery():
                    self.delivery.wake()
                contact_id_var.set(conv.contact.id)
                log.info("update handled", extra={"contact_id": conv.contact.id})
                if conv.menu_changed:
                    await register_chat_menu(self.bot, self.renderer, conv.contact.chat_id, conv.locale,
                                             role_of(conv.contact))
            else:
                log.info("duplicate update ignored")
        except Exception:
            log.exception("update failed")
            try:
                async with self.handling:
                    await apologise(incoming, self.database.uow(), self.deps)
            except Exception:
                log.exception("could not apologise")
            self.delivery.wake()


async def handle_reconnecting(incoming: Incoming, database: Database, deps: Deps) -> Conversation | None:
    """Handle an update; if its database connection turned out dead (PostgreSQL restarted, say), once more.

    The failed attempt's transaction rolled back entirely, the update id included, so the second
    attempt does the work once; the pool has by then replaced the connections opened before.
    """
    try:
        return await handle(incoming, database.uow(), deps)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        log.warning("database connection lost; handling the update again on a new one")
        return await handle(incoming, database.uow(), deps)


def build_app(settings: Settings, catalogs: Catalogs | None = None) -> App:
    """Wire the database, catalogs, Bot API client, journeys and delivery from the settings."""
    token = settings.token()
    database = Database(settings.database_url)
    renderer = Renderer(catalogs or Catalogs())
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.api_base))
    bot = Bot(token, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    deps = Deps(translate=lambda label, locale: renderer.label(label, locale, markup=False),
                default_locale=settings.default_locale, timezone=settings.timezone)
    pacer = Pacer(PaceLimits(settings.rate_global_per_second, settings.rate_per_chat_per_second,
                             settings.rate_per_chat_burst))
    sender = BotApiSender(settings.api_base, token)
    delivery = DeliveryWorker(database, renderer, sender, settings.default_locale, pacer)
    return App(settings, database, renderer, deps, bot, delivery)


def warm_up(renderer: Renderer, locale: str) -> None:
    """Build now what is otherwise built on first use, so the first people after a start do not wait.

    The country search index (~0.1 s), and Babel's data for the default language (each other
    language's, ~6 ms and ~1.5 MB, loads with its first reader). Then the objects of the imports
    and these caches are moved out of the garbage collector's reach (gc.freeze): aiogram's and
    pydantic's models make a full collection take ~0.15 s, a pause every update in flight would
    otherwise feel.
    """
    today = utcnow().date()
    search_countries("sen")
    sample = Reply((Line(Text(N_("Value (USD)")), Money(Decimal("2500000"))),
                    Line(Text(N_("Countries")), Items((CountryName("SEN"), CountryName("FJI")))),
                    Line(Text(N_("Target")), Number(500)), Line(Text(N_("End date")), Day(today))))
    renderer.reply(sample, locale)
    parse_amount("2.5 million", locale)
    parse_date("31/12/2027", locale, today)
    gc.collect()
    gc.freeze()


async def prepare(app: App) -> None:
    """Schema check, bot identity, and command menus."""
    require_fonts()  # digest charts need Arabic and Chinese glyphs: fail at start, saying what to install
    await ensure_schema(app.database, app.settings.auto_upgrade)
    await app.database.open_pool()
    me = await app.bot.get_me()
    app.deps = Deps(app.deps.translate, app.deps.default_locale, app.deps.timezone, me.username)
    async with app.database.uow() as uow:
        staff = [(c.chat_id, negotiate(c.language, c.telegram_language, app.settings.default_locale), Role(c.role))
                 for c in await staff_contacts(uow.session) if c.role]
    await register_commands(app.bot, app.renderer, staff)
    warm_up(app.renderer, app.settings.default_locale)


async def run(app: App, *, webhook: bool = False) -> None:
    """Run until SIGINT or SIGTERM: updates by long polling (default) or webhook, and the delivery worker."""
    await prepare(app)
    dispatcher = build_dispatcher(app.on_incoming, app.delivery.sender.acknowledge)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    worker = asyncio.create_task(app.delivery.run(), name="delivery")
    scheduler = build_scheduler(app.database, app.delivery.wake, app.settings.default_locale, app.deps.translate,
                                app.settings.timezone, app.settings.digest_check_seconds)
    scheduling = asyncio.create_task(run_when_elected(app.database, scheduler, stop), name="scheduler")
    try:
        if webhook:
            await _serve_webhook(app, dispatcher, stop)
        else:
            polling = asyncio.create_task(
                dispatcher.start_polling(app.bot, handle_signals=False, close_bot_session=False,
                                         allowed_updates=["message", "callback_query"]),
                name="polling")
            await stop.wait()
            await dispatcher.stop_polling()
            await polling
    finally:
        stop.set()
        await scheduling
        app.delivery.stop()
        await worker
        await app.delivery.sender.close()
        await app.bot.session.close()
        await app.database.dispose()
        log.info("stopped")


async def _serve_webhook(app: App, dispatcher: object, stop: asyncio.Event) -> None:
    from aiogram import Dispatcher
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

    assert isinstance(dispatcher, Dispatcher)
    settings = app.settings
    if not settings.webhook_url or settings.webhook_secret is None:
        raise ConfigError("P2C_WEBHOOK_URL and P2C_WEBHOOK_SECRET must both be set for --webhook.")
    secret = settings.webhook_secret.get_secret_value()
    web_app = web.Application()
    SimpleRequestHandler(dispatcher, app.bot, secret_token=secret).register(web_app, path=settings.webhook_path)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
    await app.bot.set_webhook(settings.webhook_url + settings.webhook_path, secret_token=secret,
                              allowed_updates=["message", "callback_query"])
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
