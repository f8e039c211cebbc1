"""/settings: a UTC offset typed in summer time is the zone keeping that time when it is typed. In December
"UTC+10:30" (Adelaide's time then) was answered "Lord Howe Island (Australia/Lord_Howe, UTC+11:00)", reminders
came 30 minutes off, "UTC+13:45" (the Chatham Islands then) was "No time zone", and "UTC+12:45" was taken as
"Pacific/Chatham, UTC+13:45"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from chat_driver import ChatDriver
from test_settings import contact, focal

from bot.i18n import Renderer
from handlers.conversation import Deps
from models.clock import TEST_CLOCK_ENV, advance_test_clock, utcnow
from models.database import Database

JANUARY = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)
JULY = datetime(2030, 7, 15, 9, 0, tzinfo=UTC)
CLOCKS_GO_BACK = datetime(2030, 4, 6, 17, 0, tzinfo=UTC)
"""Adelaide has left its summer time (UTC+10:30) at 16:30 UTC, Lord Howe Island has taken it at 15:00: at noon UTC
the same day both still kept their summer times."""


def move_clock_to(path: Path, when: datetime) -> None:
    """The bot's clock moved to `when` (the test clock enabled by the caller)."""
    advance_test_clock(str(path), (when - utcnow()).total_seconds())


def minutes(label: str) -> int:
    """UTC+10:30 → 630, UTC−02:30 → -150."""
    hours, _, rest = label[4:].partition(":")
    return (-1 if label[3] == "−" else 1) * (int(hours) * 60 + int(rest))


def test_the_day_the_clocks_go_back_is_such_a_day() -> None:
    offsets = {zone: [moment.astimezone(ZoneInfo(zone)).utcoffset() for moment in
                      (CLOCKS_GO_BACK.replace(hour=12), CLOCKS_GO_BACK)]
               for zone in ("Australia/Adelaide", "Australia/Lord_Howe")}
    assert offsets == {"Australia/Adelaide": [timedelta(hours=10, minutes=30), timedelta(hours=9, minutes=30)],
                       "Australia/Lord_Howe": [timedelta(hours=11), timedelta(hours=10, minutes=30)]}


@pytest.mark.parametrize(("when", "typed", "zone", "shown"), [
    (JANUARY, "UTC+10:30", "Australia/Adelaide", "UTC+10:30"), (JULY, "UTC+10:30", "Australia/Lord_Howe", "UTC+10:30"),
    (JANUARY, "UTC+13:45", "Pacific/Chatham", "UTC+13:45"), (JULY, "UTC+12:45", "Pacific/Chatham", "UTC+12:45"),
    (JANUARY, "UTC-3:30", "America/St_Johns", "UTC−03:30"), (JULY, "UTC-2:30", "America/St_Johns", "UTC−02:30"),
    (JANUARY, "UTC+11", "Etc/GMT-11", "UTC+11:00"),
    (CLOCKS_GO_BACK, "UTC+10:30", "Australia/Lord_Howe", "UTC+10:30"),  # the moment's offsets, not noon's
])
async def test_a_typed_offset_is_the_time_kept_now(database: Database, deps: Deps, renderer: Renderer,
                                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: datetime,
                                                   typed: str, zone: str, shown: str) -> None:
    monkeypatch.setenv(TEST_CLOCK_ENV, str(tmp_path / "clock"))
    move_clock_to(tmp_path / "clock", when)
    chat = ChatDriver(database, deps, renderer)
    await focal(chat, 321, "AUS")
    person = chat.person(321)
    await chat.press(person, "st:tz")
    done = await chat.send(person, typed)
    assert (await contact(database, 321)).timezone == zone
    # the offset shown back is the one typed, and so is the time said to be theirs
    named = f"now {shown}." if zone.startswith("Etc/") else f"({zone}, {shown})."
    there = when + timedelta(minutes=minutes(shown))
    local = f"{there.hour % 12 or 12}:{there.minute:02d}\u202f{'AM' if there.hour < 12 else 'PM'}"
    assert named in done[-1].text and f"It is {local} there." in done[-1].text, done[-1].text
    settings = await chat.send(person, "/settings")
    assert f"{shown} — chosen by you" in settings[0].text or f"{shown}) — chosen by you" in settings[0].text


@pytest.mark.parametrize(("when", "typed", "offset"), [
    (JANUARY, "UTC+12:45", "UTC+12:45"), (JULY, "UTC+13:45", "UTC+13:45"), (JANUARY, "UTC-2:30", "UTC−02:30"),
])
async def test_an_offset_no_zone_keeps_now_is_refused(database: Database, deps: Deps, renderer: Renderer,
                                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      when: datetime, typed: str, offset: str) -> None:
    monkeypatch.setenv(TEST_CLOCK_ENV, str(tmp_path / "clock"))
    move_clock_to(tmp_path / "clock", when)
    chat = ChatDriver(database, deps, renderer)
    await focal(chat, 322, "NZL")
    person = chat.person(322)
    await chat.press(person, "st:tz")
    refused = await chat.send(person, typed)
    assert f"No time zone is {offset}" in refused[-1].text
    assert (await contact(database, 322)).timezone is None
