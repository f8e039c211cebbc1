"""handlers.lengths: Telegram's way of counting, excerpts that never break a character, parts that keep all."""

from __future__ import annotations

import pytest

from bot.i18n import Rendered
from bot.sender import fitted
from handlers.lengths import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    fit_html,
    is_long,
    parts,
    plain,
    shorten,
    utf16_units,
    visible_length,
    within,
)

ROCKET = "\U0001f680"


@pytest.mark.parametrize(("markup", "length"), [
    ("abc", 3), ("<b>abc</b>", 3), ("a &lt; b &amp; c", 9), (ROCKET, 2), ("é", 1), ("互联", 2),
    ('<a href="https://www.itu.int">ITU</a>', 3), ("<blockquote expandable>x</blockquote>", 1),
])
def test_lengths_are_counted_as_telegram_counts_them(markup: str, length: int) -> None:
    assert visible_length(markup) == length


@pytest.mark.parametrize(("markup", "limit", "fits"), [
    ("<b>" + "x" * 10 + "</b>", 10, True),  # longer as markup than the limit, not as seen
    ("&lt;" * 10, 10, True), ("x" * 11, 10, False), (ROCKET * 5, 10, True), (ROCKET * 5 + "x", 10, False),
    ("<i>" + ROCKET * 6 + "</i>", 10, False), ("互联" * 5, 10, True),
])
def test_within_a_limit_as_telegram_measures(markup: str, limit: int, fits: bool) -> None:
    assert within(markup, limit) is fits
    assert (visible_length(markup) <= limit) is fits  # the shortcut agrees with the full measure


@pytest.mark.parametrize("value", ["", "abc", ROCKET, "a" + ROCKET + "b", "\ud83d", "互联é"])
def test_utf16_units_count_a_character_outside_the_bmp_twice(value: str) -> None:
    assert utf16_units(value) == len(value) + sum(1 for char in value if ord(char) > 0xFFFF)


def test_an_excerpt_never_cuts_a_character_in_two() -> None:
    cut = shorten(ROCKET * 600, 501)
    assert cut.endswith("…") and utf16_units(cut) <= 501 and "\ud83d" not in cut
    assert cut[:-1] == ROCKET * 250


def test_an_excerpt_ends_on_a_word_and_a_short_text_is_kept() -> None:
    assert shorten("word " * 200, 52) == ("word " * 10).strip() + "…"
    assert shorten("short", 10) == "short" and not is_long("short", 10)


@pytest.mark.parametrize("value", ["word " * 1600, ROCKET * 4000, "x" * 9000, "line\n" * 1500, ""])
def test_parts_keep_every_character_and_each_fits(value: str) -> None:
    pieces = parts(value)
    assert all(utf16_units(piece) <= 3500 for piece in pieces)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == value.replace(" ", "").replace("\n", "")


def test_fitting_keeps_what_fits_and_cuts_the_rest_as_plain_text() -> None:
    assert fit_html("<b>bold</b>") == "<b>bold</b>"
    cut = fit_html("<b>" + "a&lt;" * 3000 + "</b>")
    assert visible_length(cut) <= TEXT_LIMIT and "<b>" not in cut and "&lt;" in cut
    assert plain(cut).startswith("a<a<")


def test_the_sender_never_sends_a_caption_telegram_refuses() -> None:
    """A broadcast of 1,500 characters stored with a photo before the composer checked again (issue 11)."""
    message = fitted(Rendered("é" * 1500, (), ("photo", "file-id")))
    assert visible_length(message.text) <= CAPTION_LIMIT and message.attachment == ("photo", "file-id")
    assert fitted(Rendered("short", ())) == Rendered("short", ())
