"""Maintain the six gettext catalogs: `python -m bot.catalogs update | check`.

`update` extracts every N_() message id from the code into locales/messages.pot and merges it into
each language's messages.po (English, the source language, is filled in automatically).
`check` fails when a catalog misses a message id of the code, leaves one untranslated or fuzzy, or
changes its {placeholders}.
"""

from __future__ import annotations

import re
import sys
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from models.values import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
SOURCES = ("bot", "handlers", "models")
NON_LATIN = frozenset({"ar", "ru", "zh"})
LATIN_WORD = re.compile(r"[A-Za-z]{4,}")


def extract() -> Catalog:
    """Every message id marked with N_() in the code."""
    template = Catalog(project="p2c-bot", fuzzy=False)
    for source in SOURCES:
        for filename, lineno, message, comments, _context in extract_from_dir(
            ROOT / source, method_map=[("**.py", "python")], keywords={"N_": None}, comment_tags=("TRANSLATORS:",),
        ):
            if "/migrations/" in filename or "sandbox" in filename:
                continue
            template.add(message, locations=[(f"{source}/{filename}", lineno)], auto_comments=comments)
    return template


def _po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / "messages.po"


def read(language: str) -> Catalog:
    """The catalog of one language."""
    with _po_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def update() -> None:
    """Merge newly extracted message ids into every catalog; English gets its own text."""
    with (LOCALES / "messages.pot").open("wb") as handle:
        write_po(handle, extract(), omit_header=True, sort_output=True, include_lineno=False)
    for language in LANGUAGES:
        template = extract()  # a fresh one each time: Catalog.update shares the template's messages
        path = _po_path(language)
        if path.exists():
            catalog = read(language)
            created = catalog.creation_date  # kept: a date that changes at every update conflicts in every merge
            catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
            catalog.creation_date = created
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, project="p2c-bot")
            for message in template:
                if message.id:
                    catalog.add(message.id, locations=message.locations)
        if language == "en":
            for message in catalog:
                if message.id and not message.string:
                    message.string = message.id
        buffer = BytesIO()
        # no line numbers: an edit elsewhere in a file must not touch every catalog (and merges stay clean)
        write_po(buffer, catalog, sort_output=True, ignore_obsolete=True, width=100, include_lineno=False)
        path.write_bytes(buffer.getvalue())


def problems() -> list[str]:
    """Everything that keeps the catalogs from matching the code, one line each."""
    wanted = {m.id for m in extract() if m.id}
    found: list[str] = []
    for language in LANGUAGES:
        if not _po_path(language).exists():
            found.append(f"{language}: no catalog at {_po_path(language).relative_to(ROOT)}")
            continue
        catalog = read(language)
        for msgid in sorted(wanted):
            message = catalog.get(msgid)
            if message is None:
                found.append(f"{language}: missing {msgid!r}")
            elif not message.string:
                found.append(f"{language}: untranslated {msgid!r}")
            elif message.fuzzy:
                found.append(f"{language}: fuzzy {msgid!r}")
            elif set(PLACEHOLDER.findall(str(message.string))) != set(PLACEHOLDER.findall(str(msgid))):
                found.append(f"{language}: placeholders differ in {msgid!r}")
            elif language in NON_LATIN and message.string == msgid and LATIN_WORD.search(
                    PLACEHOLDER.sub("", str(msgid))):
                found.append(f"{language}: left in English {msgid!r}")
    return found


def main(argv: list[str]) -> int:
    """Command-line entry."""
    if argv[:1] == ["update"]:
        update()
        return 0
    if argv[:1] == ["check"]:
        issues = problems()
        for line in issues[:50]:
            print(line)
        print(f"catalogs: {len(issues)} problem(s)")
        return 1 if issues else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
