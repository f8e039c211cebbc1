"""Settings that used to be taken as given: the log format from the environment, bounded pacing, the log level, the
bot's username, and the README's table of them all (h_sandbox #2, #5, #10, #12)."""

from __future__ import annotations

import os
import re
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot import cli
from bot.config import ConfigError, Settings, load_settings
from models.clock import TEST_CLOCK_ENV

REPO = Path(__file__).resolve().parents[2]
TOKEN = "123456:" + "A" * 35


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[str, str]]:
    """`run` and `sandbox` stopped just after logging is configured: the (format, level) they configured."""
    import bot.app
    import bot.logs
    import bot.sandbox_runner

    for name in ("P2C_LOG_FORMAT", "P2C_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(TEST_CLOCK_ENV, "")  # `sandbox` sets it for the bot it runs: as it was once the test ends
    monkeypatch.setenv("P2C_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("P2C_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}")
    monkeypatch.chdir(tmp_path)
    configured: list[tuple[str, str]] = []

    def not_run(coroutine: Coroutine[Any, Any, Any], *args: object) -> None:
        coroutine.close()

    monkeypatch.setattr(bot.logs, "configure_logging",
                        lambda fmt, level, secrets=(), instance=None: configured.append((fmt, level)))
    monkeypatch.setattr(bot.app, "build_app", lambda settings: None)
    monkeypatch.setattr(cli, "_run", not_run)
    monkeypatch.setattr(bot.sandbox_runner, "run_sandbox", lambda *args, **kwargs: _nothing())
    return configured


async def _nothing() -> None:
    return None


def test_the_sandbox_lets_its_page_move_the_clock_kept_beside_its_database(
        started: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A tester could not turn the page's Advance one week on: P2C_TEST_CLOCK_FILE was refused as if the bot ran on
    the real Telegram, the sandbox's own address being set only later. It is now on by default (--no-clock)."""
    import bot.sandbox_runner

    ran: list[Settings] = []

    def run_sandbox(settings: Settings, **where: object) -> Coroutine[Any, Any, None]:
        ran.append(settings)
        return _nothing()

    monkeypatch.setattr(bot.sandbox_runner, "run_sandbox", run_sandbox)
    runner = CliRunner()
    assert runner.invoke(cli.app, ["sandbox", "--port", "8093"]).exit_code == 0
    clock = f"{tmp_path / 'p2c.db'}.clock"
    assert os.environ[TEST_CLOCK_ENV] == clock and ran[-1].test_clock_file == clock
    monkeypatch.setenv(TEST_CLOCK_ENV, "")
    assert runner.invoke(cli.app, ["sandbox", "--no-clock"]).exit_code == 0
    assert not os.environ[TEST_CLOCK_ENV] and not ran[-1].test_clock_file
    monkeypatch.setenv(TEST_CLOCK_ENV, str(tmp_path / "mine.clock"))  # one given is kept
    assert runner.invoke(cli.app, ["sandbox"]).exit_code == 0
    assert ran[-1].test_clock_file == str(tmp_path / "mine.clock")
    assert load_settings(api_base="http://127.0.0.1:8093", test_clock_file=clock).test_clock_file == clock
    with pytest.raises(ConfigError, match="real Telegram"):
        load_settings(test_clock_file=clock)


@pytest.mark.parametrize("command", ["run", "sandbox"])
def test_the_log_format_comes_from_the_environment_and_dot_env(
        command: str, started: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Regression (h_sandbox #2): `run` and `sandbox` passed their --log-format default "text" as an override, so
    P2C_LOG_FORMAT=json (the Docker image's) and a .env were ignored and every container logged text."""
    runner = CliRunner()
    assert runner.invoke(cli.app, [command]).exit_code == 0
    (tmp_path / ".env").write_text("P2C_LOG_FORMAT=json\n")
    assert runner.invoke(cli.app, [command]).exit_code == 0
    monkeypatch.setenv("P2C_LOG_FORMAT", "json")
    assert runner.invoke(cli.app, [command]).exit_code == 0
    assert runner.invoke(cli.app, [command, "--log-format", "text"]).exit_code == 0  # the option still wins
    assert [fmt for fmt, _ in started] == ["text", "json", "json", "text"]


@pytest.mark.parametrize("command", ["run", "sandbox"])
def test_a_bad_log_format_or_level_stops_start_up_with_one_line(
        command: str, started: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (h_sandbox #2, #5): P2C_LOG_FORMAT=xml started with text logs; P2C_LOG_LEVEL=verbose was a
    traceback."""
    runner = CliRunner()
    monkeypatch.setenv("P2C_LOG_FORMAT", "xml")
    refused = runner.invoke(cli.app, [command])
    assert refused.exit_code == 2 and refused.output.startswith("error: P2C_LOG_FORMAT")
    monkeypatch.delenv("P2C_LOG_FORMAT")
    monkeypatch.setenv("P2C_LOG_LEVEL", "verbose")
    refused = runner.invoke(cli.app, [command])
    assert refused.exit_code == 2 and refused.output.startswith("error: P2C_LOG_LEVEL")
    assert refused.output.strip().count("\n") == 0 and "DEBUG" in refused.output
    assert started == []


@pytest.mark.parametrize(("overrides", "variable"), [
    ({"rate_per_chat_burst": "0"}, "P2C_RATE_PER_CHAT_BURST"),
    ({"rate_per_chat_burst": "-2"}, "P2C_RATE_PER_CHAT_BURST"),
    ({"rate_global_per_second": "0"}, "P2C_RATE_GLOBAL_PER_SECOND"),
    ({"rate_global_per_second": "-30"}, "P2C_RATE_GLOBAL_PER_SECOND"),
    ({"rate_global_per_second": "nan"}, "P2C_RATE_GLOBAL_PER_SECOND"),
    ({"rate_per_chat_per_second": "-5"}, "P2C_RATE_PER_CHAT_PER_SECOND"),
    ({"rate_per_chat_per_second": "0"}, "P2C_RATE_PER_CHAT_PER_SECOND"),
    ({"rate_per_chat_per_second": "inf"}, "P2C_RATE_PER_CHAT_PER_SECOND"),
    ({"log_level": "verbose"}, "P2C_LOG_LEVEL"),
    ({"log_format": "xml"}, "P2C_LOG_FORMAT"),
])
def test_pacing_and_logging_values_out_of_bounds_name_the_variable(overrides: dict[str, str], variable: str) -> None:
    """Regression (h_sandbox #5): a burst of 0 made the bot answer nobody and ignore SIGINT/SIGTERM, a global rate
    of 0 was a ZeroDivisionError, a negative rate was accepted."""
    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None, **overrides)
    assert str(error.value).startswith(variable + ": ") and "\n" not in str(error.value)


def test_pacing_and_logging_values_in_bounds_are_kept() -> None:
    """The benchmarks' huge rates stay valid; a log level in any case is the logging module's name."""
    settings = load_settings(_env_file=None, rate_global_per_second="100000", rate_per_chat_per_second="100000",
                             rate_per_chat_burst="100000", log_level="debug")
    assert (settings.rate_global_per_second, settings.rate_per_chat_per_second) == (100000.0, 100000.0)
    assert (settings.rate_per_chat_burst, settings.log_level) == (100000, "DEBUG")
    slow = load_settings(_env_file=None, rate_global_per_second="0.5", rate_per_chat_per_second="0.05",
                         rate_per_chat_burst="1", log_level=" Warning ")
    assert (slow.rate_global_per_second, slow.rate_per_chat_per_second, slow.log_level) == (0.5, 0.05, "WARNING")


@pytest.mark.parametrize(("given", "kept"), [("@p2c_sandbox_bot", "p2c_sandbox_bot"), (" @p2c_bot ", "p2c_bot"),
                                             ("p2c_bot", "p2c_bot"), ("", None), ("@", None)])
def test_the_bot_username_is_kept_without_its_at_sign(given: str, kept: str | None) -> None:
    """Regression (h_sandbox #10): P2C_BOT_USERNAME=@name made links https://t.me/@name?start=…, which do not open
    the bot."""
    assert load_settings(_env_file=None, bot_username=given).bot_username == kept


def test_an_invitation_link_has_no_at_sign(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Regression (h_sandbox #10), through the command: P2C_BOT_USERNAME and --bot-username written with "@"."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("P2C_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}")
    monkeypatch.setenv("P2C_BOT_USERNAME", "@p2c_sandbox_bot")
    runner = CliRunner()
    made = runner.invoke(cli.app, ["invite", "create", "--entity", "Ministry of ICT", "--country", "GHA"])
    assert made.exit_code == 0, made.output
    assert made.stdout.startswith("https://t.me/p2c_sandbox_bot?start=")
    given = runner.invoke(cli.app, ["invite", "create", "--entity", "Ministry of ICT", "--country", "GHA",
                                    "--bot-username", "@other_bot"])
    assert given.exit_code == 0 and given.stdout.startswith("https://t.me/other_bot?start=")


def test_the_readme_table_lists_every_setting_with_its_default() -> None:
    """Regression (h_sandbox #12): P2C_LOG_LEVEL and P2C_AUTO_UPGRADE were read but not in the README's table."""
    readme = (REPO / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
    rows: dict[str, str] = {}
    for line in table.splitlines()[2:]:
        names, default = line.split(" | ")[:2]
        found = re.findall(r"`P2C_(\w+)`", names)
        defaults = [part.strip() for part in re.split(r",\s*(?![^(]*\))", default.strip("| "))]
        rows.update(zip(found, defaults if len(defaults) == len(found) else [default] * len(found), strict=True))
    assert sorted(rows) == sorted(name.upper() for name in Settings.model_fields)
    for name, field in Settings.model_fields.items():
        if field.default is None:
            continue  # "(off)", "(required …)", "kept": said in words
        shown = str(field.default).lower() if isinstance(field.default, bool) else str(field.default)
        assert rows[name.upper()] == f"`{shown.removesuffix('.0')}`", name


@pytest.mark.parametrize(("overrides", "said"), [
    ({"log_format": "xml"}, "P2C_LOG_FORMAT: must be one of 'text' or 'json' (given: 'xml')."),
    ({"rate_global_per_second": "-30"}, "P2C_RATE_GLOBAL_PER_SECOND: must be greater than 0 (given: '-30')."),
    ({"auto_upgrade": "maybe"}, "P2C_AUTO_UPGRADE: must be true or false (given: 'maybe')."),
    ({"instance_id": "x" * 65}, "P2C_INSTANCE_ID: must be at most 64 characters."),
])
def test_a_value_out_of_bounds_is_said_in_our_words(overrides: dict[str, str], said: str) -> None:
    """An operator: "P2C_RATE_GLOBAL_PER_SECOND Input should be greater than 0", pydantic's words without a colon."""
    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None, **overrides)
    assert str(error.value) == said


def test_run_names_its_instance_in_every_log_line(started: list[tuple[str, str]],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """P2C_INSTANCE_ID reaches the log's filter (bot.logs.ContextFilter puts it on every line)."""
    import bot.logs

    named: list[str | None] = []
    monkeypatch.setattr(bot.logs, "configure_logging",
                        lambda fmt, level, secrets=(), instance=None: named.append(instance))
    monkeypatch.setenv("P2C_INSTANCE_ID", "bot-3")
    assert CliRunner().invoke(cli.app, ["run"]).exit_code == 0
    monkeypatch.delenv("P2C_INSTANCE_ID")
    assert CliRunner().invoke(cli.app, ["run"]).exit_code == 0
    assert named == ["bot-3", None]
