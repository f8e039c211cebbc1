"""A typed UTC offset names a zone keeping that offset at the moment it is typed: in the southern summer
"UTC+10:30" is Adelaide's time (Lord Howe keeps UTC+11:00 then), "UTC+13:45" is the Chatham Islands', and
"UTC+12:45" is nobody's; the zone shown back always keeps the offset typed."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from models.timezones import ZoneSearch, look_up_zones, offset_label

JANUARY = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
JULY = datetime(2027, 7, 15, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("now", "typed", "zone"), [
    (JANUARY, "UTC+10:30", "Australia/Adelaide"), (JULY, "UTC+10:30", "Australia/Lord_Howe"),
    (JANUARY, "UTC+9:30", "Australia/Darwin"), (JULY, "UTC+9:30", "Australia/Darwin"),  # Darwin keeps it all year
    (JANUARY, "UTC+13:45", "Pacific/Chatham"), (JULY, "UTC+13:45", None),
    (JANUARY, "UTC+12:45", None), (JULY, "UTC+12:45", "Pacific/Chatham"),
    (JANUARY, "UTC+5:45", "Asia/Kathmandu"), (JULY, "UTC+5:45", "Asia/Kathmandu"),
    (JANUARY, "UTC+5:30", "Asia/Kolkata"), (JULY, "UTC+5:30", "Asia/Kolkata"),
    (JANUARY, "UTC+3:30", "Asia/Tehran"), (JULY, "UTC+3:30", "Asia/Tehran"),
    (JANUARY, "UTC-3:30", "America/St_Johns"), (JULY, "UTC-3:30", None),
    (JANUARY, "UTC-2:30", None), (JULY, "UTC-2:30", "America/St_Johns"),
    (JANUARY, "UTC+11", "Etc/GMT-11"), (JULY, "UTC+11", "Etc/GMT-11"),
    (JANUARY, "UTC+10", "Etc/GMT-10"), (JULY, "UTC-4", "Etc/GMT+4"), (JANUARY, "UTC+14", "Etc/GMT-14"),
    (JULY, "UTC", "Etc/UTC"),
])
def test_an_offset_is_the_time_kept_when_it_is_typed(now: datetime, typed: str, zone: str | None) -> None:
    found = look_up_zones(typed, now, "IND")  # typed in India: UTC+5:30 is India's (Sri Lanka's too elsewhere)
    if zone is None:
        assert found.zones == () and found.offset is not None
        return
    assert found == ZoneSearch((zone,), sure=True)
    # the label shown back is the offset typed, whatever the zone's rules say of other seasons
    hours, _, minutes = typed.removeprefix("UTC").partition(":")
    typed_label = "UTC" if not hours else f"UTC{'−' if hours[0] == '-' else '+'}{abs(int(hours)):02d}:{minutes or '00'}"
    assert offset_label(zone, now) == typed_label


@pytest.mark.parametrize("now", [JANUARY, JULY, datetime(2027, 4, 3, 15, 30, tzinfo=UTC),
                                 datetime(2027, 10, 2, 16, 30, tzinfo=UTC)])
@pytest.mark.parametrize("minutes", [-570, -210, -150, 210, 270, 330, 345, 390, 525, 570, 630, 765, 825])
def test_every_fractional_offset_found_keeps_it(now: datetime, minutes: int) -> None:
    """Whatever the day (around the changes of Australia's and New Zealand's clocks too), a zone found for an
    offset keeps that offset then."""
    sign = "-" if minutes < 0 else "+"
    found = look_up_zones(f"UTC{sign}{abs(minutes) // 60}:{abs(minutes) % 60:02d}", now)
    for zone in found.zones:
        offset = now.astimezone(ZoneInfo(zone)).utcoffset()
        assert offset is not None and offset.total_seconds() == minutes * 60, (zone, now)
