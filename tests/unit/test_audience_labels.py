"""The audience's segments as staff read them on the broadcast composer's buttons (exploratory findings g_staff #11)."""

from __future__ import annotations

import pytest

from bot.i18n import Renderer
from handlers.broadcasts.audience import SEGMENTS, segment_label
from models.values import LANGUAGES


@pytest.mark.parametrize("locale", LANGUAGES)
def test_every_segment_is_capitalised_like_the_others(renderer: Renderer, locale: str) -> None:
    """Regression: the role segments read "focal point", "coordinator" ("контактное лицо") next to "Government"."""
    lower = []
    for token in SEGMENTS:
        shown = renderer.label(segment_label(token), locale, markup=False)
        first = next((char for char in shown if char.isalpha()), "")
        if first.islower():
            lower.append(f"{token}: {shown}")
    assert lower == []


def test_role_segments_name_the_people_in_them(renderer: Renderer) -> None:
    shown = [renderer.label(segment_label(f"role:{role}"), "en", markup=False)
             for role in ("focal_point", "coordinator", "staff", "admin")]
    assert shown == ["Focal points", "Coordinators", "BDT staff members", "Administrators"]
