"""Formatted text whose visible text is blank ("<b> </b>", "<i>\n</i>", "&#32;") passed the HTML check of the
broadcast composer and of `p2c-bot broadcast send`: Telegram trims it to nothing and refuses it ("message text is
empty"), so every recipient would have had an apology instead. It is refused as empty text is."""

from __future__ import annotations

import pytest

from handlers.broadcasts.composer import MARKUP_ERRORS, checked, refusal
from handlers.broadcasts.service import BroadcastError, CreateBroadcast, _texts_and_fallback
from handlers.forms.base import InvalidAnswerError
from handlers.forms.markup import MarkupError, check_markup

PHOTO = {"kind": "photo", "file_id": "PHOTO"}
BLANKS = ["<b> </b>", "<i>\n</i>", "&#32;", "<b></b>", "&nbsp;", "<u>\u200b</u>", " <a href=\"https://itu.int\"> </a> ",
          "<b> </b><i>\t</i>", "<pre>\n\n</pre>"]


@pytest.mark.parametrize("body", BLANKS)
def test_markup_with_blank_text_is_refused_as_empty(body: str) -> None:
    with pytest.raises(MarkupError) as refused:
        check_markup(body)
    assert refused.value.reason == "empty"


@pytest.mark.parametrize("body", ["<b>Hi</b>", "<b> </b>Hi", "&amp;", "  Hello  ", "<i>·</i>",
                                  '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'])
def test_markup_with_visible_text_passes(body: str) -> None:
    assert check_markup(body) == body


@pytest.mark.parametrize("attachment", [None, PHOTO])
@pytest.mark.parametrize("body", BLANKS)
def test_the_composer_says_the_message_is_empty(body: str, attachment: dict[str, str] | None) -> None:
    """With a file as without: the composer asks for a text in either case (an empty caption is refused too)."""
    assert refusal("", {"attachment": attachment}) is not None
    wrong = refusal(body, {"attachment": attachment})
    assert wrong is not None and wrong.reason == "empty"
    with pytest.raises(InvalidAnswerError) as refused:
        checked(body, {"attachment": attachment})
    assert refused.value.message.msgid == MARKUP_ERRORS["empty"] == "The message is empty."


def test_the_command_line_refuses_a_blank_text() -> None:
    with pytest.raises(BroadcastError) as refused:
        _texts_and_fallback(CreateBroadcast(["everyone"], {"en": "Hello.", "fr": "<b> </b>"}))
    assert str(refused.value) == "the fr text would be refused by Telegram: it has formatting but no text"
