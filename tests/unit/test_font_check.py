"""The start-up check of the charts' fonts runs apart (bot.app.check_chart_fonts): its verdict, not its memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import bot.app
from bot.app import check_chart_fonts
from bot.config import ConfigError

REPO = Path(__file__).resolve().parents[2]


async def test_a_missing_font_stops_start_up_with_the_checks_last_line(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = "import sys; sys.exit('fonts missing for digest charts: Noto Sans CJK JP')"
    monkeypatch.setattr(bot.app, "FONT_CHECK", missing)
    with pytest.raises(ConfigError, match="Noto Sans CJK JP"):
        await check_chart_fonts()


async def test_the_fonts_of_this_machine_pass() -> None:
    await check_chart_fonts()


def test_the_bot_does_not_load_matplotlib_until_it_draws() -> None:
    probe = "import sys, bot.app, handlers.router; print(sorted({'matplotlib'} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO)
    assert loaded.stdout.strip() == "[]"
