"""/sandbox/clock: off unless P2C_TEST_CLOCK_FILE is set; moves the bot's clock ahead, never back."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.sandbox.client import SandboxClient, SandboxClientError
from models.clock import TEST_CLOCK_ENV, clock_offset, utcnow


async def test_the_clock_is_off_by_default(people: SandboxClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TEST_CLOCK_ENV, raising=False)
    with pytest.raises(SandboxClientError, match="test clock is off"):
        await people.advance_clock(60)


async def test_advancing_moves_utcnow(people: SandboxClient, monkeypatch: pytest.MonkeyPatch,
                                      tmp_path: Path) -> None:
    path = tmp_path / "clock"
    monkeypatch.setenv(TEST_CLOCK_ENV, str(path))
    before = utcnow()
    moved = await people.advance_clock(7 * 86400)
    assert moved["offset_seconds"] == 7 * 86400 == clock_offset(str(path))
    assert datetime.fromisoformat(moved["now"]) - before >= timedelta(days=7)
    assert utcnow() - before >= timedelta(days=7)
    assert (await people.clock())["offset_seconds"] == 7 * 86400
    for wrong in (-5, 400 * 86400, "soon", True):
        with pytest.raises(SandboxClientError):
            await people.advance_clock(wrong)  # type: ignore[arg-type]
    assert clock_offset(str(path)) == 7 * 86400
