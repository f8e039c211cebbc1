"""The start-up check of the charts' fonts runs apart (bot.app.check_chart_fonts): its verdict, not its memory.

`run` refuses to start without them; the sandbox, which a fresh machine must start, warns once and draws anyway."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

import bot.app
import handlers.digests.chart
from bot.app import check_chart_fonts
from bot.config import ConfigError
from handlers.digests.chart import render_chart
from models.repositories.digests import Figures, Share

REPO = Path(__file__).resolve().parents[2]
MISSING = ("import sys; sys.exit('handlers.digests.chart.FontMissingError: fonts missing for digest charts: Noto Sans "
           "CJK JP; install Debian\\'s fonts-noto-cjk: apt-get install fonts-noto-cjk')")


@pytest.fixture
def quiet_matplotlib() -> Iterator[None]:
    """The sandbox quiets matplotlib's font messages for its whole process: given back after the test."""
    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    yield
    logger.setLevel(level)


async def test_a_missing_font_stops_start_up_with_the_checks_last_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.app, "FONT_CHECK", MISSING)
    with pytest.raises(ConfigError, match=r"^fonts missing for digest charts: Noto Sans CJK JP; .* empty boxes\)$"):
        await check_chart_fonts()


async def test_the_sandbox_warns_once_with_the_apt_command_and_draws_chinese_charts_anyway(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, quiet_matplotlib: None) -> None:
    """`make sandbox` refused to start on a fresh machine without fonts-noto-cjk (operator's test)."""
    monkeypatch.setattr(bot.app, "FONT_CHECK", MISSING)
    monkeypatch.setattr(handlers.digests.chart, "CJK_FONT", "Noto Sans CJK Nowhere")
    with caplog.at_level(logging.WARNING):
        await check_chart_fonts(required=False)
        figures = Figures(pledges=1, due=2, reported=1, breakdowns={"focus_area": [Share("access", 1, Decimal(9))]})
        png = render_chart(figures, "zh", lambda label: "可负担的接入", "合作伙伴连接")  # pytest: a warning fails it
    assert png.startswith(b"\x89PNG")
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 1, "one warning, not one per glyph of every chart"
    assert "apt-get install fonts-noto-cjk" in lines[0] and "FontMissingError" not in lines[0]
    assert "`p2c-bot run` refuses to start without them" in lines[0]


async def test_the_fonts_of_this_machine_pass() -> None:
    await check_chart_fonts()


def test_the_bot_does_not_load_matplotlib_until_it_draws() -> None:
    probe = "import sys, bot.app, handlers.router; print(sorted({'matplotlib'} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO)
    assert loaded.stdout.strip() == "[]"
