"""build_app(settings): the one place where everything is wired; and the ways to run it."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
import os
import secrets
import signal
import sys
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import Update, User
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.chatlocks import ChatLocks
from bot.config import ConfigError, Settings
from bot.delivery import DeliveryError, DeliveryWorker
from bot.i18n import Catalogs, Renderer
from bot.joining import HeldTexts
from bot.logs import Spell, contact_id_var
from bot.metrics import Health, QuietAccessLog, observe_update, serve_probes
from bot.one_process import only_process
from bot.outage import Outage, UnavailableError, is_transient, retry_delay
from bot.pacing import PaceLimits, Pacer
from bot.polling import Fetch, Poller
from bot.rehearsal import Rehearsed, rehearse_or_log
from bot.scheduler import FirstRound, build_scheduler, run_when_elected
from bot.schema import ensure_schema
from bot.sender import BotApiSender
from bot.shared_pacing import SharedBudget
from bot.telegram import (
    ChatMenus,
    build_dispatcher,
    keep_response_types,
    register_chat_menu,
    register_commands,
    server_keeps_menus,
)
from bot.webhook_watch import WebhookWatch
from handlers import chats
from handlers.conversation import Conversation, Deps
from handlers.drafts import DraftConflictError
from handlers.forms.dates import parse_date
from handlers.forms.numbers import parse_amount
from handlers.inputs import Incoming, Person
from handlers.language import negotiate
from handlers.messages import N_, CountryName, Day, Items, Line, Money, Number, Reply, Text
from handlers.pastes import Held, HeldChangedError
from handlers.people import role_of, staff_contacts
from handlers.router import apologise, drop_held, hand_over, handle, stale_holds
from models.clock import TEST_CLOCK_ENV, utcnow
from models.database import UPDATES_AT_ONCE, Database, UnitOfWork, missing_folder
from models.geography import search_countries
from models.repositories.base import InsertedMeanwhileError
from models.repositories.contacts import Contacts
from models.repositories.outbox import OutboxRows
from models.values import Role

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
"""Edits only to say they are not read; my_chat_member: a person blocking or unblocking the bot, the bot added to a
group (handlers.chats)."""


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
    menus: ChatMenus = field(default_factory=ChatMenus)
    chats: ChatLocks = field(default_factory=ChatLocks)
    """One chat's updates, and the hand-over of its held text, one at a time (bot.telegram.ChatSerializer)."""
    held: HeldTexts | None = None
    """The timers and the sweep of held texts (bot.joining), while the bot serves updates."""

    health: Health | None = None
    shared: SharedBudget | None = None
    """PostgreSQL: Telegram's limits shared with the other instances (bot.shared_pacing)."""
    patient: bool = True
    """Polling: an update the database cannot take now is tried again here until it can, unconfirmed to
    Telegram meanwhile (bot.polling). Webhook: it raises UnavailableError, which Telegram receives as a
    5xx answer and delivers the update again."""
    outage: Outage | None = None
    updates: Fetch | None = None
    """getUpdates answered as JSON (`BotApiSender.updates`), which long polling reads (bot.polling)."""
    rehearsed: Rehearsed | None = None
    """What the start-up rehearsal did (bot.rehearsal); None until then, or when it failed."""
    first_round: FirstRound = field(default_factory=FirstRound)
    """The scheduler's first round of jobs, which a start on SQLite lets finish before it polls for updates."""
    refusing: Spell = field(default_factory=lambda: refused_updates())
    """Updates the database cannot take, logged once per outage (with a reminder a minute), not once per attempt."""

    async def on_incoming(self, incoming: Incoming) -> None:
        """Answer one update; if the database is unavailable, tell the person it waits and try again; on
        any other failure log it with context and apologise to the person."""
        for attempt in itertools.count():
            try:
                await self._answer(incoming)
            except Exception as error:
                if not is_transient(error):
                    log.exception("update failed")
                    await self._apologise(incoming)
                    return
                self.refusing.failed(error)
                if self.outage is not None:
                    await self.outage.tell(incoming)
                if not self.patient:
                    raise UnavailableError("the database is unavailable") from None
                await asyncio.sleep(retry_delay(attempt))
            else:
                self.refusing.passed()
                return

    async def _answer(self, incoming: Incoming) -> None:
        """At most UPDATES_AT_ONCE updates are in the database at a time (the pool has a connection for
        each); the others wait their turn. The replies go to delivery at once; delivery looks at the
        outbox only when the update left other rows there (a notice to staff, say), a claim being a
        transaction of its own.
        """
        started = time.perf_counter()
        async with self.handling:
            conv = await handle_retrying(incoming, self.database, self.deps)
        if conv is None:  # a duplicate, or nothing said to the person (a block; a line to a group, enqueued)
            log.info("update handled with no reply in its chat")
            self.delivery.wake()
            return
        observe_update(incoming, time.perf_counter() - started)
        if conv.held is not None:
            log.info("a long text held for its continuation")
            if self.held is not None:
                self.held.arm(Held(conv.contact.telegram_id, conv.contact.chat_id, conv.held))
        await self._answered(conv)

    async def hand_over(self, held: Held) -> None:
        """Hand a held text over alone, in its chat's turn; one that cannot be handed over now (the database away) is
        left held for the next sweep, one that fails otherwise is let go with an apology."""
        async with self.chats.holding(held.chat_id):
            try:
                async with self.handling:
                    conv = await retrying(self.database, lambda uow: hand_over(held, uow, self.deps))
            except Exception as error:
                if is_transient(error):
                    log.warning("a held text could not be handed over now; a sweep will",
                                extra={"reason": type(error).__name__})
                    return
                log.exception("a held text could not be handed over")
                try:
                    await self.database.whole(lambda uow: drop_held(held, uow))
                except Exception:
                    log.exception("could not apologise")
                self.delivery.wake()
                return
            if conv is not None:
                log.info("a held text handed over alone")
                await self._answered(conv)

    async def _answered(self, conv: Conversation) -> None:
        self.delivery.push(conv.pushed)
        if self.outage is not None:
            self.outage.remember(conv.contact.chat_id, conv.locale)
        if OutboxRows(conv.session).left_for_delivery():
            self.delivery.wake()
        contact_id_var.set(conv.contact.id)
        log.info("update handled", extra={"contact_id": conv.contact.id})
        role, chat_id, chose = role_of(conv.contact), conv.contact.chat_id, conv.contact.language is not None
        contact_id, stored = conv.contact.id, conv.contact.menu
        if conv.forgotten_chat is not None:  # their chat is a stranger's again: the default menus
            role, chat_id, chose, contact_id, stored = None, conv.forgotten_chat, False, None, None
        self.give_menu(chat_id, role, conv.locale, chose, contact_id, stored, again=conv.menu_changed)

    def give_menu(self, chat_id: int, role: Role | None, language: str, chose: bool, contact_id: int | None,
                  stored: str | None, *, again: bool = False) -> None:
        """Have the chat's command menu set, unless it has it already (bot.telegram.ChatMenus) and this is not a
        /start (`again`); set once the replies of the moment are on their way."""
        key = self.menus.key(self.renderer, role, language, chose_language=chose)
        if again or self.menus.needs(chat_id, key, stored):
            self.menus.want(chat_id, key, lambda: self._set_menu(chat_id, key, role, language, chose, contact_id))

    async def _set_menu(self, chat_id: int, key: str, role: Role | None, language: str, chose: bool,
                        contact_id: int | None) -> bool:
        """Set the menu; once the server took it, say in the person's contact which one their chat has (True). A record
        not written leaves the contact's unbelieved here, and costs setting the menu again after a start."""
        taken = await register_chat_menu(self.bot, self.renderer, chat_id, language, role, chose_language=chose,
                                         contact_id=contact_id)
        if not taken or contact_id is None:
            return taken

        async def record(uow: UnitOfWork) -> None:
            async with uow:
                await Contacts(uow.session).menu_set(contact_id, key)
                await uow.commit()

        try:
            async with self.handling:
                await self.database.whole(record)
        except Exception as error:
            log.warning("the command menu set was not recorded", extra={"reason": type(error).__name__})
            self.menus.recorded(chat_id, False)
        else:
            self.menus.recorded(chat_id, True)
        return True

    async def group_note(self, person: Person) -> str:
        """The line that says the bot works in a private chat, in this person's language (a button's toast)."""
        async with self.database.uow() as uow:
            locale = await chats.locale_of(uow.session, person, self.settings.default_locale)
        return self.renderer.label(chats.private_only(self.deps.bot_username), locale, markup=False)

    async def unreadable_update(self, raw: dict[str, Any]) -> None:
        """An update that could not be built (its shape unknown to aiogram): the person in a private chat is asked to
        send it again, in their chat's turn, rather than meeting silence. A pressed button's (a callback query, the
        message under it of a shape unknown) is acknowledged first: its spinner stops, as every press's does.
        Never raises."""
        query = press_of_raw(raw)
        if query is not None:
            with contextlib.suppress(DeliveryError):
                await self.delivery.sender.acknowledge(query)
        found = chats_of_raw(raw)
        if found is None:
            return
        update_id, person = found
        try:
            async with self.chats.holding(person.chat_id), self.handling:
                await self.database.whole(lambda uow: chats.unreadable_update(update_id, person, uow, self.deps,
                                                                              pressed=query is not None))
        except Exception:
            log.exception("could not ask for an unreadable update again", extra={"update_id": update_id})
            return
        self.delivery.wake()

    async def _apologise(self, incoming: Incoming) -> None:
        try:
            async with self.handling:
                await self.database.whole(lambda uow: apologise(incoming, uow, self.deps))
        except Exception:
            log.exception("could not apologise")
        self.delivery.wake()


def chats_of_raw(raw: object) -> tuple[int, Person] | None:
    """The update id and the person of a private chat an update's JSON names, if it names one; read by hand from an
    update that aiogram could not build."""
    if not isinstance(raw, dict) or not isinstance(update_id := raw.get("update_id"), int):
        return None
    for kind, body in raw.items():
        if kind == "update_id" or not isinstance(body, dict):
            continue
        chat, sender = body.get("chat"), body.get("from")
        if kind == "callback_query" and isinstance(under := body.get("message"), dict):
            chat = under.get("chat")  # a pressed button's: the chat of the message it is under
        if not isinstance(chat, dict) or chat.get("type") != "private" or not isinstance(sender, dict):
            continue
        chat_id, user_id, language = chat.get("id"), sender.get("id"), sender.get("language_code")
        if isinstance(chat_id, int) and isinstance(user_id, int) and not isinstance(chat_id, bool) \
                and not sender.get("is_bot"):
            return update_id, Person(user_id, chat_id, "", None, None, language if isinstance(language, str) else None)
    return None


def press_of_raw(raw: object) -> str | None:
    """The id of the callback query an update's JSON holds (a pressed button), read by hand as `chats_of_raw`."""
    query = raw.get("callback_query") if isinstance(raw, dict) else None
    query_id = query.get("id") if isinstance(query, dict) else None
    return query_id if isinstance(query_id, str) and query_id else None


def refused_updates() -> Spell:
    """The log of updates the database cannot take: one line when it begins, a reminder a minute, one when it ends."""
    return Spell(log, "the database cannot take updates now; they are handled again once it can",
                 "the database takes updates again")


ATTEMPTS = 3
"""Times an update is handled at most when a transient conflict or a lost connection undoes an attempt."""


async def handle_retrying(incoming: Incoming, database: Database, deps: Deps) -> Conversation | None:
    """Handle an update, again (up to ATTEMPTS in all) when an attempt was undone by something transient."""
    return await retrying(database, lambda uow: handle(incoming, uow, deps))


async def retrying(database: Database, work: Callable[[UnitOfWork], Coroutine[Any, Any, Conversation | None]]) \
        -> Conversation | None:
    """Run `work` (an update's, or a held text's hand-over) again, up to ATTEMPTS in all, when an attempt was undone
    by something transient.

    Four things undo an attempt without anything being wrong with the update: another instance saved
    the person's draft since this one read it (`DraftConflictError`) or changed their held text
    (`HeldChangedError`: took it, or added a part), inserted a unique row this one was inserting
    (`InsertedMeanwhileError`: one organisation registered by two people at once), or the database
    connection turned out dead (PostgreSQL restarted; the pool has by then replaced the connections opened
    before). The failed attempt's transaction rolled back entirely, the update id included, so the next
    attempt reads the draft afresh and does the work once.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await database.whole(work)
        except (DraftConflictError, HeldChangedError, InsertedMeanwhileError) as error:
            if attempt == ATTEMPTS:
                raise
            log.info("%s meanwhile; handling the update again",
                     "a row was inserted" if isinstance(error, InsertedMeanwhileError) else "the draft changed",
                     extra={"attempt": attempt})
        except DBAPIError as error:
            if not error.connection_invalidated or attempt == ATTEMPTS:
                raise
            log.warning("database connection lost; handling the update again on a new one")
    raise AssertionError("unreachable: the last attempt returns or raises")


def build_app(settings: Settings, catalogs: Catalogs | None = None) -> App:
    """Wire the database, catalogs, Bot API client, journeys and delivery from the settings."""
    token = settings.token()
    database = Database(settings.database_url, instance=settings.instance_id, pgbouncer=settings.pgbouncer,
                        election_url=settings.election_database_url)
    renderer = Renderer(catalogs or Catalogs())
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.api_base))
    bot = Bot(token, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    deps = Deps(translate=lambda label, locale: renderer.label(label, locale, markup=False),
                default_locale=settings.default_locale, timezone=settings.timezone,
                retention=settings.retention(), log_retention_days=settings.log_retention_days, hold_pastes=True)
    shared = None if database.is_sqlite else SharedBudget(
        database, database.instance, settings.rate_global_per_second, settings.rate_per_chat_per_second,
        settings.rate_per_chat_burst)
    pacer = Pacer(PaceLimits(settings.rate_global_per_second, settings.rate_per_chat_per_second,
                             settings.rate_per_chat_burst), shared=shared)
    sender = BotApiSender(settings.api_base, token)
    delivery = DeliveryWorker(database, renderer, sender, settings.default_locale, pacer)
    return App(settings, database, renderer, deps, bot, delivery, health=Health(database, bot.get_me),
               outage=Outage(renderer, sender, settings.default_locale), shared=shared, updates=sender.updates)


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


def announce_test_clock(settings: Settings) -> None:
    """Say loudly that the clock is moved for tests; refuse a test clock utcnow() would not see (.env only)."""
    if not settings.test_clock_file:
        return
    if os.environ.get(TEST_CLOCK_ENV) != settings.test_clock_file:
        raise ConfigError(f"{TEST_CLOCK_ENV} must be set in the environment (models.clock reads it there).")
    log.warning("TEST CLOCK ENABLED: the bot's time is moved by the seconds in %s (now %s); never in production",
                settings.test_clock_file, utcnow().isoformat())


FONT_CHECK = "from handlers.digests.chart import require_fonts; require_fonts()"
FONT_ERROR = "handlers.digests.chart.FontMissingError: "
"""How the child's last line begins: left out of the message, which is for operators."""


async def check_chart_fonts(required: bool = True) -> None:
    """Digest charts need Arabic and Chinese glyphs and matplotlib's text layout: without them `run` fails at start,
    saying what to install, so that no reader is sent a chart of empty boxes. The sandbox (a demo, which a fresh
    machine must start) warns once instead, and its charts show what the installed fonts draw; matplotlib is kept
    from repeating that warning for every glyph of every chart. Checked in a child process, so that a bot drawing
    no chart does not keep matplotlib in memory."""
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", FONT_CHECK, stdout=asyncio.subprocess.DEVNULL,
                                                 stderr=asyncio.subprocess.PIPE)
    _, err = await child.communicate()
    if child.returncode == 0:
        return
    lines = err.decode(errors="replace").strip().splitlines()
    problem = lines[-1].removeprefix(FONT_ERROR) if lines else "the digest charts' fonts could not be checked"
    if required:
        raise ConfigError(f"{problem} (digest charts would show Chinese as empty boxes)")
    log.warning("%s. The sandbox goes on: its digest charts show what the installed fonts can draw (Chinese as empty "
                "boxes); `p2c-bot run` refuses to start without them", problem)
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # "findfont: … not found", per label
    warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")


MENUS_AT_STOP = 5.0
"""Seconds a stopping bot gives the command menus still to set (those left are set after the next start)."""
START_RETRY_FIRST = 1.0  # seconds before the second attempt to reach the Bot API at start-up
START_RETRY_MAX = 60.0  # the wait doubles up to this


async def prepare(app: App, stop: asyncio.Event | None = None, *, fonts_required: bool = True) -> bool:
    """Schema check, bot identity, and command menus; False when `stop` was set while the database or the Bot API
    was unreachable.

    An unreachable database (until_database) or Bot API (network down, 5xx, 429) is tried again with a doubling wait
    and one log line per attempt; a refused token stops start-up with one ConfigError line.
    """
    announce_test_clock(app.settings)
    await check_chart_fonts(fonts_required)
    stop = stop or asyncio.Event()
    if not await until_database(app, stop):
        return False
    await app.database.open_pool()
    me = await _until_reachable(app, stop)
    if me is None:
        return False
    app.deps = replace(app.deps, bot_username=me.username)
    kept = await server_keeps_menus(app.bot)  # asked before this start sets the default menus
    async with app.database.uow() as uow:
        if not kept and await Contacts(uow.session).menus_forgotten():
            log.info("the Bot API server kept no command menu: each person's is set again")
        staff = await staff_contacts(uow.session)
        await uow.commit()
    await register_commands(app.bot, app.renderer, app.settings.default_locale)
    for member in staff:  # their commands differ from the default menus': set before they write
        if member.role:
            app.give_menu(member.chat_id, Role(member.role), negotiate(
                member.language, member.telegram_language, app.settings.default_locale), True, member.id, member.menu)
    await app.menus.settled()
    app.rehearsed = await rehearse_or_log(app.database, app.deps)
    warm_up(app.renderer, app.settings.default_locale)
    return True


async def until_database(app: App, stop: asyncio.Event) -> bool:
    """The schema checked (an SQLite file's upgraded), the database waited for as the Bot API is when it cannot be
    reached yet (PostgreSQL starting with the machine, a restart of it): start-up ended with a traceback instead
    (restart tester). False when `stop` was set meanwhile; a failure that does not pass by itself is raised."""
    folder = missing_folder(app.settings.database_url)
    if folder is not None:  # tried for ever before, "unable to open database file" never said (an operator)
        raise ConfigError(f"P2C_DATABASE_URL names an SQLite file in {folder}, a folder that does not exist: create "
                          "it, or name another file.")
    delay, attempt = START_RETRY_FIRST, 1
    while True:
        try:
            await ensure_schema(app.database, app.settings.auto_upgrade,
                                app.health.schema_check if app.health else None)
            return True
        except Exception as error:
            if not is_transient(error):
                raise
            log.warning("database unreachable (attempt %d: %s: %s); trying again in %.0f s", attempt,
                        type(error).__name__, _driver_line(error), delay)
        if await _stopped_while_waiting(stop, delay, "the database"):
            return False
        delay, attempt = min(delay * 2, START_RETRY_MAX), attempt + 1


async def _until_reachable(app: App, stop: asyncio.Event) -> User | None:
    delay, attempt = START_RETRY_FIRST, 1
    while True:
        try:
            return await app.bot.get_me()
        except TelegramUnauthorizedError:
            raise ConfigError(f"P2C_BOT_TOKEN was refused by the Bot API at {app.settings.api_base} "
                              "(401 Unauthorized): check the token.") from None
        except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter) as error:
            wait = max(delay, float(error.retry_after)) if isinstance(error, TelegramRetryAfter) else delay
            log.warning("Bot API at %s unreachable (attempt %d: %s); trying again in %.0f s",
                        app.settings.api_base, attempt, _one_line(error), wait)
        if await _stopped_while_waiting(stop, wait, "the Bot API"):
            return None
        delay, attempt = min(delay * 2, START_RETRY_MAX), attempt + 1


async def _until_webhook_set(app: App, webhook: str, set_webhook: Callable[[], Awaitable[object]],
                             stop: asyncio.Event) -> bool:
    """Give Telegram the webhook at start: a refusal (an http URL, a port it does not post to, a host it cannot
    resolve) is a ConfigError of one line, a Bot API away or failing is tried again as getMe is (an operator: either
    ended the start with a traceback, a crash loop under a supervisor); False when stopped meanwhile."""
    delay, attempt = START_RETRY_FIRST, 1
    while True:
        try:
            await set_webhook()
            return True
        except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter) as error:
            wait = max(delay, float(error.retry_after)) if isinstance(error, TelegramRetryAfter) else delay
            log.warning("could not set the webhook (attempt %d: %s); trying again in %.0f s", attempt,
                        _one_line(error), wait)
        except TelegramAPIError as error:
            raise ConfigError(f"the Bot API at {app.settings.api_base} refused the webhook at {_site(webhook)}: "
                              f"{_one_line(error)} (P2C_WEBHOOK_URL must be a "
                              "public https URL, on port 443, 80, 88 or 8443, that Telegram can reach)") from None
        if await _stopped_while_waiting(stop, wait, "the Bot API"):
            return False
        delay, attempt = min(delay * 2, START_RETRY_MAX), attempt + 1


def _site(url: str) -> str:
    """A URL's scheme, host and port alone: its path may hold a secret (/webhook/<token>), its user a password."""
    where = urlsplit(url)
    return f"{where.scheme}://{where.netloc.rpartition('@')[2]}"


async def _stopped_while_waiting(stop: asyncio.Event, seconds: float, what: str) -> bool:
    """Wait `seconds` before trying to reach `what` again; True (logged) when a stop was asked for meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    log.info("stop requested while waiting for %s", what)
    return True


def _driver_line(error: Exception) -> str:
    """What the driver said, its first line ("database is locked", "connection refused"): a DBAPIError's own text
    adds its statement; its parameters are hidden (hide_parameters), but the statement says nothing of use here."""
    said = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    return (str(said).strip().splitlines() or [type(said).__name__])[0][:200]


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__


async def run(app: App, *, webhook: bool = False, fonts_required: bool = True) -> None:
    """Run until SIGINT or SIGTERM: updates by long polling (default) or webhook, and the delivery worker; without
    `fonts_required` (the sandbox) missing chart fonts are a warning (check_chart_fonts)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started = False
    try:
        with only_process(app.settings.database_url):
            if await prepare(app, stop, fonts_required=fonts_required):
                started = True
                await _serve(app, stop, webhook=webhook)
    finally:
        await app.menus.settled(MENUS_AT_STOP)
        await app.delivery.sender.close()
        await app.bot.session.close()
        await app.database.dispose()
        # a start refused or given up on is not a bot that ran and stopped (an operator read "stopped" above the
        # refusal's line and looked for what had run)
        log.info("stopped" if started else "stopped before starting")


async def _serve(app: App, stop: asyncio.Event, *, webhook: bool) -> None:
    dispatcher = build_dispatcher(app.on_incoming, app.delivery.sender.acknowledge, app.chats,
                                  group_note=app.group_note, username=lambda: app.deps.bot_username)
    sharing = None
    stop_sharing = asyncio.Event()  # set once delivery has stopped: the others count this instance while it sends
    if app.shared is not None:  # count the instances before sending anything (bot.shared_pacing)
        sharing = asyncio.create_task(app.shared.run(stop_sharing), name="shared-pacing")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(app.shared.counted.wait(), 10)
    worker = asyncio.create_task(app.delivery.run(), name="delivery")

    def make_scheduler() -> AsyncIOScheduler:
        return app.first_round.watch(build_scheduler(
            app.database, app.delivery.wake, app.settings.default_locale, app.settings.retention(),
            default_zone=app.settings.timezone, reminder_every=app.settings.reminder_interval_seconds,
            translate=app.deps.translate, digest_check_seconds=app.settings.digest_check_seconds))

    scheduling = asyncio.create_task(run_when_elected(app.database, make_scheduler, stop), name="scheduler")
    held = app.held = HeldTexts(app.hand_over, lambda before: app.database.whole(lambda uow: stale_holds(uow, before)))
    sweeping = asyncio.create_task(held.sweep(stop), name="held-texts")
    health = app.health or Health(app.database, app.bot.get_me)
    refreshing = asyncio.create_task(health.refresh_continuously(stop), name="metrics")
    probes = None
    try:
        if app.settings.metrics_port is not None:
            probes = await serve_probes(health, app.settings.metrics_host, app.settings.metrics_port)
        if webhook:
            app.patient = False  # Telegram delivers an update answered with a 5xx again
            await _serve_webhook(app, dispatcher, stop, health)
        else:
            if app.updates is None:
                raise RuntimeError("long polling needs getUpdates (build_app gives it)")
            if app.database.is_sqlite:  # the round's transactions hold the one connection: the first updates wait
                await app.first_round.wait(stop, scheduling)  # less after it than behind it (FirstRound)
            poller = Poller(app.updates,
                            lambda raw: Update.model_validate(raw, context={"bot": app.bot}),
                            lambda update: dispatcher.feed_update(app.bot, update), ALLOWED_UPDATES,
                            unreadable=app.unreadable_update)
            health.receiving = poller.conflicts.state
            await delete_webhook_left(app.bot)
            log_started(app, "polling")
            await poller.run(stop)
            await dispatcher.emit_shutdown()
    finally:
        stop.set()
        await sweeping
        await held.close()
        await scheduling
        await refreshing
        if probes is not None:
            await probes.cleanup()
        app.delivery.stop()
        await worker
        stop_sharing.set()
        if sharing is not None:
            await sharing


def log_started(app: App, mode: str, **where: str) -> None:
    """One line saying the bot is up, and how: its mode, its database (never the password), its instance, how long
    the start-up rehearsal of the journeys took (null when it failed: a warning line said why) and the scheduler's
    first round of jobs (null when it was not over yet, or the instance was not elected to run them)."""
    rehearsed = round(app.rehearsed.seconds, 3) if app.rehearsed is not None else None
    first_jobs = app.first_round.seconds
    log.info("started", extra={"mode": mode, "bot": app.deps.bot_username, "database": database_place(app.database.url),
                               "instance_id": app.settings.instance_id, "rehearsed_s": rehearsed,
                               "first_jobs_s": round(first_jobs, 3) if first_jobs is not None else None, **where})


def database_place(url: str) -> str:
    """The database's kind and where it is, without its user or password: "sqlite /var/lib/p2c/p2c.db",
    "postgresql db:5432/p2c"."""
    parsed = make_url(url)
    kind = parsed.get_backend_name()
    if kind == "sqlite":
        file = parsed.database
        return f"sqlite {Path(file).resolve() if file and file != ':memory:' else ':memory:'}"
    return f"{kind} {parsed.host or '(default host)'}:{parsed.port or 5432}/{parsed.database}"


async def delete_webhook_left(bot: Bot) -> None:
    """Polling: delete a webhook still set for the token (by an earlier `run --webhook`), with which Telegram refuses
    every getUpdates; the updates waiting at Telegram are kept. Not deleted if it cannot be asked: the poller then
    says what Telegram answers."""
    try:
        hook = await bot.get_webhook_info()
        if not hook.url:
            return
        await bot.delete_webhook(drop_pending_updates=False)
    except TelegramAPIError as error:
        log.warning("could not check for a webhook left set (%s); polling anyway", _one_line(error))
        return
    log.warning("a webhook was set for this bot (by a `run --webhook`?); deleted it to poll, the updates waiting "
                "at Telegram are kept", extra={"webhook_host": urlsplit(hook.url).hostname,
                                                  "pending_updates": hook.pending_update_count})


REFUSED = "the database is unavailable: send the update again"
"""The answer (503) to an update the database could not take: Telegram, and a proxy in front, post it again."""


def webhook_handler(dispatcher: Dispatcher, bot: Bot, secret: str,
                    unreadable: Callable[[dict[str, Any]], Awaitable[None]] | None = None) \
        -> Callable[[web.Request], Awaitable[web.Response]]:
    """Telegram's posts, each handled before it is answered: 200 once handled, 503 (one short access line) when the
    database could not take it, so that Telegram posts it again.

    Not aiogram's SimpleRequestHandler: the UnavailableError that asks for the redelivery passed through it into
    aiohttp, and each refused post logged two ERROR tracebacks (aiogram's "Cause exception while process update" and
    aiohttp's "Error handling request") for an expected, handled condition (tester t4, finding 3). An update that is
    not a Bot API update is logged by its id, never its content, and confirmed, as in polling (bot.polling).
    """
    async def handle(request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode("utf-8", "surrogateescape")
        if not secrets.compare_digest(given, secret.encode()):  # bytes: a header not ASCII is refused, not a 500
            return web.Response(status=401, text="Unauthorized")
        try:
            raw = await request.json()
        except ValueError:
            return web.Response(status=400, text="not JSON")
        try:
            update = Update.model_validate(raw, context={"bot": bot})
        except ValueError:  # pydantic's ValidationError: its fields are left out of the log (personal data)
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            log.warning("an update that could not be read was confirmed unhandled", extra={"update_id": update_id})
            if unreadable is not None and isinstance(raw, dict):
                await unreadable(raw)  # the person asked to send it again (App.unreadable_update)
            return web.json_response({})
        try:
            await dispatcher.feed_update(bot, update)
        except UnavailableError:
            return web.Response(status=503, text=REFUSED)
        return web.json_response({})

    return handle


async def _serve_webhook(app: App, dispatcher: Dispatcher, stop: asyncio.Event, health: Health) -> None:
    settings = app.settings
    url, secret = settings.webhook()
    web_app = web.Application()
    web_app.add_routes(health.routes())  # /healthz, /readyz, /metrics: a proxy should route only the webhook path
    # handled before answering: an update that could not be handled is answered with a 5xx, and Telegram
    # delivers it again (in the background, a 200 would confirm it whatever happened)
    web_app.router.add_post(settings.webhook_path, webhook_handler(dispatcher, app.bot, secret, app.unreadable_update))
    runner = web.AppRunner(web_app, access_log_class=QuietAccessLog)
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
    webhook = url

    async def set_webhook() -> object:
        return await app.bot.set_webhook(webhook, secret_token=secret, allowed_updates=ALLOWED_UPDATES)

    async def current() -> str:
        return (await app.bot.get_webhook_info()).url

    try:
        webhook_set = await _until_webhook_set(app, webhook, set_webhook, stop)
    except ConfigError:
        try:  # the refusal's one line is what the operator must read: a failing cleanup is logged, never raised
            await runner.cleanup()
            await dispatcher.emit_shutdown()
        except Exception:
            log.warning("the webhook server did not close cleanly after the refusal", exc_info=True)
        raise
    if not webhook_set:
        await runner.cleanup()
        await dispatcher.emit_shutdown()
        return
    watch = WebhookWatch(webhook, current, set_webhook)
    health.receiving = watch.state
    watching = asyncio.create_task(watch.run(stop), name="webhook-watch")
    log_started(app, "webhook", listening=f"{settings.webhook_host}:{settings.webhook_port}", webhook=_site(webhook))
    try:
        await stop.wait()
    finally:
        watching.cancel()  # a check under way may wait for Telegram: nothing of it needs finishing
        with contextlib.suppress(asyncio.CancelledError):
            await watching
        await runner.cleanup()
        await dispatcher.emit_shutdown()
