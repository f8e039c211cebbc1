"""Dates as the bot writes them are read by Telegram as text: none holds what Telegram takes for a command."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.i18n import Renderer
from bot.sandbox.validation import detect_entities
from handlers.messages import N_, Day, Text
from models.values import LANGUAGES

DAYS = [date(2026, 1, 1) + timedelta(days=n) for n in range(0, 800, 37)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_date_reads_as_a_command(renderer: Renderer, language: str) -> None:
    """A tester: in Arabic, "31‏/12‏/2027" (CLDR's medium date) put a right-to-left mark before each "/", and
    Telegram showed "/12" and "/2027" as commands, links that sent them ("I don't know that command")."""
    for day in DAYS:
        written = renderer.label(Text(N_("Next report due: {date}"), {"date": Day(day)}), language, markup=False)
        assert [e for e in detect_entities(written) if e["type"] == "bot_command"] == [], written
