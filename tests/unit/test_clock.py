"""The test clock: off by default, moved by a file only when P2C_TEST_CLOCK_FILE names it, refused on Telegram."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from models.clock import TEST_CLOCK_ENV, advance_test_clock, clock_offset, utcnow


def test_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TEST_CLOCK_ENV, raising=False)
    from datetime import UTC, datetime

    assert abs(utcnow() - datetime.now(UTC)) < timedelta(seconds=1)


def test_the_file_moves_the_clock_and_is_reread_when_it_changes(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    path = str(tmp_path / "clock")
    monkeypatch.setenv(TEST_CLOCK_ENV, path)
    before = utcnow()
    assert clock_offset(path) == 0.0  # no file yet
    assert advance_test_clock(path, 86400 * 3) == 86400 * 3
    assert utcnow() - before >= timedelta(days=3)
    assert advance_test_clock(path, 3600) == 86400 * 3 + 3600
    assert timedelta(days=3, hours=1) <= utcnow() - before < timedelta(days=3, hours=1, seconds=5)
    Path(path).write_text("not a number")
    assert clock_offset(path) == 0.0


def test_refused_with_the_real_telegram(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("P2C_API_BASE", raising=False)
    with pytest.raises(ConfigError, match="TEST_CLOCK"):
        load_settings(test_clock_file="/tmp/clock")
    for telegram in ("https://API.Telegram.org", "https://api.telegram.org.", "http://api.telegram.org:443/"):
        with pytest.raises(ConfigError, match="TEST_CLOCK"):  # a review: only the exact spelling was refused
            load_settings(test_clock_file="/tmp/clock", api_base=telegram)
    assert load_settings(test_clock_file="/tmp/clock", api_base="http://127.0.0.1:8080").test_clock_file
