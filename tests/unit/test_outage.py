"""When the database cannot take an update: the person is told their message waits, and it is tried again."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramServerError
from aiogram.methods import SetWebhook
from sqlalchemy import exc

import bot.app
import bot.outage
from bot.app import App
from bot.config import ConfigError, load_settings
from bot.delivery import RetryLaterError
from bot.i18n import Catalogs, Rendered, Renderer
from bot.outage import Outage, UnavailableError, is_transient, retry_delay
from handlers.drafts import DraftConflictError
from handlers.inputs import Incoming, Person

LOCKED = exc.OperationalError("INSERT …", {}, Exception("database is locked"))


@pytest.mark.parametrize(("error", "transient"), [
    (LOCKED, True),
    (exc.OperationalError("UPDATE …", {}, Exception("attempt to write a readonly database")), True),
    (exc.InterfaceError("SELECT 1", {}, Exception("connection is closed")), True),
    (exc.DBAPIError("SELECT 1", {}, Exception("terminated"), connection_invalidated=True), True),
    (exc.TimeoutError("QueuePool limit reached"), True),
    (ConnectionRefusedError(111, "refused"), True),
    (DraftConflictError("pledge"), True),
    (exc.IntegrityError("INSERT …", {}, Exception("UNIQUE constraint failed")), False),
    (exc.DataError("INSERT …", {}, Exception("invalid byte sequence")), False),
    (ValueError("a defect"), False),
    (KeyError("a defect"), False),
])
def test_which_failures_pass_by_themselves(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


def test_retries_back_off_to_thirty_seconds() -> None:
    assert [retry_delay(n) for n in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert retry_delay(10_000) == 30


class Sent:
    def __init__(self) -> None:
        self.messages: list[tuple[int, str]] = []

    async def send(self, chat_id: int, message: Rendered) -> int:
        self.messages.append((chat_id, message.text))
        return len(self.messages)


def incoming(language: str = "fr") -> Incoming:
    return Incoming.from_text(5, Person(7, 7, "Awa", language_code=language), "Bonjour",
                              datetime(2026, 12, 1, tzinfo=UTC))


def app_with(outage: Outage, *, patient: bool) -> App:
    app = App.__new__(App)  # only what on_incoming uses when the database is away
    app.outage, app.patient, app.refusing = outage, patient, bot.app.refused_updates()
    return app


async def test_a_patient_app_tells_the_person_once_and_tries_until_the_database_is_back(
        monkeypatch: pytest.MonkeyPatch) -> None:
    sent = Sent()
    outage = Outage(Renderer(Catalogs()), sent, "en")  # type: ignore[arg-type]
    attempts: list[int] = []

    async def answer(self: App, item: Incoming) -> None:
        attempts.append(item.update_id)
        if len(attempts) < 4:
            raise LOCKED

    monkeypatch.setattr(App, "_answer", answer)
    monkeypatch.setattr(bot.app, "retry_delay", lambda attempt: 0)
    await app_with(outage, patient=True).on_incoming(incoming())
    assert attempts == [5, 5, 5, 5], "tried until it went through"
    assert len(sent.messages) == 1, "told once, not at every attempt"
    chat, said = sent.messages[0]
    assert chat == 7 and "conservé" in said, "in the person's Telegram language"


async def test_the_notice_speaks_the_language_the_person_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    """Restart tester: a person whose Telegram is in English but who chose French with /language got the notice in
    English; the database that knows their choice is the one away. The language they were last answered in is."""
    sent = Sent()
    outage = Outage(Renderer(Catalogs()), sent, "en")  # type: ignore[arg-type]
    outage.remember(7, "fr")

    async def answer(self: App, item: Incoming) -> Any:
        raise LOCKED

    monkeypatch.setattr(App, "_answer", answer)
    with pytest.raises(UnavailableError):
        await app_with(outage, patient=False).on_incoming(incoming("en"))
    assert len(sent.messages) == 1 and "conservé" in sent.messages[0][1]


async def test_a_notice_telegram_refused_is_tried_again_at_the_next_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several-instances tester: in a 45 s outage 6 of 20 people heard nothing. Their notice got a 429 and they were
    counted as told for ten minutes."""
    sent = Sent()
    refusals = [RetryLaterError(1.0)]

    async def send(chat_id: int, message: Rendered) -> int:
        if refusals:
            raise refusals.pop()
        return await sent.send(chat_id, message)

    sender = Sent()
    sender.send = send  # type: ignore[method-assign]
    outage = Outage(Renderer(Catalogs()), sender, "en")  # type: ignore[arg-type]
    attempts: list[int] = []

    async def answer(self: App, item: Incoming) -> None:
        attempts.append(item.update_id)
        if len(attempts) < 3:
            raise LOCKED

    monkeypatch.setattr(App, "_answer", answer)
    monkeypatch.setattr(bot.app, "retry_delay", lambda attempt: 0)
    await app_with(outage, patient=True).on_incoming(incoming())
    assert len(sent.messages) == 1 and "conservé" in sent.messages[0][1], "told at the next attempt"


def test_the_languages_remembered_are_the_most_recent_chats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.outage, "REMEMBERED", 3)
    outage = Outage(Renderer(Catalogs()), Sent(), "en")  # type: ignore[arg-type]
    for chat, locale in ((1, "fr"), (2, "ar"), (3, "zh"), (1, "es"), (4, "ru")):
        outage.remember(chat, locale)
    assert dict(outage.languages) == {3: "zh", 1: "es", 4: "ru"}


async def test_in_webhook_mode_the_update_goes_back_to_telegram(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = Sent()
    outage = Outage(Renderer(Catalogs()), sent, "en")  # type: ignore[arg-type]

    async def answer(self: App, item: Incoming) -> Any:
        raise LOCKED

    monkeypatch.setattr(App, "_answer", answer)
    with pytest.raises(UnavailableError):
        await app_with(outage, patient=False).on_incoming(incoming("ar"))
    with pytest.raises(UnavailableError):  # Telegram delivers it again: the person is not told twice
        await app_with(outage, patient=False).on_incoming(incoming("ar"))
    assert len(sent.messages) == 1 and "محفوظة" in sent.messages[0][1]


async def test_any_other_failure_is_apologised_for_once(monkeypatch: pytest.MonkeyPatch) -> None:
    apologies: list[int] = []

    async def answer(self: App, item: Incoming) -> None:
        raise ValueError("a defect")

    async def apologise(self: App, item: Incoming) -> None:
        apologies.append(item.update_id)

    monkeypatch.setattr(App, "_answer", answer)
    monkeypatch.setattr(App, "_apologise", apologise)
    await app_with(Outage(Renderer(Catalogs()), Sent(), "en"), patient=True).on_incoming(incoming())  # type: ignore[arg-type]
    assert apologies == [5]


async def test_a_database_unreachable_at_start_is_waited_for(monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    """Restart tester: PostgreSQL down when the bot started ended start-up with a traceback; it is waited for, as
    the Bot API is, and a failure that does not pass by itself still stops start-up."""
    tries: list[int] = []

    async def schema(*_: object) -> None:
        tries.append(1)
        if len(tries) < 3:
            raise exc.OperationalError("SELECT version_num …", {}, ConnectionRefusedError(111, "refused"))

    monkeypatch.setattr(bot.app, "ensure_schema", schema)
    monkeypatch.setattr(bot.app, "START_RETRY_FIRST", 0.01)
    app = App.__new__(App)  # only what waiting for the database uses
    app.database, app.health = None, None  # type: ignore[assignment]
    app.settings = type("Settings", (), {"auto_upgrade": True,  # type: ignore[assignment]
                                          "database_url": "postgresql+asyncpg://p2c@db/p2c"})()
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        assert await bot.app.until_database(app, asyncio.Event()) and len(tries) == 3
    assert "attempt 1: OperationalError: [Errno 111] refused" in caplog.text  # what the driver said, not only its kind
    stop = asyncio.Event()
    stop.set()
    tries.clear()
    assert not await bot.app.until_database(app, stop)  # asked to stop while waiting

    async def refused(*_: object) -> None:
        raise exc.ProgrammingError("SELECT …", {}, Exception("permission denied"))

    monkeypatch.setattr(bot.app, "ensure_schema", refused)
    with pytest.raises(exc.ProgrammingError):
        await bot.app.until_database(app, asyncio.Event())
    # an operator: an SQLite file in a folder that does not exist was tried for ever ("unable to open database file")
    app.settings.database_url = f"sqlite+aiosqlite:///{tmp_path}/no/such/folder/p2c.db"
    with pytest.raises(ConfigError, match="no/such/folder, a folder that does not exist"):
        await bot.app.until_database(app, asyncio.Event())


async def test_an_outage_is_logged_when_it_begins_and_when_it_ends_not_at_every_attempt(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Tester t4: a 45 s PostgreSQL restart logged a warning per refused update (180 per webhook instance)."""
    outage = Outage(Renderer(Catalogs()), Sent(), "en")  # type: ignore[arg-type]
    away = True

    async def answer(self: App, item: Incoming) -> Any:
        if away:
            raise LOCKED

    monkeypatch.setattr(App, "_answer", answer)
    app = app_with(outage, patient=False)
    caplog.set_level(logging.INFO)
    for _ in range(20):  # Telegram posts the updates again and again
        with pytest.raises(UnavailableError):
            await app.on_incoming(incoming())
    away = False
    await app.on_incoming(incoming())
    await app.on_incoming(incoming())
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.app"]
    assert lines == ["the database cannot take updates now; they are handled again once it can",
                     "the database takes updates again"], lines
    assert all(r.levelno < logging.ERROR and r.exc_info is None for r in caplog.records)


async def test_a_refused_webhook_post_is_answered_503_without_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Tester t4: the UnavailableError went through aiogram's SimpleRequestHandler into aiohttp: a 500 and two ERROR
    tracebacks per refused post. Now 503 (Telegram posts it again), 200 once handled, 401 without the secret."""
    from aiogram import Bot
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from bot.app import webhook_handler
    from bot.telegram import build_dispatcher

    handled: list[int] = []

    async def handle(item: Incoming) -> None:
        if not handled:
            handled.append(0)
            raise UnavailableError("the database is unavailable")
        handled.append(item.update_id)

    async def acknowledge(query_id: str) -> None:
        return None

    bot_ = Bot("123456:" + "A" * 35)
    web_app = web.Application()
    web_app.router.add_post("/hook", webhook_handler(build_dispatcher(handle, acknowledge), bot_, "s" * 40))
    update = {"update_id": 41, "message": {"message_id": 1, "date": 1, "chat": {"id": 7, "type": "private"},
                                           "from": {"id": 7, "is_bot": False, "first_name": "Awa"}, "text": "/help"}}
    caplog.set_level(logging.INFO)
    async with TestClient(TestServer(web_app)) as client:
        headers = {"X-Telegram-Bot-Api-Secret-Token": "s" * 40}
        assert (await client.post("/hook", json=update)).status == 401
        assert (await client.post("/hook", json=update, headers=headers)).status == 503
        assert (await client.post("/hook", json=update, headers=headers)).status == 200
        assert (await client.post("/hook", json={"update_id": 42, "message": 3}, headers=headers)).status == 200
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "é" * 40}  # not ASCII: refused, not a 500 and a traceback
        assert (await client.post("/hook", json=update, headers=wrong)).status == 401
        assert (await client.post("/hook", data=b"{oops", headers=headers)).status == 400
    await bot_.session.close()
    assert handled == [0, 41]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []


async def test_a_webhook_refused_at_start_is_one_line_and_a_bot_api_away_is_waited_for(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """An operator: `run --webhook` ended with a traceback when Telegram refused setWebhook (an http URL), and when
    the Bot API answered 502 at that moment (a crash loop under a supervisor). A refusal is a ConfigError of one line;
    a Bot API away is tried again."""
    monkeypatch.setattr(bot.app, "START_RETRY_FIRST", 0.01)
    app = App.__new__(App)  # only what setting the webhook uses
    app.settings = type("Settings", (), {"api_base": "https://api.telegram.org"})()  # type: ignore[assignment]
    method = SetWebhook(url="https://bot.example.org/telegram/webhook")
    answers: list[Exception | None] = [TelegramServerError(method, "Bad Gateway"),
                                       TelegramNetworkError(method, "connection reset"), None]

    async def set_webhook() -> object:
        answer = answers.pop(0)
        if answer is not None:
            raise answer
        return True

    with caplog.at_level(logging.WARNING, logger="bot.app"):
        assert await bot.app._until_webhook_set(app, method.url, set_webhook, asyncio.Event())
    assert answers == [] and "could not set the webhook (attempt 2: HTTP Client says - connection reset)" in caplog.text

    async def refused() -> object:
        raise TelegramBadRequest(method, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")

    with pytest.raises(ConfigError, match=re.escape("refused the webhook at https://bot.example.org: Telegram server "
                                                    "says - Bad Request: bad webhook: An HTTPS URL")) as said:
        await bot.app._until_webhook_set(app, method.url, refused, asyncio.Event())
    secret_path = "https://bot.example.org/webhook/123456:AAsecretTokenOfTheBot"  # a review: a path may hold a secret
    with pytest.raises(ConfigError) as said:
        await bot.app._until_webhook_set(app, secret_path, refused, asyncio.Event())
    assert "AAsecret" not in str(said.value) and "https://bot.example.org:" in str(said.value)
    stop = asyncio.Event()
    stop.set()
    answers[:] = [TelegramServerError(method, "Bad Gateway")]
    assert not await bot.app._until_webhook_set(app, method.url, set_webhook, stop)  # stopped while waiting


def test_an_http_webhook_url_is_refused_with_telegram_and_taken_with_a_local_bot_api() -> None:
    secret = "s" * 40
    with pytest.raises(ConfigError, match="must be an https URL"):
        load_settings(webhook_url="http://bot.example.org", webhook_secret=secret).webhook()
    local = load_settings(webhook_url="http://127.0.0.1:8443", webhook_secret=secret, api_base="http://127.0.0.1:8081")
    assert local.webhook() == ("http://127.0.0.1:8443/telegram/webhook", secret)
