"""Plural forms: extracted as pairs, checked form by form, rendered by each language's rules."""

from __future__ import annotations

import logging
import re

import pytest
from babel.messages.catalog import Message

from bot.catalogs import _plural_problem, extract, read
from bot.i18n import FSI, PDI, Renderer
from handlers.messages import Text, plural, reply_from_json, reply_to_json
from models.values import LANGUAGES

SHORT = ("Too short: please write at least {count} character.", "Too short: please write at least {count} characters.")


def short(n: int) -> Text:
    """The engine's "too short" message for a minimum of n characters."""
    return plural(*SHORT, n)


@pytest.mark.parametrize(("n", "expected"), [
    (1, "хотя бы 1 символ."), (2, "хотя бы 2 символа."), (5, "хотя бы 5 символов."),
    (11, "хотя бы 11 символов."), (21, "хотя бы 21 символ."), (101, "хотя бы 101 символ."),
    (22, "хотя бы 22 символа."), (112, "хотя бы 112 символов."),
])
def test_russian_counts_take_their_form(renderer: Renderer, n: int, expected: str) -> None:
    assert renderer.label(short(n), "ru").endswith(expected)


@pytest.mark.parametrize(("n", "expected"), [
    (0, "كتابة 0 حرف"), (1, "كتابة حرف واحد"), (2, "كتابة حرفين"), (3, "كتابة 3 أحرف"),
    (11, "كتابة 11 حرفًا"), (100, "كتابة 100 حرف"), (103, "كتابة 103 أحرف"),
])
def test_arabic_counts_take_their_six_forms(renderer: Renderer, n: int, expected: str) -> None:
    rendered = renderer.label(short(n), "ar").replace(FSI, "").replace(PDI, "")
    assert expected in rendered


@pytest.mark.parametrize(("locale", "n", "expected"), [
    ("en", 1, "1 character."), ("en", 20, "20 characters."), ("fr", 1, "1 caractère."), ("fr", 20, "20 caractères."),
    ("es", 1, "1 carácter."), ("es", 20, "20 caracteres."), ("zh", 1, "1个字符"), ("zh", 20, "20个字符"),
])
def test_other_languages(renderer: Renderer, locale: str, n: int, expected: str) -> None:
    assert expected in renderer.label(short(n), locale)


def test_every_plural_entry_renders_every_count_in_every_language(
        renderer: Renderer, caplog: pytest.LogCaptureFixture) -> None:
    pairs = [message.id for message in extract() if isinstance(message.id, tuple)]
    assert SHORT in pairs
    for singular, many in pairs:
        for locale in LANGUAGES:
            for n in (0, 1, 2, 3, 5, 11, 21, 100, 101, 1_000_000):
                # every placeholder of the English pair but the count, whatever names new messages bring
                params = {name: "x" for name in re.findall(r"\{(\w+)\}", singular + many) if name != "count"}
                assert renderer.label(plural(singular, many, n, **params), locale).strip()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_plural_text_survives_the_outbox_json() -> None:
    from handlers.messages import Reply

    reply = Reply((short(7),))
    assert reply_from_json(reply_to_json(reply)) == reply


def test_the_check_wants_every_form_and_the_count_where_forms_are_shared() -> None:
    forms = read("ru").num_plurals
    good = Message(SHORT, ("{count} a", "{count} b", "{count} c"))
    assert _plural_problem(good, SHORT, forms, frozenset()) is None
    missing = Message(SHORT, ("{count} a", "{count} b", ""))
    assert _plural_problem(missing, SHORT, forms, frozenset()) == "untranslated plural form in"
    dropped = Message(SHORT, ("один", "{count} b", "{count} c"))
    assert _plural_problem(dropped, SHORT, forms, frozenset()) == "placeholders differ in form 0 of"
    # Arabic's form for exactly one may say "one character" in words
    assert _plural_problem(dropped, SHORT, forms, frozenset({0})) is None
    foreign = Message(SHORT, ("{count} {oops}", "{count} b", "{count} c"))
    assert _plural_problem(foreign, SHORT, forms, frozenset({0})) == "placeholders differ in form 0 of"


def test_an_attachment_survives_the_outbox_json_and_reaches_the_rendered_message(renderer: Renderer) -> None:
    from handlers.messages import Reply

    reply = Reply(("caption",), (), ("photo", "AgACAgQ"))
    assert reply_from_json(reply_to_json(reply)) == reply
    assert renderer.reply(reply, "ar").attachment == ("photo", "AgACAgQ")
    assert reply_to_json(Reply(("x",))) == {"parts": ["x"]}  # rows written before attachments read the same
