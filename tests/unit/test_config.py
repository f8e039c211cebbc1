"""Configuration and the command line: clear one-line errors, never a traceback."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot import config
from bot.config import ConfigError, load_settings

REPO = Path(__file__).resolve().parents[2]
TOKEN = "123456:" + "A" * 35


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("P2C_DATABASE_URL", "P2C_API_BASE", "P2C_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///p2c.db"
    assert settings.api_base == "https://api.telegram.org"
    assert (settings.default_locale, settings.timezone) == ("en", "UTC")


def test_retention_defaults_and_keeping_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    retention = load_settings(_env_file=None).retention()
    assert (retention.updates, retention.outbox, retention.audit) == (timedelta(days=7), timedelta(days=90), None)
    assert retention.files == timedelta(days=14)
    monkeypatch.setenv("P2C_RETENTION_OUTBOX_DAYS", "")
    monkeypatch.setenv("P2C_RETENTION_AUDIT_DAYS", "3650")
    monkeypatch.setenv("P2C_RETENTION_FILES_DAYS", "30")
    retention = load_settings(_env_file=None).retention()
    assert (retention.outbox, retention.audit, retention.files) == (None, timedelta(days=3650), timedelta(days=30))


def test_no_log_retention_is_stated_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: /privacy told everyone logs were kept 30 days while neither compose.yaml nor the systemd unit
    deleted any; the bot cannot know, so only an operator whose log system keeps a number of days states it."""
    monkeypatch.delenv("P2C_LOG_RETENTION_DAYS", raising=False)
    assert load_settings(_env_file=None).log_retention_days is None
    monkeypatch.setenv("P2C_LOG_RETENTION_DAYS", "30")
    assert load_settings(_env_file=None).log_retention_days == 30


@pytest.mark.parametrize(("overrides", "variable"), [
    ({"database_url": "not a url"}, "P2C_DATABASE_URL"),
    ({"database_url": "mysql://x/y"}, "P2C_DATABASE_URL"),
    ({"api_base": "ftp://x"}, "P2C_API_BASE"),
    ({"default_locale": "de"}, "P2C_DEFAULT_LOCALE"),
    ({"timezone": "Mars/Olympus"}, "P2C_TIMEZONE"),
    ({"webhook_url": "example.org/hook"}, "P2C_WEBHOOK_URL"),
    ({"retention_outbox_days": "0"}, "P2C_RETENTION_OUTBOX_DAYS"),
    ({"retention_audit_days": "a year"}, "P2C_RETENTION_AUDIT_DAYS"),
    ({"retention_files_days": "0"}, "P2C_RETENTION_FILES_DAYS"),
    ({"webhook_port": "99999"}, "P2C_WEBHOOK_PORT"),  # an event loop would listen on 99999 % 65536, silently
    ({"webhook_port": "0"}, "P2C_WEBHOOK_PORT"),
    ({"webhook_path": "nopath"}, "P2C_WEBHOOK_PATH"),
])
def test_bad_values_name_the_variable(overrides: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None, **overrides)
    assert str(error.value).startswith(variable) and "\n" not in str(error.value)


def test_a_retention_of_zero_days_is_told_to_be_empty_to_keep_everything() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None, retention_outbox_days="0")
    assert "empty" in str(error.value) and "unset" not in str(error.value), "unset gives the default, which deletes"


@pytest.mark.parametrize("token", [None, "", "nonsense", "123:short"])
def test_token_missing_or_malformed(token: str | None) -> None:
    settings = load_settings(_env_file=None, bot_token=token)
    with pytest.raises(ConfigError, match="P2C_BOT_TOKEN"):
        settings.token()
    assert load_settings(_env_file=None, bot_token=TOKEN).token() == TOKEN


STRONG = "Abc_-0123456789" * 3


@pytest.mark.parametrize("secret", [None, "", " " * 40, "short-secret", "x" * 31, "a" * 31 + "!", "é" * 40,
                                    "a" * 257, "a" * 32 + "\n"])
def test_webhook_mode_refuses_a_missing_or_weak_secret(secret: str | None) -> None:
    settings = load_settings(_env_file=None, webhook_url="https://bot.example.org", webhook_secret=secret)
    with pytest.raises(ConfigError, match=r"^P2C_WEBHOOK_SECRET"):
        settings.webhook()


def test_webhook_mode_with_a_strong_secret_listens_on_loopback_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("P2C_WEBHOOK_HOST", raising=False)
    settings = load_settings(_env_file=None, webhook_url="https://bot.example.org", webhook_secret=STRONG)
    assert settings.webhook() == ("https://bot.example.org/telegram/webhook", STRONG)
    assert settings.webhook_host == "127.0.0.1"
    with pytest.raises(ConfigError, match=r"^P2C_WEBHOOK_URL"):
        load_settings(_env_file=None, webhook_secret=STRONG).webhook()


@pytest.mark.parametrize("given", ["https://bot.example.org/p2c/telegram/webhook", "https://bot.example.org/p2c/",
                                   "https://bot.example.org/p2c"])
def test_the_webhook_url_is_followed_by_its_path_once(given: str) -> None:
    """A tester gave P2C_WEBHOOK_URL as the whole URL, and Telegram was told to post to .../webhook/telegram/webhook,
    which the proxy routing only the webhook's path refused."""
    settings = load_settings(_env_file=None, webhook_url=given, webhook_secret=STRONG)
    assert settings.webhook() == ("https://bot.example.org/p2c/telegram/webhook", STRONG)


def _cli(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, timeout=60,
                          env={**base, **(env or {}), "PYTHONPATH": str(REPO)}, cwd=cwd)


def test_help_lists_the_commands() -> None:
    result = _cli("--help")
    assert result.returncode == 0
    for command in ("run", "sandbox", "db", "admin", "invite"):
        assert command in result.stdout


def test_run_without_token_is_one_line(tmp_path: Path) -> None:
    result = _cli("run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "P2C_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_database_url_is_one_line(tmp_path: Path) -> None:
    result = _cli("run", env={"P2C_BOT_TOKEN": TOKEN, "P2C_DATABASE_URL": "nope"}, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("error: P2C_DATABASE_URL")
    # an operator: the election's URL malformed ended in a traceback, and an @ in a password was read as the host's
    result = _cli("run", env={"P2C_BOT_TOKEN": TOKEN, "P2C_PGBOUNCER": "true", "P2C_ELECTION_DATABASE_URL": "garbage",
                              "P2C_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("error: P2C_ELECTION_DATABASE_URL"), result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(ConfigError, match="URL-encoded") as told:
        load_settings(database_url="postgresql+asyncpg://p2c:p@ss@127.0.0.1:5432/p2c")
    assert "ss@" not in str(told.value)


def test_a_password_of_a_few_characters_is_not_redacted_wherever_its_letters_appear() -> None:
    """An operator's one-letter password (an @ left unencoded) turned every "p" of the log into "<redacted>": a
    password that short is redacted where a URL holds it (":p@"), not letter by letter."""
    settings = load_settings(bot_token=TOKEN, database_url="postgresql+asyncpg://p2c:p@127.0.0.1/p2c")
    assert settings.secrets() == (TOKEN, ":p@")
    longer = load_settings(bot_token=TOKEN, database_url="postgresql+asyncpg://p2c:s3cr@127.0.0.1/p2c")
    assert longer.secrets() == (TOKEN, "s3cr")


@pytest.mark.parametrize("secret", ["", "s3cret-Webhook-Token_123"])
def test_run_webhook_with_an_empty_or_short_secret_does_not_start(tmp_path: Path, secret: str) -> None:
    env = {"P2C_BOT_TOKEN": TOKEN, "P2C_WEBHOOK_URL": "https://bot.example.org", "P2C_WEBHOOK_SECRET": secret,
           "P2C_API_BASE": "http://127.0.0.1:9", "P2C_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}
    result = _cli("run", "--webhook", env=env, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("error: P2C_WEBHOOK_SECRET")
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_run_webhook_on_a_port_already_taken_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"P2C_BOT_TOKEN": TOKEN, "P2C_WEBHOOK_URL": "https://bot.example.org", "P2C_WEBHOOK_SECRET": STRONG,
               "P2C_WEBHOOK_PORT": str(port), "P2C_API_BASE": "http://127.0.0.1:9",
               "P2C_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}
        result = _cli("run", "--webhook", env=env, cwd=tmp_path)
        metrics = _cli("run", env={**env, "P2C_METRICS_PORT": str(port)}, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith(f"error: P2C_WEBHOOK_PORT={port}: cannot listen")
    assert result.stderr.strip().count("\n") == 0
    assert metrics.returncode == 2 and metrics.stderr.startswith(f"error: P2C_METRICS_PORT={port}: cannot listen")
    assert not (tmp_path / "x.db").exists(), "refused before anything was opened"


def test_admin_and_invite_commands(tmp_path: Path) -> None:
    env = {"P2C_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "P2C_BOT_TOKEN": TOKEN}
    upgraded = _cli("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    granted = _cli("admin", "grant", "4242", "staff", env=env, cwd=tmp_path)
    assert granted.returncode == 0 and "staff" in granted.stdout
    assert _cli("admin", "grant", "4242", "emperor", env=env, cwd=tmp_path).returncode != 0
    link = _cli("invite", "create", "--entity", "Ministry of ICT", "--country", "SEN", "--bot-username", "p2c_bot",
                env=env, cwd=tmp_path)
    assert link.returncode == 0, link.stderr
    assert link.stdout.startswith("https://t.me/p2c_bot?start=") and len(link.stdout.strip()) > 50
    one = _cli("invite", "create", "--entity", "ministry of ICT", "--bot-username", "p2c_bot", env=env, cwd=tmp_path)
    assert one.returncode == 0 and "created entity" not in one.stderr  # the one of that name
    other = _cli("invite", "create", "--entity", "Ministry of ICT", "--country", "GHA", "--bot-username", "p2c_bot",
                 env=env, cwd=tmp_path)
    assert other.returncode == 0 and "created entity" in other.stderr  # Ghana's is another organisation
    which = _cli("invite", "create", "--entity", "Ministry of ICT", "--bot-username", "p2c_bot", env=env, cwd=tmp_path)
    assert which.returncode == 2 and "SEN" in which.stderr and "GHA" in which.stderr  # not a third one
    again = _cli("invite", "create", "--entity", "ministry of ict", "--country", "GHA", "--bot-username", "p2c_bot",
                 env=env, cwd=tmp_path)
    assert again.returncode == 0 and "created entity" not in again.stderr
    refused = _cli("invite", "create", "--entity", "X", "--role", "admin", "--bot-username", "b", env=env, cwd=tmp_path)
    assert refused.returncode == 2 and "admin grant" in refused.stderr
    assert _cli("admin", "revoke", "4242", env=env, cwd=tmp_path).returncode == 0


def test_db_upgrade_leaves_a_newer_database_as_it_is(tmp_path: Path) -> None:
    """Several-instances tester: after a rollback, compose's `migrate` step (the previous version's `db upgrade`) met
    a database at a newer revision and ended with alembic's traceback, so the instances, which wait for it, never
    started; they themselves run on a newer schema of their chain."""
    import sqlite3

    env = {"P2C_DATABASE_URL": f"sqlite:///{tmp_path / 'newer.db'}"}
    assert _cli("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "newer.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    again = _cli("db", "upgrade", env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "revision 0099, newer than this version's" in again.stdout and "Traceback" not in again.stderr


def test_a_name_that_is_no_setting_is_warned_about_with_the_one_meant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    """An operator: P2C_DATABASE_ULR in .env was ignored without a word (the bot then made a new database file), and
    so was P2C_RETENTION_OUTBOX_DAY (while /privacy went on saying 90 days)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(config, "_told", set())
    (tmp_path / ".env").write_text("P2C_DATABASE_ULR=sqlite+aiosqlite:///elsewhere.db\n"
                                   "export p2c_retention_outbox_day=30\nOTHER_TOOL=1\n")  # read in any case
    monkeypatch.setenv("P2C_BOT_TOKEN", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0")
    monkeypatch.setenv("P2C_NO_SUCH_THING", "1")
    monkeypatch.setenv("P2C_TEST_POSTGRES_URL", "postgresql://tests")  # the tests' own: not the bot's to judge
    assert config.unknown_names(os.environ) == {"P2C_DATABASE_ULR": "P2C_DATABASE_URL", "P2C_NO_SUCH_THING": None,
                                                "p2c_retention_outbox_day": "P2C_RETENTION_OUTBOX_DAYS"}
    with caplog.at_level(logging.WARNING, logger="bot.config"):
        load_settings()
        load_settings()  # once a process
    assert [record.getMessage() for record in caplog.records] == [
        "P2C_DATABASE_ULR is not a setting of p2c-bot and is ignored: did you mean P2C_DATABASE_URL?",
        "P2C_NO_SUCH_THING is not a setting of p2c-bot and is ignored",
        "p2c_retention_outbox_day is not a setting of p2c-bot and is ignored: did you mean P2C_RETENTION_OUTBOX_DAYS?"]


def test_a_rule_on_several_settings_is_said_without_a_stray_word(monkeypatch: pytest.MonkeyPatch) -> None:
    """An operator read "error: settings P2C_PGBOUNCER needs P2C_ELECTION_DATABASE_URL…": "settings" is no variable."""
    monkeypatch.setenv("P2C_BOT_TOKEN", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0")
    monkeypatch.setenv("P2C_DATABASE_URL", "postgresql+asyncpg://p2c@localhost/p2c")
    monkeypatch.setenv("P2C_PGBOUNCER", "true")
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert str(refused.value).startswith("P2C_PGBOUNCER needs P2C_ELECTION_DATABASE_URL")
    assert str(refused.value).endswith(".") and not str(refused.value).endswith("..")


def test_a_name_that_is_no_setting_is_warned_about_in_the_logs_format(tmp_path: Path) -> None:
    """A review: the warning came before logging was set up, a plain line among JSON ones with --log-format json;
    and a misspelt token's variable is named beside the error it causes."""
    env = {"P2C_BOT_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0", "P2C_DATABASE_ULR": "sqlite:///x.db",
           "P2C_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}", "P2C_API_BASE": "http://127.0.0.1:9",
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    bot = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--log-format", "json"], cwd=tmp_path, env=env,
                           stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        assert bot.stderr is not None
        first = bot.stderr.readline()
    finally:
        bot.terminate()
        bot.communicate(timeout=30)
    warned = json.loads(first)
    assert warned["level"] == "warning" and warned["event"] == (
        "P2C_DATABASE_ULR is not a setting of p2c-bot and is ignored: did you mean P2C_DATABASE_URL?")
    refused = _cli("run", env={"P2C_BOT_TOKN": env["P2C_BOT_TOKEN"]}, cwd=tmp_path)
    assert refused.returncode == 2
    assert "P2C_BOT_TOKN is not a setting of p2c-bot and is ignored: did you mean P2C_BOT_TOKEN?" in refused.stderr
    assert "error: P2C_BOT_TOKEN" in refused.stderr
