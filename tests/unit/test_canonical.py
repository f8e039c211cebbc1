"""Text at the edge: NFC, no controls but newline and tab, and names without invisible characters."""

from __future__ import annotations

import pytest

from handlers.canonical import canonical, canonical_name
from handlers.inputs import Incoming, Person
from handlers.onboarding import name_key
from models.clock import utcnow


@pytest.mark.parametrize(("raw", "expected"), [
    ("plain text", "plain text"),
    ("Cafe\u0301", "Café"),  # decomposed é becomes one code point (NFC)
    ("Ministry\x00 of ICT", "Ministry of ICT"),
    ("a\x01b\x07c\x1bd\x7fe", "abcde"),  # C0 and DEL
    ("a\x80b\x9fc", "abc"),  # C1
    ("line one\r\nline two\rthree\u2028four\x85five", "line one\nline two\nthree\nfour\nfive"),
    ("col1\tcol2\nnext", "col1\tcol2\nnext"),  # tab and newline kept
    ("lone \ud800 surrogate \udfff", "lone  surrogate "),
    ("emoji 👩\u200d💻 and \u202eRLO", "emoji 👩\u200d💻 and \u202eRLO"),  # format characters are names' business
    ("مرحبا", "مرحبا"),
    ("a\ufdd0b\ufdefc\ufffed\U0001ffffe", "abcde"),  # noncharacters: the renderer's own marks among them
    ("unassigned \u0378 and private \ue000 kept", "unassigned \u0378 and private \ue000 kept"),
    ("", ""),
])
def test_canonical(raw: str, expected: str) -> None:
    assert canonical(raw) == expected
    assert canonical(expected) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("Ministry of ICT", "Ministry of ICT"),
    ("  Ministry\n of\tICT  ", "Ministry of ICT"),
    ("Ministry\u202e TCI fo", "Ministry TCI fo"),  # right-to-left override
    ("\u2067Ministry of ICT\u2069", "Ministry of ICT"),  # isolate
    ("\u202aMinistry\u202c of \u202bICT\u202c", "Ministry of ICT"),  # embeddings
    ("Mini\u200bstry of\u200c I\u200dCT\u2060\ufeff", "Ministry of ICT"),  # zero-width characters
    ("Awa\u200f Diop\u200e\u061c", "Awa Diop"),  # marks
    ("Ministry\x00 of ICT", "Ministry of ICT"),
    ("Ministry\u00a0of\u3000ICT", "Ministry of ICT"),  # other spaces collapse
    ("وزارة الاتصالات", "وزارة الاتصالات"),
    ("Université Cheikh Anta Diop", "Université Cheikh Anta Diop"),
])
def test_canonical_name(raw: str, expected: str) -> None:
    assert canonical_name(raw) == expected


@pytest.mark.parametrize("lookalike", [
    "Ministry of ICT", "ministry of ict", "Ministry\u200b of ICT", "\u202dMinistry of ICT\u202c",
    "Mini\u2060stry of ICT", "Ｍｉｎｉｓｔｒｙ ｏｆ ＩＣＴ", "Ministry\x00 of ICT", "Ministry\u00a0of ICT",
])
def test_lookalike_names_share_one_duplicate_key(lookalike: str) -> None:
    assert name_key(lookalike) == name_key("Ministry of ICT")


@pytest.mark.parametrize(("typed", "registered"), [
    ("Ministère de l’Économie", "Ministère de l'Économie"),  # iOS and macOS type ’ for '
    ("Ministère de l‘Économie", "Ministère de l'Économie"), ("Ministère de lʼÉconomie", "Ministère de l'Économie"),
    ("Ministère de l＇Économie", "Ministère de l'Économie"), ("Guinée–Bissau Télécom", "Guinée-Bissau Télécom"),
    ("Guinée‑Bissau Télécom", "Guinée-Bissau Télécom"), ("Guinée—Bissau Télécom", "Guinée-Bissau Télécom"),
    ("Fondation «Orange»", 'Fondation "Orange"'), ("Fondation “Orange”", 'Fondation "Orange"'),
])
def test_apostrophe_dash_and_quote_variants_share_one_duplicate_key(typed: str, registered: str) -> None:
    assert name_key(typed) == name_key(registered)


def test_incoming_text_is_canonical() -> None:
    person = Person(1, 1, "Ada")
    incoming = Incoming.from_text(1, person, "/start\x00 abc", utcnow())
    assert (incoming.command, incoming.argument) == ("start", "abc")
    assert Incoming.from_text(2, person, "Cafe\u0301\x00", utcnow()).text == "Café"
