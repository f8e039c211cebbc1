"""A percentage typed with its Arabic word ("45 في المائة") is read as one."""

from __future__ import annotations

import pytest

from handlers.forms.numbers import parse_percent


@pytest.mark.parametrize("typed", ["45 في المائة", "٤٥ في المئة", "45 بالمئة", "45 بالمائة", "45%", "٤٥٪"])
def test_an_arabic_percentage_is_read(typed: str) -> None:
    """Regression: the words were matched before folding drops the hamza of "مئة", so "45 في المائة" was refused
    "type a whole number from 0 to 100"."""
    assert parse_percent(typed, "ar") == 45
