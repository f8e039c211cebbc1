"""Maintain the six gettext catalogs: `python -m bot.catalogs update | check`.

`update` extracts every N_() message id and every plural()/NP_() pair from the code into
locales/messages.pot and merges it into each language's messages.po (English, the source language,
is filled in automatically). `check` fails when a catalog misses a message id of the code, leaves
one untranslated or fuzzy (for a plural entry: any of the language's plural forms), or changes its
{placeholders}; a plural form may leave out `{count}` only if it stands for one number alone
(Arabic's forms for 0, 1 and 2), never a form that several counts share.
"""

from __future__ import annotations

import gettext
import re
import sys
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from models.values import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
SOURCES = ("bot", "handlers", "models")
NON_LATIN = frozenset({"ar", "ru", "zh"})
LATIN_WORD = re.compile(r"[A-Za-z]{4,}")
KEYWORDS: dict[str, tuple[int, ...] | None] = {"N_": None, "plural": (1, 2), "NP_": (1, 2)}
"""Extraction keywords: N_(id), and the (singular, plural) pair of handlers.messages.plural and NP_."""
COUNT = "{count}"
SAMPLE_COUNTS = range(0, 1000)


def extract() -> Catalog:
    """Every message id marked with N_() in the code."""
    template = Catalog(project="p2c-bot", fuzzy=False)
    for source in SOURCES:
        for filename, lineno, message, comments, _context in extract_from_dir(
            ROOT / source, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
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
            catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, project="p2c-bot")
            for message in template:
                if message.id:
                    catalog.add(message.id, locations=message.locations)
        if language == "en":
            for message in catalog:
                if message.id and isinstance(message.id, tuple):
                    if not all(message.string or ()):
                        message.string = (str(message.id[0]), str(message.id[1]))
                elif message.id and not message.string:
                    message.string = message.id
        buffer = BytesIO()
        # no line numbers: an edit elsewhere in a file must not touch every catalog (and merges stay clean)
        write_po(buffer, catalog, sort_output=True, ignore_obsolete=True, width=100, include_lineno=False)
        path.write_bytes(buffer.getvalue())


def problems() -> list[str]:
    """Everything that keeps the catalogs from matching the code, one line each."""
    wanted = {m.id if isinstance(m.id, str) else tuple(m.id) for m in extract() if m.id}
    found: list[str] = []
    for language in LANGUAGES:
        if not _po_path(language).exists():
            found.append(f"{language}: no catalog at {_po_path(language).relative_to(ROOT)}")
            continue
        catalog = read(language)
        lone = _lone_forms(catalog)
        for msgid in sorted(wanted, key=_key):
            message = catalog.get(msgid)
            problem = _entry_problem(message, msgid, language, catalog.num_plurals, lone)
            if problem:
                found.append(f"{language}: {problem} {_key(msgid)!r}")
    return found


def _key(msgid: str | tuple[str, ...]) -> str:
    return msgid[0] if isinstance(msgid, tuple) else msgid


def _entry_problem(message: Message | None, msgid: str | tuple[str, ...], language: str, forms: int,
                   lone: frozenset[int]) -> str | None:
    """What is wrong with one catalog entry, or None."""
    if message is None:
        return "missing"
    if message.fuzzy:
        return "fuzzy"
    if isinstance(msgid, tuple):
        return _plural_problem(message, msgid, forms, lone)
    if message.pluralizable:
        return "plural entry for a singular id"
    if not message.string:
        return "untranslated"
    if set(PLACEHOLDER.findall(str(message.string))) != set(PLACEHOLDER.findall(str(msgid))):
        return "placeholders differ in"
    if language in NON_LATIN and message.string == msgid and LATIN_WORD.search(PLACEHOLDER.sub("", str(msgid))):
        return "left in English"
    return None


def _plural_problem(message: Message, msgid: tuple[str, ...], forms: int, lone: frozenset[int]) -> str | None:
    """A plural entry needs the same plural id and every form filled with the id's placeholders."""
    if not message.pluralizable or tuple(message.id) != tuple(msgid):
        return "plural id differs in"
    strings = tuple(message.string or ())
    if len(strings) < forms or not all(strings[:forms]):
        return "untranslated plural form in"
    wanted = set(PLACEHOLDER.findall(msgid[0])) | set(PLACEHOLDER.findall(msgid[1]))
    for index, string in enumerate(strings[:forms]):
        got = set(PLACEHOLDER.findall(string))
        missing = wanted - got
        if got - wanted or (missing and (missing != {COUNT} or index not in lone)):
            return f"placeholders differ in form {index} of"
    return None


def _lone_forms(catalog: Catalog) -> frozenset[int]:
    """The plural forms that stand for one count alone, by the catalog's own Plural-Forms rule."""
    probe = Catalog(locale=catalog.locale)
    probe.mime_headers = catalog.mime_headers  # the catalog's own Plural-Forms, which rendering uses
    probe.add(("s", "p"), tuple(str(index) for index in range(catalog.num_plurals)))
    buffer = BytesIO()
    write_mo(buffer, probe)
    buffer.seek(0)
    rules = gettext.GNUTranslations(buffer)
    counts: dict[int, int] = {}
    for n in SAMPLE_COUNTS:
        index = int(rules.ngettext("s", "p", n))
        counts[index] = counts.get(index, 0) + 1
    return frozenset(index for index, seen in counts.items() if seen == 1)


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
