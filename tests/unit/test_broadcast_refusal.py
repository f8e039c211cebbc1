"""What Telegram would refuse in a broadcast's text is found by one check, which the chat composer says in the
reader's language and the service (`p2c-bot broadcast send`) in one plain English line (review2 #6: each kept its
own check and map of reasons, and a reason added to one would have been a KeyError in the other)."""

from __future__ import annotations

import re
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import Renderer
from bot.sandbox.validation import parse_html
from handlers.broadcasts.composer import MARKUP_ERRORS, checked, refusal
from handlers.broadcasts.service import BroadcastError, CreateBroadcast, _texts_and_fallback, refusal_line
from handlers.forms.base import InvalidAnswerError
from handlers.forms.markup import Reason, Refusal
from handlers.messages import Text
from models.values import LANGUAGES

PHOTO = {"kind": "photo", "file_id": "PHOTO"}
APART = {**PHOTO, "separate": True}
SAMPLES: dict[str, str] = {
    "tag": "<marquee>Hi</marquee>",
    "unbalanced": "<b>Hi",
    "attribute": '<a href="https://itu.int" target="_blank">ITU</a>',
    "length": "x" * 4001,
    "empty": "<b></b>",
}


def test_every_reason_telegram_refuses_has_an_example_here() -> None:
    """A reason added to MarkupError fails here until it is given an example, and then the test below."""
    assert set(SAMPLES) == set(get_args(Reason))


@pytest.mark.parametrize("reason", get_args(Reason))
def test_every_reason_is_said_in_the_chat_and_on_the_command_line(reason: str) -> None:
    wrong = refusal(SAMPLES[reason], {})
    assert wrong is not None and wrong.reason == reason
    assert reason in MARKUP_ERRORS
    with pytest.raises(InvalidAnswerError):
        checked(SAMPLES[reason], {})
    line = refusal_line(wrong)
    assert line and "\n" not in line
    with pytest.raises(BroadcastError, match=f"^{re.escape(f'the fr text would be refused by Telegram: {line}')}$"):
        _texts_and_fallback(CreateBroadcast(["everyone"], {"en": "Hello.", "fr": SAMPLES[reason]}))


@pytest.mark.parametrize("locale", LANGUAGES)
@pytest.mark.parametrize("reason", get_args(Reason))
def test_the_composers_complaint_is_a_message_telegram_takes(renderer: Renderer, reason: str, locale: str) -> None:
    """Regression (fix-channel): "Join us <today>" in the composer drew the complaint about tags, whose catalog text
    held "<b>, <i>, … <blockquote>" as tags; Telegram refused it ("Can't find end tag corresponding to start tag
    blockquote") and the staff member read "I could not show you a message" instead of what was wrong."""
    with pytest.raises(InvalidAnswerError) as error:
        checked(SAMPLES[reason], {})
    assert isinstance(error.value.message, Text)
    shown, _ = parse_html(renderer.label(error.value.message, locale))  # as Telegram parses it: no error
    if reason == "tag":
        assert "<marquee>" in shown and "<blockquote>" in shown and "&lt;" in shown


@pytest.mark.parametrize(("body", "attachment", "expected"), [
    ("  <b>Fine</b>  ", PHOTO, None),
    ("y" * 900, PHOTO, None),
    ("x" * 1000, PHOTO, Refusal("length", "1000", 900)),
    ("x" * 1100, APART, None),
    ("x" * 4001, APART, Refusal("length", "4001", 4000)),
    ("x" * 4001, None, Refusal("length", "4001", 4000)),
    ("<b>x", PHOTO, Refusal("unbalanced", "b", 900)),
])
def test_the_limit_is_the_captions_under_a_file_sent_with_the_text(body: str, attachment: dict[str, object] | None,
                                                                    expected: Refusal | None) -> None:
    assert refusal(body, {"attachment": attachment}) == expected


@pytest.mark.parametrize(("body", "attachment", "line"), [
    ("x" * 4001, None, "it has 4,001 characters, and a broadcast may have 4,000 (Telegram allows 4,096, less the "
                       "announcement line above it)"),
    ("x" * 901, PHOTO, "it has 901 characters, and a broadcast may have 900 under a file (Telegram allows 1,024, "
                       "less the announcement line above it; or send the file separately)"),
    ("<b>Broken", None, "<b> is not closed, or closed in the wrong order"),
    ("<marquee>Hi</marquee>", None, "the tag <marquee> is not allowed (use b, i, u, s, a href, code, pre or "
                                    "blockquote)"),
])
def test_the_command_lines_words_are_unchanged(body: str, attachment: dict[str, str] | None, line: str) -> None:
    wrong = refusal(body, {"attachment": attachment})
    assert wrong is not None and refusal_line(wrong) == line


@pytest.mark.parametrize(("written", "sent"), [
    ("Deadline for reports < 30 June", "Deadline for reports &lt; 30 June"),
    ("<< Webinar WTDC >>", "&lt;&lt; Webinar WTDC >>"),
    ("Targets: 3<5 regions, <b>now</b>", "Targets: 3&lt;5 regions, <b>now</b>"),
    ("截止日期 <6月30日", "截止日期 &lt;6月30日"),
    ("a <b", "a &lt;b"),
    ("Write to <someone@itu.int>", "Write to &lt;someone@itu.int>"),
    ("Prix&nbsp;: 5&nbsp;€ &amp; plus &lt; 3 &#8364; AT&T", "Prix\xa0: 5\xa0€ &amp; plus &lt; 3 &#8364; AT&T"),
])
def test_what_is_meant_literally_is_sent_so(written: str, sent: str) -> None:
    """A "<" that opens no tag would make Telegram refuse the whole message for every recipient ("Unsupported start
    tag"); Python's parser had taken it as text, so the composer let it through."""
    assert checked(written, {}) == sent
    assert parse_html(sent)  # as Telegram parses it: no error
    texts, _ = _texts_and_fallback(CreateBroadcast(["everyone"], {"en": written}))
    assert texts == {"en": sent}


def test_a_tag_telegram_does_not_know_is_still_refused_not_shown_raw() -> None:
    with pytest.raises(InvalidAnswerError):
        checked("Join us <br> tomorrow", {})
    assert refusal('See <a href="https://itu.int>ITU</a>', {}) is not None  # a quote left open


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="<>/&;#abisp 3x\u00e9=\"'", max_size=30))
def test_a_text_the_composer_takes_is_one_telegram_takes(written: str) -> None:
    """The sandbox's parser follows Telegram's rules (bot/sandbox/validation.py): whatever the composer accepts, it
    parses without an error."""
    try:
        sent = checked(written, {})
    except InvalidAnswerError:
        return
    parse_html(sent)


@pytest.mark.parametrize("written", ["\u200b \u200f", "🎉🎉", "<b>\u2060</b> …", "\u200f&#8203;\u200f"])
def test_a_text_without_a_letter_or_digit_is_no_broadcast(written: str) -> None:
    """A tester: a zero-width space and a right-to-left mark were taken as the message, and French readers got the
    announcement's header over nothing; "🎉🎉" was taken as the Chinese text. The composer asks for words, as every
    form does, and the command line refuses it."""
    with pytest.raises(InvalidAnswerError) as error:
        checked(written, {})
    assert error.value.message == Text("Please answer with words, not only symbols or emoji.")
    with pytest.raises(BroadcastError, match=r"^the fr text has no letter or digit"):
        _texts_and_fallback(CreateBroadcast(["everyone"], {"en": "Hello.", "fr": written}))
