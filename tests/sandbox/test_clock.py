"""/sandbox/clock: off unless P2C_TEST_CLOCK_FILE is set; moves the bot's clock ahead, never back."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.sandbox.client import SandboxClient, SandboxClientError
from models.clock import TEST_CLOCK_ENV, clock_offset, utcnow

from .conftest import BotCall


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


async def test_messages_are_stamped_with_the_moved_time(people: SandboxClient, call: BotCall,
                                                        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """QA: with the clock a week ahead, a reminder held for 09:00 of the moved day showed the real hour on the page
    (the sandbox stamped messages with the real time, the page showing the bot's)."""
    monkeypatch.setenv(TEST_CLOCK_ENV, str(tmp_path / "clock"))
    await people.add_user(4242, "Awa")
    await people.advance_clock(7 * 86400)
    await people.send_text(4242, "hello")
    status, sent = await call("sendMessage", chat_id=4242, text="a reminder")
    assert status == 200
    status, edited = await call("editMessageText", chat_id=4242, message_id=sent["result"]["message_id"], text="b")
    week_ahead = time.time() + 7 * 86400
    dates = [message["date"] for message in (await people.chat(4242))["messages"]]
    assert len(dates) == 2 and all(abs(date - week_ahead) < 60 for date in dates)
    assert abs(edited["result"]["edit_date"] - week_ahead) < 60
