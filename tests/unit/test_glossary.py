"""locales/GLOSSARY.md: every catalog uses its glossary's P2C terms, and none of the rejected ones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.catalogs import read
from models.values import LANGUAGES

GLOSSARY = Path(__file__).resolve().parents[2] / "locales" / "GLOSSARY.md"
PLACEHOLDER = re.compile(r"\{\w+\}")
OTHERS = tuple(language for language in LANGUAGES if language != "en")


@dataclass(frozen=True)
class Term:
    """One row of the glossary: where it applies and its forms in each language."""

    concept: str
    msgids: tuple[str, ...]
    english: tuple[str, ...]
    forms: dict[str, tuple[str, ...]]

    def applies_to(self, msgid: str, english: str) -> bool:
        """True when the English message speaks of this concept: read in its English text, which leaves out a
        msgid's note on where it stands ("on (announcements and digests)" reads "on")."""
        if self.msgids:
            return msgid in self.msgids
        text = PLACEHOLDER.sub("", english or msgid)
        return any(re.search(rf"(?<![\w/]){re.escape(word)}(?!\w)", text) for word in self.english)

    def used_in(self, string: str, language: str) -> bool:
        """True when the translation has one of the language's forms."""
        return any(form.removesuffix("…").casefold() in string.casefold() for form in self.forms[language])


def _table(heading: str) -> list[list[str]]:
    text = GLOSSARY.read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip().strip("|").split("|") for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row] for row in rows[2:]]  # without the header and its rule


def terms() -> list[Term]:
    """The glossary's terms, as the test reads them."""
    header = ("concept", "checked in", "ar", "en", "es", "fr", "ru", "zh")
    found = []
    for row in _table("Terms"):
        cells = dict(zip(header, row, strict=True))
        found.append(Term(cells["concept"], tuple(re.findall(r"`([^`]+)`", cells["checked in"])),
                          tuple(re.findall(r"\*([^*]+)\*", cells["checked in"])),
                          {language: tuple(form.strip() for form in cells[language].split(" · "))
                           for language in LANGUAGES}))
    return found


def translations(language: str) -> dict[str, str]:
    """Every msgstr of a catalog by msgid; a plural entry's forms joined."""
    found: dict[str, str] = {}
    for message in read(language):
        if message.id:
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            found[msgid] = message.string if isinstance(message.string, str) else " ‖ ".join(message.string)
    return found


def test_the_glossary_covers_the_p2c_terms() -> None:
    concepts = " ".join(term.concept for term in terms())
    for concept in ("pledge", "focal point", "coordinator", "LDC", "LLDC", "SIDS", "BDT", "Africa", "Americas",
                    "Arab States", "Asia-Pacific", "CIS", "Europe", "Access", "Adoption", "Value creation",
                    "Accelerate"):
        assert concept in concepts
    for term in terms():
        assert all(term.forms[language] and all(term.forms[language]) for language in LANGUAGES), term.concept
        assert term.msgids or term.english, term.concept


@pytest.mark.parametrize("language", OTHERS)
def test_each_catalog_uses_its_glossary_s_terms(language: str) -> None:
    catalog = translations(language)
    english = translations("en")
    wrong = []
    for term in terms():
        applied = [msgid for msgid, text in english.items() if term.applies_to(msgid, text)]
        assert applied, f"no message speaks of {term.concept}"
        wrong += [(term.concept, msgid, catalog[msgid]) for msgid in applied
                  if not term.used_in(catalog.get(msgid, ""), language)]
    assert wrong == []


@pytest.mark.parametrize("language", OTHERS)
def test_no_catalog_uses_a_rejected_term(language: str) -> None:
    rejected = [form for lang, forms, _instead in _table("Rejected terms") if lang == language
                for form in forms.split(" · ")]
    used = [(form, msgid) for msgid, string in translations(language).items() for form in rejected if form in string]
    assert used == []


def test_the_rejected_terms_include_those_of_issue_14() -> None:
    rejected = {row[0]: row[1] for row in _table("Rejected terms")}
    assert "РСНВМ" in rejected["ru"] and "جهة اتصال" in rejected["ar"]
