"""The time zone at a shared location (models.timezones.zone_at): a city's, one far from any city, the nautical zone
at sea, none for a point off the globe; and the time-zone question's answer to a location (handlers.settings)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest

from handlers.forms.base import FormContext, InvalidAnswerError, Stay
from handlers.messages import Text
from handlers.onboarding import REGISTRATION
from handlers.settings import TIMEZONE_FORM, TimeZoneStep
from models.timezones import is_zone, zone_at

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("latitude", "longitude", "zone"), [
    (14.69, -17.44, "Africa/Dakar"), (48.85, 2.35, "Europe/Paris"), (19.07, 72.88, "Asia/Kolkata"),
    (-33.45, -70.67, "America/Santiago"), (55.75, 37.62, "Europe/Moscow"), (39.90, 116.40, "Asia/Shanghai"),
    (-36.85, 174.76, "Pacific/Auckland"), (46.20, 6.14, "Europe/Zurich"),  # Geneva, a few km from France
    (40.42, -3.70, "Europe/Madrid"), (38.72, -9.14, "Europe/Lisbon"),  # neighbours an hour apart
    (-9.94, -150.21, "Pacific/Kiritimati"),  # an atoll of Kiribati, UTC+14, among islands of UTC−10
])
def test_a_place_has_its_zone(latitude: float, longitude: float, zone: str) -> None:
    assert zone_at(latitude, longitude) == zone


@pytest.mark.parametrize(("latitude", "longitude", "zone"), [
    (23.0, 10.0, "Africa/Algiers"), (65.0, 120.0, "Asia/Yakutsk"), (-25.0, 130.0, "Australia/Darwin"),
    (-3.0, -65.0, "America/Manaus"),  # the Sahara, Siberia, the Outback, the Amazon: no city near
])
def test_a_place_far_from_any_city_has_its_zone(latitude: float, longitude: float, zone: str) -> None:
    assert zone_at(latitude, longitude) == zone


@pytest.mark.parametrize(("latitude", "longitude", "zone"), [
    (-30.0, -30.0, "Etc/GMT+2"), (0.0, -140.0, "Etc/GMT+9"), (-45.0, 160.0, "Etc/GMT-11"),
    (0.0, 0.0, "Etc/UTC"), (10.0, 179.9, "Etc/GMT-12"), (10.0, -179.9, "Etc/GMT+12"),
])
def test_a_point_at_sea_has_the_nautical_zone_of_its_longitude(latitude: float, longitude: float, zone: str) -> None:
    assert zone_at(latitude, longitude) == zone  # POSIX signs: Etc/GMT+2 is two hours behind UTC


@pytest.mark.parametrize(("latitude", "longitude"), [(91.0, 0.0), (0.0, 180.5), (math.nan, 0.0), (0.0, math.inf)])
def test_a_point_off_the_globe_has_no_zone(latitude: float, longitude: float) -> None:
    assert zone_at(latitude, longitude) is None


def test_a_zone_the_installed_zone_data_does_not_know_gives_way_to_the_nautical_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tzfpy.get_tz", lambda longitude, latitude: "America/Atlantis")
    assert zone_at(14.69, -17.44, NOW) == "Etc/GMT+1"
    assert zone_at(50.0, 0.0, NOW) == "Etc/UTC"


def test_every_zone_found_is_one_zoneinfo_knows() -> None:
    found = {zone_at(latitude, longitude) for latitude in range(-85, 90, 10) for longitude in range(-175, 180, 10)}
    assert None not in found and all(is_zone(zone) for zone in found), sorted(z for z in found if not is_zone(z))


def context(locale: str = "en") -> FormContext:
    return FormContext(locale=locale, today=NOW.date(), facts={"now": NOW})


def test_the_time_zone_question_offers_the_zone_of_a_location_to_confirm() -> None:
    step = TIMEZONE_FORM.steps[0]
    assert isinstance(step, TimeZoneStep) and step.takes_location
    result = step.on_location(14.69, -17.44, {}, context())
    assert result == Stay({"zones": ["Africa/Dakar"], "located": True})
    lines = step.lines({}, result.scratch, context())
    assert isinstance(lines[0], Text) and lines[0].msgid.startswith("By the location you shared")
    assert [button.code for row in step.buttons({}, result.scratch, context()) for button in row] == \
        ["f:zone:c:Africa/Dakar"]
    assert step.on_code("c:Africa/Dakar", {}, result.scratch, context()).value == "Africa/Dakar"
    with pytest.raises(InvalidAnswerError):
        step.on_location(120.0, 0.0, {}, FormContext(locale="en", today=date(2026, 1, 15)))


def test_other_questions_read_no_location() -> None:
    assert not any(step.takes_location for step in REGISTRATION.form.steps)
