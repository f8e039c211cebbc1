"""`p2c-bot run`'s event loop (P2C_EVENT_LOOP): uvloop when installed, the standard library's on request."""

from __future__ import annotations

import asyncio
import sys

import pytest

from bot.cli import _run, loop_factory
from bot.config import ConfigError, load_settings


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_auto_runs_on_uvloop_when_installed() -> None:
    pytest.importorskip("uvloop")
    assert _run(_loop_module(), "auto").startswith("uvloop")
    assert _run(_loop_module(), "uvloop").startswith("uvloop")


def test_asyncio_runs_on_the_standard_loop() -> None:
    assert loop_factory("asyncio") is None
    assert _run(_loop_module(), "asyncio").startswith("asyncio")


def test_without_uvloop_auto_falls_back_and_uvloop_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` raises ImportError
    assert loop_factory("auto") is None
    with pytest.raises(ConfigError, match="uvloop is not installed"):
        loop_factory("uvloop")


def test_setting_is_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("P2C_EVENT_LOOP", raising=False)
    assert load_settings(_env_file=None).event_loop == "auto"
    monkeypatch.setenv("P2C_EVENT_LOOP", "asyncio")
    assert load_settings(_env_file=None).event_loop == "asyncio"
    monkeypatch.setenv("P2C_EVENT_LOOP", "trio")
    with pytest.raises(ConfigError):
        load_settings(_env_file=None)
