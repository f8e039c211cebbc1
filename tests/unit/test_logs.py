"""Logs never show the bot token: in the message, its arguments, extra fields or a traceback (bot/logs.py)."""

from __future__ import annotations

import io
import json
import logging
import time

import pytest

from bot.app import database_place
from bot.config import load_settings
from bot.logs import ContextFilter, JsonFormatter, TextFormatter, configure_logging, contact_id_var, update_id_var

TOKEN = "123456:AAsecretTokenOfTheBot"


def _logged(formatter: logging.Formatter, emit: str) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(ContextFilter((TOKEN,)))
    log = logging.getLogger(f"test_logs.{id(formatter)}")
    log.handlers[:], log.propagate, log.level = [handler], False, logging.INFO
    update, contact = update_id_var.set(41), contact_id_var.set(7)
    try:
        if emit == "message":
            log.info("calling https://api.example/bot%s/getMe", TOKEN, extra={"url": f"/bot{TOKEN}/sendMessage"})
        else:
            try:
                raise ConnectionError(f"cannot reach https://api.example/bot{TOKEN}/getUpdates")
            except ConnectionError:
                log.exception("polling failed")
    finally:
        update_id_var.reset(update)
        contact_id_var.reset(contact)
    return stream.getvalue()


@pytest.mark.parametrize("formatter", [TextFormatter(), JsonFormatter()], ids=["text", "json"])
@pytest.mark.parametrize("emit", ["message", "traceback"])
def test_the_token_is_redacted_everywhere(formatter: logging.Formatter, emit: str) -> None:
    written = _logged(formatter, emit)
    assert TOKEN not in written and "<redacted>" in written, written
    if emit == "traceback":
        assert "ConnectionError" in written and "raise ConnectionError" in written  # the traceback itself is kept


def test_a_json_line_carries_the_update_and_the_contact() -> None:
    line = json.loads(_logged(JsonFormatter(), "message"))
    assert (line["update_id"], line["contact_id"], line["event"]) == (41, 7, "calling https://api.example/bot<redacted>/getMe")


def test_a_json_line_s_time_is_utc_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """Operator tester: the time was the host's local time with no zone ("2026-12-06T14:03:11")."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        record = logging.makeLogRecord({"msg": "started", "created": 1796560991.25})
        line = json.loads(JsonFormatter().format(record))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert line["time"] == "2026-12-06T12:43:11.250Z"


@pytest.mark.parametrize(("url", "place"), [
    ("postgresql+asyncpg://p2c:hunter2-secret@db.example:6432/p2c", "postgresql db.example:6432/p2c"),
    ("postgresql+asyncpg://p2c:hunter2-secret@db.example/p2c", "postgresql db.example:5432/p2c"),
    ("sqlite+aiosqlite:////var/lib/p2c/p2c.db", "sqlite /var/lib/p2c/p2c.db"),
])
def test_the_start_line_names_the_database_without_its_user_or_password(url: str, place: str) -> None:
    assert database_place(url) == place


def test_debug_is_the_bots_own_not_matplotlibs_font_scoring() -> None:
    """An operator: at DEBUG, 1,072 of 1,104 lines were matplotlib scoring fonts for a digest's chart."""
    root = logging.getLogger()
    kept = (root.handlers[:], root.level)
    try:
        configure_logging("text", "DEBUG")
        assert logging.getLogger("handlers.digests").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("matplotlib.font_manager").isEnabledFor(logging.DEBUG)
        assert logging.getLogger("alembic.runtime.migration").isEnabledFor(logging.INFO)  # "Running upgrade …"
        assert not logging.getLogger("alembic.runtime.plugins").isEnabledFor(logging.INFO)  # an operator: noise
        configure_logging("text", "ERROR")  # a review: their WARNING got through a log asked to keep to errors
        assert not logging.getLogger("matplotlib.font_manager").isEnabledFor(logging.WARNING)
        assert not logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.WARNING)
    finally:
        root.handlers[:] = kept[0]
        root.setLevel(kept[1])
        for name in ("matplotlib", "apscheduler", "aiogram.event", "alembic.runtime.plugins"):
            logging.getLogger(name).setLevel(logging.WARNING)


def test_the_webhook_secret_and_the_database_passwords_are_redacted_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """A review: only the token was given to the filter; a driver's error quoting a connection string would not have
    been redacted."""
    for name in ("P2C_WEBHOOK_SECRET", "P2C_DATABASE_URL", "P2C_ELECTION_DATABASE_URL", "P2C_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    secret = "w" * 40
    settings = load_settings(bot_token=TOKEN, webhook_secret=secret,
                             database_url="postgresql+asyncpg://p2c:Pa55-word@db.example/p2c",
                             election_database_url="postgresql+asyncpg://p2c:0ther-pass@db.example/p2c")
    assert settings.secrets() == (TOKEN, secret, "Pa55-word", "0ther-pass")
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "connect to %s failed: %s", (
        "postgresql://p2c:Pa55-word@db.example", f"secret {secret}"), None)
    ContextFilter(settings.secrets()).filter(record)
    assert record.getMessage() == "connect to postgresql://p2c:<redacted>@db.example failed: secret <redacted>"
    assert load_settings(bot_token=TOKEN, database_url="sqlite+aiosqlite:///p2c.db").secrets() == (TOKEN,)
    # a password with a character a URL must escape is redacted as the driver says it and as the URL writes it
    encoded = load_settings(bot_token=TOKEN, database_url="postgresql+asyncpg://p2c:Pa55%40word@db.example/p2c")
    assert encoded.secrets() == (TOKEN, "Pa55@word", "Pa55%40word")
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "%s / %s", (
        "postgresql://p2c:Pa55%40word@db.example", "password Pa55@word refused"), None)
    ContextFilter(encoded.secrets()).filter(record)
    assert record.getMessage() == "postgresql://p2c:<redacted>@db.example / password <redacted> refused"


@pytest.mark.parametrize("formatter", [TextFormatter(), JsonFormatter()], ids=["text", "json"])
def test_an_update_id_given_by_the_line_is_kept(formatter: logging.Formatter) -> None:
    """An operator: "an update that could not be read was confirmed unhandled" said no id (outside any update's
    task, the filter put the task's none over the id the line gave)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(ContextFilter())
    log = logging.getLogger(f"test_logs.own.{id(formatter)}")
    log.handlers[:], log.propagate, log.level = [handler], False, logging.INFO
    log.warning("an update that could not be read was confirmed unhandled", extra={"update_id": 7_654_321})
    assert "7654321" in stream.getvalue(), stream.getvalue()  # a number no logger name holds (a review)


def test_every_line_names_the_instance_when_it_has_a_name() -> None:
    """A tester of several instances: only "started" said which instance a line came from. With P2C_INSTANCE_ID set
    every line carries it; a line naming its own is kept; without a name, no field is added."""
    lines = []
    for instance in ("bot-2", None):
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(ContextFilter(instance=instance))
        log = logging.getLogger(f"test_logs.instance.{instance}")
        log.handlers[:], log.propagate, log.level = [handler], False, logging.INFO
        log.info("digests enqueued", extra={"count": 2})
        log.info("started", extra={"instance_id": "bot-2b"})
        lines.append([json.loads(line) for line in stream.getvalue().splitlines()])
    named, unnamed = lines
    assert [line.get("instance_id") for line in named] == ["bot-2", "bot-2b"]
    assert [line.get("instance_id") for line in unnamed] == [None, "bot-2b"]
