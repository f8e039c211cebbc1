"""The header above every broadcast ("📣 Partner2Connect announcement (ITU/BDT)") fits, in every reader's language, in
the room the composer leaves for it (composer.HEADER_ROOM): a text the composer accepts, at its limit and in any
script, is delivered whole and within Telegram's limit, never shortened nor refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from test_message_lengths import SETTINGS, long_text

from bot.i18n import Renderer
from handlers.broadcasts.composer import CAPTION, HEADER_ROOM, MESSAGE, as_received
from handlers.lengths import CAPTION_LIMIT, TEXT_LIMIT, visible_length
from models.values import LANGUAGES

PHOTO = ("photo", "PHOTO")


@pytest.mark.parametrize("locale", LANGUAGES)
@pytest.mark.parametrize(("size", "attachment", "limit"),
                         [(MESSAGE, None, TEXT_LIMIT), (CAPTION, PHOTO, CAPTION_LIMIT)])
def test_the_header_fits_in_the_room_left_for_it(renderer: Renderer, locale: str, size: int,
                                                 attachment: tuple[str, str] | None, limit: int) -> None:
    body = "é" * size
    rendered = renderer.reply(as_received(body, attachment), locale)
    assert rendered.text.endswith(f"\n\n{body}") and rendered.attachment == attachment
    assert visible_length(rendered.text) - size <= HEADER_ROOM and visible_length(rendered.text) <= limit


@SETTINGS
@given(body=long_text(MESSAGE))
def test_any_text_within_the_composers_limit_is_delivered_whole(renderer: Renderer, body: str) -> None:
    fit = body.encode("utf-16-le")[:2 * MESSAGE].decode("utf-16-le", errors="ignore")  # as the composer takes it
    escaped = fit.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").strip()
    assert visible_length(escaped) <= MESSAGE
    for locale in LANGUAGES:
        rendered = renderer.reply(as_received(escaped), locale).text
        assert rendered.endswith(escaped) and visible_length(rendered) <= TEXT_LIMIT, locale
