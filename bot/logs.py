"""Logging: one line per event, text or JSON, with the update id and the person's internal id.

Never the bot token (a filter redacts it wherever it appears) and never what people wrote
(handlers log ids and outcomes, not texts).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

update_id_var: ContextVar[int | None] = ContextVar("update_id", default=None)
contact_id_var: ContextVar[int | None] = ContextVar("contact_id", default=None)

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class ContextFilter(logging.Filter):
    """Adds the update and contact ids of the current task (and the instance's name, when it has one), and redacts
    secrets."""

    def __init__(self, secrets: tuple[str, ...] = (), instance: str | None = None) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)
        self.instance = instance

    def filter(self, record: logging.LogRecord) -> bool:
        """Attach context; replace any secret in the message, its arguments, its extra fields and its traceback (an
        exception's text may quote a URL holding the bot token)."""
        # the current task's, unless the line names its own (an unreadable update's id, given as `extra`: it was
        # overwritten with the task's none, and the line said no id, an operator found)
        if getattr(record, "update_id", None) is None:
            record.update_id = update_id_var.get()
        if getattr(record, "contact_id", None) is None:
            record.contact_id = contact_id_var.get()
        # several instances writing to one log (a tester: only "started" said which one a line came from)
        if self.instance is not None and getattr(record, "instance_id", None) is None:
            record.instance_id = self.instance
        if self.secrets:
            record.msg, record.args = self._redacted(record.getMessage()), None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self._redacted(record.exc_text)
            if record.stack_info:
                record.stack_info = self._redacted(record.stack_info)
            for key, value in vars(record).items():  # the fields given as `extra`
                if key not in _STANDARD and isinstance(value, str):
                    setattr(record, key, self._redacted(value))
        return True

    def _redacted(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return text


def _traceback(formatter: logging.Formatter, record: logging.LogRecord) -> str | None:
    """The record's traceback: as the filter left it (redacted), else formatted now."""
    if record.exc_text:
        return record.exc_text
    return formatter.formatException(record.exc_info) if record.exc_info else None


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record with its context and extra fields."""
        data: dict[str, Any] = {
            # UTC, named: the host's local time without its zone could not be compared across hosts (operator tester)
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and value is not None:
                data[key] = value
        if (error := _traceback(self, record)) is not None:
            data["error"] = error
        return json.dumps(data, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Human-readable: time level logger event key=value …"""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record on one line (a traceback, if any, follows)."""
        extras = " ".join(f"{k}={v}" for k, v in vars(record).items() if k not in _STANDARD and v is not None)
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.name}: {record.getMessage()}"
        line = f"{line} {extras}" if extras else line
        if (error := _traceback(self, record)) is not None:
            line = f"{line}\n{error}"
        return line


def configure_logging(fmt: str = "text", level: str = "INFO", secrets: tuple[str, ...] = (),
                      instance: str | None = None) -> None:
    """Install one stderr handler with the chosen format and the redacting context filter (`instance`: the name
    every line carries, P2C_INSTANCE_ID)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter(secrets, instance))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    quieter = max(logging.WARNING, root.level)  # never more than the level asked for (ERROR keeps their warnings out)
    logging.getLogger("aiogram.event").setLevel(quieter)
    logging.getLogger("apscheduler").setLevel(quieter)
    logging.getLogger("matplotlib").setLevel(quieter)  # its DEBUG scores every font for every chart
    logging.getLogger("alembic.runtime.plugins").setLevel(quieter)  # "setup plugin …" seven times at each upgrade


SPELL_REMINDER = 60.0
"""Seconds between the reminders that a spell of failures goes on."""


class Spell:
    """A failure that repeats while it lasts (the database away, say), logged as one event: a warning when it begins
    (with the first error's traceback when `traceback`), a reminder every SPELL_REMINDER seconds while it lasts, and a
    warning when it ends; not a line at every attempt. A PostgreSQL restart of 45 s logged ~360 ERROR tracebacks per
    webhook instance and a claim's traceback every second (tester t4, finding 3), drowning real defects."""

    def __init__(self, logger: logging.Logger, begins: str, ends: str, *, traceback: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger, self.begins, self.ends, self.traceback = logger, begins, ends, traceback
        self.clock = clock
        self.since: float | None = None
        self.reminded = 0.0
        self.failures = 0

    def failed(self, error: BaseException) -> None:
        """One more failure: logged only if it begins the spell, or a reminder is due."""
        now = self.clock()
        self.failures += 1
        reason = type(error).__name__
        if self.since is None:
            self.since = self.reminded = now
            self.logger.warning(self.begins, extra={"reason": reason}, exc_info=error if self.traceback else None)
        elif now - self.reminded >= SPELL_REMINDER:
            self.reminded = now
            self.logger.warning(self.begins + " (still)", extra={"reason": reason, "for_s": round(now - self.since),
                                                                 "failures": self.failures})

    def passed(self) -> None:
        """It worked: the spell, if one was on, is over."""
        if self.since is not None:
            self.logger.warning(self.ends, extra={"for_s": round(self.clock() - self.since), "failures": self.failures})
            self.since, self.failures = None, 0
