"""Configuration from P2C_ environment variables or a .env file (pydantic-settings)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from contextlib import suppress
from datetime import timedelta
from difflib import get_close_matches
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from models.retention import Retention
from models.values import LANGUAGES

TOKEN_SHAPE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")
# Telegram allows 1-256 characters of A-Z, a-z, 0-9, _ and - in a webhook's secret_token; we ask for at least 32
# so that it cannot be guessed (`python -c "import secrets; print(secrets.token_urlsafe(32))"` makes one).
WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,256}")


log = logging.getLogger(__name__)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def bare_username(value: str | None) -> str | None:
    """A bot's username as its link t.me/NAME needs it: without the "@" it is often written with; None if empty."""
    return (value or "").strip().removeprefix("@").strip() or None


class ConfigError(Exception):
    """A setting that stops start-up; the message is one line naming the variable and why."""


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="P2C_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///p2c.db"
    api_base: str = "https://api.telegram.org"
    default_locale: str = "en"
    timezone: str = "UTC"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8081, ge=1, le=65535)
    """Checked here: an event loop given a port above 65535 would listen on it modulo 65536, silently."""
    webhook_path: str = "/telegram/webhook"
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    auto_upgrade: bool = True
    bot_username: str | None = None
    """As in the bot's link t.me/NAME: a leading "@", as usernames are often written, is dropped."""
    # Bounded: a burst of 0 never lets a message out (and shutdown waits for them), a rate of 0 divides by zero.
    rate_global_per_second: float = Field(default=30.0, gt=0, allow_inf_nan=False)
    rate_per_chat_per_second: float = Field(default=1.0, gt=0, allow_inf_nan=False)
    rate_per_chat_burst: int = Field(default=3, ge=1)
    reminder_interval_seconds: float = Field(default=900.0, ge=1.0, le=86400.0)
    """How often reminders are planned (each plan is idempotent; end-to-end tests use a second or two)."""
    event_loop: Literal["auto", "uvloop", "asyncio"] = "auto"
    """`p2c-bot run`'s event loop: uvloop when installed ("auto"), or the standard library's. uvloop makes each
    wake-up of the loop (every database call on SQLite, every HTTP answer) cheaper: see docs/benchmarks.md."""
    test_clock_file: str | None = None
    """Tests only: a file whose number of seconds models.clock adds to the time (see models/clock.py)."""

    def on_telegram(self) -> bool:
        """Whether the Bot API is Telegram's own (P2C_API_BASE), not a sandbox or a local server."""
        host = (urlsplit(self.api_base.strip()).hostname or "").rstrip(".")  # lower case, as urlsplit gives it
        return host == "telegram.org" or host.endswith(".telegram.org")

    @model_validator(mode="after")
    def _no_test_clock_on_telegram(self) -> Settings:
        if self.test_clock_file and self.on_telegram():
            raise ValueError("P2C_TEST_CLOCK_FILE moves the bot's clock for tests: it is refused with the real "
                             "Telegram (P2C_API_BASE)")
        return self
    retention_updates_days: int | None = 7
    retention_outbox_days: int | None = 90
    retention_audit_days: int | None = None
    retention_files_days: int | None = 14
    log_retention_days: int | None = Field(default=None, ge=1)
    """How long the operator's log system keeps the bot's logs (the bot writes them to standard error and deletes
    none itself): stated to people in /privacy. Unset by default, since only the log system can keep a number of
    days ("as long as the operator keeps them"); deploy/p2c-bot.service's journal namespace keeps 30 and says so."""
    instance_id: str | None = Field(default=None, max_length=64)
    """This instance's stable name (unique among the instances sharing a database): rows it took before a restart
    are then its own again at once, not after their lease. Unset, each process is new (a random identity)."""

    @field_validator("retention_updates_days", "retention_outbox_days", "retention_audit_days", "retention_files_days",
                     "log_retention_days",
                     mode="before")
    @classmethod
    def _days(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None  # set but empty: keep those rows
        return value

    @field_validator("retention_updates_days", "retention_outbox_days", "retention_audit_days", "retention_files_days")
    @classmethod
    def _positive_days(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            # unset, a variable has its default (which deletes): only an empty value keeps everything
            raise ValueError("must be a number of days, at least 1, or empty (set to nothing) to keep those rows "
                             "forever")
        return value

    def retention(self) -> Retention:
        """How long operational rows are kept (models.retention)."""
        days = [None if value is None else timedelta(days=value) for value in
                (self.retention_updates_days, self.retention_outbox_days, self.retention_audit_days,
                 self.retention_files_days)]
        return Retention(*days)

    pgbouncer: bool = False
    """The database URL points at PgBouncer in transaction mode: no statement stays prepared between
    transactions (models.database.PGBOUNCER_CONNECT_ARGS); the election then needs election_database_url."""
    election_database_url: str | None = None
    """PostgreSQL reached directly (or through a session-mode pool), for the scheduler's advisory lock alone."""

    @model_validator(mode="after")
    def _election_beside_pgbouncer(self) -> Settings:
        if self.pgbouncer and not self.election_database_url and not self.database_url.startswith("sqlite"):
            raise ValueError("P2C_PGBOUNCER needs P2C_ELECTION_DATABASE_URL: the scheduler's lock is held on a "
                             "session, which PgBouncer's transaction mode does not keep (give PostgreSQL directly)")
        return self

    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """A port for /healthz, /readyz and /metrics (bot.metrics), in polling mode too; unset, only the webhook
    server answers them (webhook mode)."""
    metrics_host: str = "127.0.0.1"
    """The address the metrics port listens on (0.0.0.0 in a container, with the port kept private)."""

    digest_check_seconds: int = Field(default=300, ge=1, le=86400)
    """How often the scheduler looks for digests that have fallen due."""

    @field_validator("database_url", "election_database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            url = make_url(value)
        except ArgumentError as error:
            raise ValueError("is not a database URL (e.g. sqlite+aiosqlite:///p2c.db)") from error
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("must be a sqlite or postgresql URL")
        if "@" in (url.host or ""):  # "p2c:p@ss@db": the password read as "p", the host as "ss@db" (an operator)
            raise ValueError("has an @ in its user or password: write it URL-encoded there (@ as %40, / as %2F, "
                             "# as %23, : as %3A)")
        return value

    @field_validator("api_base", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/") if value else value

    @field_validator("webhook_path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with / (e.g. /telegram/webhook)")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("bot_username")
    @classmethod
    def _bare_username(cls, value: str | None) -> str | None:
        return bare_username(value)

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("is not an IANA time zone (e.g. Europe/Zurich)") from error
        return value

    def token(self) -> str:
        """The bot token, or a ConfigError saying it is missing or malformed."""
        if self.bot_token is None or not self.bot_token.get_secret_value():
            raise ConfigError("P2C_BOT_TOKEN is not set: give the token BotFather issued (or use `p2c-bot sandbox`).")
        token = self.bot_token.get_secret_value()
        if not TOKEN_SHAPE.match(token):
            raise ConfigError("P2C_BOT_TOKEN does not look like a bot token (digits, a colon, then the secret).")
        return token

    def secrets(self) -> tuple[str, ...]:
        """What the logs must never show (bot.logs.ContextFilter redacts it): the bot token, the webhook secret and
        the databases' passwords (SQLAlchemy masks them in a URL it prints, but a driver's error may not)."""
        urls = [url for url in (self.database_url, self.election_database_url) if url]
        # as the driver may say it (decoded) and as the URL writes it (percent-encoded: "p%40ss" for "p@ss")
        passwords = tuple(dict.fromkeys(str(password) for url in urls
                                        for password in (make_url(url).password, urlsplit(url).password) if password))
        webhook = self.webhook_secret.get_secret_value() if self.webhook_secret is not None else ""
        # a password of one to three characters only where a URL holds it: redacting "p" wherever it appears made
        # every line unreadable (an operator)
        return tuple(secret for secret in (self.token(), webhook, *(
            password if len(password) >= MIN_REDACTED else f":{password}@" for password in passwords if password))
            if secret)

    def webhook(self) -> tuple[str, str]:
        """The webhook's public URL (P2C_WEBHOOK_URL, followed by P2C_WEBHOOK_PATH unless it ends with it already: a
        tester gave the whole URL, and Telegram was told to post to /telegram/webhook/telegram/webhook) and secret,
        or a ConfigError: webhook mode never runs without a strong secret."""
        # Fail closed: aiogram skips the header check for an empty secret, which would let anyone post updates.
        # The secret is not generated here: instances behind a load balancer must share one.
        if not self.webhook_url:
            raise ConfigError("P2C_WEBHOOK_URL is not set: give the public https URL Telegram posts updates to.")
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret is not None else ""
        if not WEBHOOK_SECRET_SHAPE.fullmatch(secret):
            raise ConfigError("P2C_WEBHOOK_SECRET must be 32 to 256 characters of A-Z, a-z, 0-9, _ and - "
                              "(e.g. from `python -c \"import secrets; print(secrets.token_urlsafe(32))\"`).")
        url = self.webhook_url
        if self.on_telegram() and not url.lower().startswith("https://"):  # Telegram refuses it (an operator)
            raise ConfigError("P2C_WEBHOOK_URL must be an https URL: Telegram posts updates over HTTPS only.")
        return (url if url.endswith(self.webhook_path) else url + self.webhook_path), secret


MIN_REDACTED = 4
"""The shortest secret the logs redact (the token and the webhook secret are far longer by their shape)."""


OTHER_NAMES = frozenset({"P2C_TEST_POSTGRES_URL", "P2C_TEST_POSTGRES_PORT", "P2C_UPDATE_GOLDEN"})
"""P2C_ names that the project's tooling reads (the tests, scripts/with-postgres.sh), not the bot."""
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?(P2C_[A-Za-z0-9_]+)\s*=", re.MULTILINE | re.IGNORECASE)
_told: set[str] = set()


def unknown_names(environment: Mapping[str, str], env_file: Path = Path(".env")) -> dict[str, str | None]:
    """The P2C_ names set in the environment or the .env file that are no setting (a typo such as
    P2C_DATABASE_ULR, silently ignored, would leave the bot on another database), each with the setting it is
    most like (None: none is)."""
    known = {f"P2C_{name.upper()}" for name in Settings.model_fields} | OTHER_NAMES
    found = {name for name in environment if name.upper().startswith("P2C_")}
    with suppress(OSError):  # no .env: the environment alone
        found |= set(_ENV_LINE.findall(env_file.read_text(encoding="utf-8", errors="replace")))
    return {name: next(iter(get_close_matches(name.upper(), sorted(known), n=1, cutoff=0.8)), None)
            for name in sorted(found) if name.upper() not in known}


def warn_unknown_names() -> None:
    """Warn about each P2C_ name that is no setting (unknown_names), once a process, with the setting it is most
    like."""
    for name, like in unknown_names(os.environ).items():
        if name not in _told:
            _told.add(name)
            log.warning("%s is not a setting of p2c-bot and is ignored%s", name,
                        f": did you mean {like}?" if like else "")


def load_settings(*, names_later: bool = False, **overrides: object) -> Settings:
    """Read the settings; a bad value becomes one ConfigError line naming the variable. A P2C_ name that is no
    setting is warned about (warn_unknown_names): at once, or with `names_later` by the caller once it has set up
    logging from these settings (so that the warning is in the log's format), unless reading them fails."""
    if not names_later:
        warn_unknown_names()
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        warn_unknown_names()  # P2C_BOT_TOKN beside "P2C_BOT_TOKEN is missing": the likely cause
        first = error.errors()[0]
        message = _said(first)
        if not first["loc"]:  # a rule on several settings: its message names them
            raise ConfigError(f"{message}.") from None
        raise ConfigError(f"P2C_{str(first['loc'][0]).upper()}: {message}.") from None


PYDANTIC_SAYS = {
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "string_too_long": "must be at most {max_length} characters",
    "string_too_short": "must be at least {min_length} characters",
    "bool_parsing": "must be true or false",
    "int_parsing": "must be a whole number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "literal_error": "must be one of {expected}",
}
"""Pydantic's refusals of a setting, said as the rest of our messages say them ("P2C_LOG_FORMAT: must be one of 'text'
or 'json'", not "P2C_LOG_FORMAT Input should be 'text' or 'json'": an operator)."""


def _said(error: Mapping[str, object]) -> str:
    """One refusal of pydantic's in our words, with what was given when it is short and not a secret."""
    context = error.get("ctx") or {}
    template = PYDANTIC_SAYS.get(str(error.get("type")))
    if template is not None and isinstance(context, Mapping):  # 0.0 said 0: the bound as an operator writes it
        message = template.format(**{key: f"{value:g}" if isinstance(value, float) else value
                                     for key, value in context.items()})
    else:
        message, template = str(error["msg"]).removeprefix("Value error, ").rstrip("."), None
    given = error.get("input")
    where = error.get("loc")
    secret = any(word in str(part) for part in (where if isinstance(where, tuple) else ())
                 for word in ("token", "secret", "url"))
    if isinstance(given, str) and template is not None and not secret and len(given) <= 40:
        message += f" (given: {given!r})"
    return message
