"""The composer's answers checked together again: what an edit merged with a colleague's, or a draft kept from
older rules, holds that the composer's steps would no longer accept."""

from __future__ import annotations

import pytest

from handlers.broadcasts.composer import MARKUP_ERRORS
from handlers.broadcasts.edits import MISFIT, MISFITS, misfit, refitted
from handlers.forms.engine import PREFILLED

PHOTO = {"kind": "photo", "file_id": "PHOTO"}
BASE: dict[str, object] = {"audience": ["everyone"], "attachment": None, "language": "en", "text": "Hello.",
                           "translations": {"fr": "Bonjour."}, "fallback": "en", "when": "now"}


@pytest.mark.parametrize(("changed", "step", "why"), [
    ({}, None, None),
    ({"attachment": PHOTO, "text": "x" * 1250}, "text", MARKUP_ERRORS["length"]),
    ({"attachment": {**PHOTO, "separate": True}, "text": "x" * 1250}, None, None),
    ({"attachment": PHOTO, "translations": {"fr": "x" * 1100}}, "translations", MARKUP_ERRORS["length"]),
    ({"language": "xx"}, "language", MISFIT),
    ({"fallback": "es"}, "fallback", MISFITS["fallback"]),
    ({"text": "<b>Hello."}, "text", MARKUP_ERRORS["unbalanced"]),
    ({"translations": {"fr": "<b>Bonjour."}}, "translations", MARKUP_ERRORS["unbalanced"]),
])
def test_the_first_answer_that_no_longer_fits_and_why(changed: dict[str, object], step: str | None,
                                                      why: str | None) -> None:
    found = misfit({**BASE, **changed})
    assert (found[0], found[1].msgid) == (step, why) if found is not None else (step, why) == (None, None)


def test_what_no_longer_fits_is_dropped_and_only_it_is_asked_again() -> None:
    """Regression (review s25 #3): a merged edit went to the summary with a message too long for the photo attached
    and a fallback without a text; both are dropped, the rest kept and not asked again on the way."""
    kept, dropped = refitted({**BASE, "attachment": PHOTO, "text": "x" * 1250, "fallback": "es", "$broadcast_id": 4})
    assert dropped == ["text", "fallback"]
    assert "text" not in kept and "fallback" not in kept and kept["$broadcast_id"] == 4
    assert kept[PREFILLED] == sorted(["audience", "attachment", "language", "translations", "when"])
    assert refitted(BASE) == (BASE, [])
