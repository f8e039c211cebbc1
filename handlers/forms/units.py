"""A pledge target's count said with its unit, in the form the count takes ("1 school", "300 schools", "300 школ")."""

from __future__ import annotations

from handlers.messages import NP_, Concat, Label, Number, plural

TARGET_UNIT_COUNTS: dict[str, tuple[str, str]] = {
    "people": NP_("{count} person", "{count} people"),
    "households": NP_("{count} household", "{count} households"),
    "schools": NP_("{count} school", "{count} schools"),
    "health_facilities": NP_("{count} health facility", "{count} health facilities"),
    "communities": NP_("{count} community", "{count} communities"),
    "businesses": NP_("{count} business", "{count} businesses"),
    "km_fibre": NP_("{count} km of fibre", "{count} km of fibre"),
    "sites": NP_("{count} network site", "{count} network sites"),
    "devices": NP_("{count} device", "{count} devices"),
    "trainees": NP_("{count} person trained", "{count} people trained"),
}
"""Each target unit (`handlers.vocabulary.TARGET_UNITS`) with a count, as a plural message: every language gives
the unit the form its count governs (Russian "1 школа", "3 школы", "300 школ"; Arabic its six forms), which the
unit's label alone, put after a number, cannot."""


def unit_count(count: int, unit: str) -> Label:
    """The count with its unit ("300 schools"); a unit that is no target unit (an import's, an older row's) as it
    was written after the number, none the number alone."""
    if unit in TARGET_UNIT_COUNTS:
        return plural(*TARGET_UNIT_COUNTS[unit], count)
    return Concat((Number(count), " ", unit)) if unit.strip() else Number(count)
