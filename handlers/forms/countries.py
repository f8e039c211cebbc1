"""The country step: type part of a name in any of the six languages, pick from matches.

Multi-select keeps a running selection and offers shortcuts: all LDCs, LLDCs or SIDS, an ITU
region, or global. Shortcuts are stored as tokens (LDC, LLDC, SIDS, ITU:<region>, GLOBAL) so that
a pledge to "all LDCs" keeps meaning that when the list of LDCs changes. The countries selected are
buttons "✓ Name" that remove them, SELECTED_PAGE at a time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from handlers.forms.base import Answer, Answers, FormContext, InvalidAnswerError, Stay, Step, StepResult
from handlers.messages import N_, Button, Concat, CountryName, Items, Label, Text, plural, text
from models.geography import ItuRegion, exact_countries, load_country_table, match_countries, suggest_countries

NO_COUNTRY = "-"
GLOBAL = "GLOBAL"
GROUP_LABELS: dict[str, str] = {
    "LDC": N_("All LDCs"),
    "LLDC": N_("All LLDCs"),
    "SIDS": N_("All SIDS"),
    GLOBAL: N_("🌍 Global"),
}
REGION_LABELS: dict[ItuRegion, str] = {
    ItuRegion.AFRICA: N_("ITU region: Africa"),
    ItuRegion.AMERICAS: N_("ITU region: Americas"),
    ItuRegion.ARAB_STATES: N_("ITU region: Arab States"),
    ItuRegion.ASIA_PACIFIC: N_("ITU region: Asia-Pacific"),
    ItuRegion.CIS: N_("ITU region: CIS"),
    ItuRegion.EUROPE: N_("ITU region: Europe"),
}
SHORTCUTS: dict[str, str] = {**GROUP_LABELS, **{f"ITU:{r.value}": label for r, label in REGION_LABELS.items()}}


def place_label(token: str) -> Label:
    """How a stored country or shortcut token is shown."""
    if token in SHORTCUTS:
        return Text(SHORTCUTS[token])
    if token == NO_COUNTRY:
        return Text(N_("International (no single country)"))
    return CountryName(token)


INTERNATIONAL_WORDS = frozenset({
    "international", "internationale", "internacional", "международная", "международный", "международное",
    "международная организация", "دولي", "دولية", "منظمة دولية", "国际", "國際", "国际组织", "國際組織",
})
"""What a person types for the International button where no single country is asked: the button's first word in
the six languages, and "international organisation" in the ones that say it so."""


def means_international(value: str) -> bool:
    """Whether a typed answer is the International button's word ("International", "internacional", "国际"), alone
    or with the button's words in brackets after it."""
    said = re.sub(r"[(（].*", "", value).strip(" .!。！\t\n").casefold()
    return said in INTERNATIONAL_WORDS


SEPARATORS = re.compile(
    r"\s*(?:[,;，、；،؛/\n]+|\s(?:and|et|y|e|и|или|or|ou|o|&)\s|\sو\s*|(?<=\S)\s+(?=و\S)|[和及与與])\s*",
    re.IGNORECASE)
"""What separates countries typed in one message: commas (the Arabic "،" and "؛" too), "and" in the six languages
(Arabic "و" also joined to the next word, Chinese "和"), "、". A name that contains one ("Trinidad and Tobago") is
still read whole."""
MAX_PIECES = 60
MAX_SUGGESTED = 3
"""Words not recognised that get suggestions, in one message."""


@dataclass(slots=True)
class Reading:
    """What a typed list of countries says: countries recognised, names that need a choice, words not recognised."""

    found: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    suggested: bool = False
    """True when `choices` are suggestions for misspelt words (rather than several countries matching)."""


def _one_country(value: str, max_matches: int) -> Reading:
    """Read one country: its exact name, the only match, several matches, or suggestions for a misspelling."""
    exact = exact_countries(value)
    if len(exact) == 1:
        return Reading(found=list(exact))
    reading = Reading()
    _read_piece(value, reading, max_matches)
    if reading.found:
        return reading
    return Reading(choices=reading.choices[:max_matches], suggested=reading.suggested)


def _bounds(value: str) -> list[tuple[int, int]]:
    """Where the pieces between separators start and end in the text ("Mali", "Côte d'Ivoire", "Niger")."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in SEPARATORS.finditer(value):
        if match.start() > start:
            bounds.append((start, match.start()))
        start = match.end()
    if start < len(value):
        bounds.append((start, len(value)))
    return bounds[:MAX_PIECES]


def read_countries(value: str, max_matches: int = 8) -> Reading:
    """Read one or several countries typed in one message: every exact name is taken (the longest first, so
    "Trinidad and Tobago" stays whole and "Niger" is not Nigeria); a name matching several countries offers
    them; a misspelt one offers the nearest names."""
    reading = Reading()
    whole = exact_countries(value)
    if len(whole) == 1:
        return Reading(found=list(whole))
    bounds = _bounds(value)
    spans = [value[a:b] for a, b in bounds]
    starts = [a for a, _ in bounds]
    i = 0
    while i < len(spans):
        for j in range(len(spans) - 1, i - 1, -1):  # the longest run of pieces that names one country exactly
            exact = exact_countries(value[starts[i]:starts[j] + len(spans[j])]) if j > i else exact_countries(spans[i])
            if len(exact) == 1:
                reading.found.extend(c for c in exact if c not in reading.found)
                i = j + 1
                break
        else:
            _read_piece(spans[i], reading, max_matches)
            i += 1
    del reading.choices[max_matches:]
    return reading


def _read_piece(piece: str, reading: Reading, max_matches: int) -> None:
    """A piece that is no country's exact name: one match is taken, several offered, none suggested."""
    matches = match_countries(piece, limit=max_matches)
    found = list(matches.found)
    if matches.sure:
        if found[0] not in reading.found:
            reading.found.append(found[0])
        return
    if found:
        reading.choices.extend(c for c in found if c not in reading.choices)
        return
    reading.unknown.append(piece)
    if len(reading.unknown) > MAX_SUGGESTED:  # each suggestion compares with every name: a few words at most
        return
    suggestions = [c for c in suggest_countries(piece) if c not in reading.choices and c not in reading.found]
    if suggestions:
        reading.suggested = reading.suggested or not reading.choices
        reading.choices.extend(suggestions)


PLACES_SHOWN = 30
"""Places a list names before "and N more": a pledge may name every country, and must still fit a message."""


def places_label(tokens: list[str]) -> Label:
    """Countries and shortcuts as a list, the first PLACES_SHOWN named and the rest counted."""
    named: list[Label] = [place_label(token) for token in tokens[:PLACES_SHOWN]]
    if len(tokens) > PLACES_SHOWN:
        named.append(plural("{count} more", "{count} more", len(tokens) - PLACES_SHOWN))
    return Items(tuple(named))


SELECTED_PAGE = 8
"""Selected countries shown as "✓ Name" buttons at a time (two a row); "Next … selected ▸" shows the next ones."""
PAGE_NUMBER = re.compile(r"0|[1-9][0-9]{0,2}", re.ASCII)


def selected_countries(picked: list[str], matches: list[str]) -> list[str]:
    """The selected countries that get a "✓ Name" button: not the shortcuts (their own buttons are ticked), nor a
    country of the last search (its match button is ticked)."""
    return [c for c in picked if c not in SHORTCUTS and c != NO_COUNTRY and c not in matches]


def _page(scratch: Mapping[str, Any], pages: int) -> int:
    """The page of selected countries shown, within the pages there are now (a removal may have emptied it)."""
    page = scratch.get("page")
    return max(0, min(page, pages - 1)) if isinstance(page, int) and not isinstance(page, bool) else 0


@dataclass(frozen=True, kw_only=True)
class CountryStep(Step):
    """One country (or none) or, with `multi`, a selection of countries and shortcuts."""

    multi: bool = False
    allow_none: bool = False
    max_matches: int = 8

    def _picked(self, answers: Answers, scratch: Mapping[str, Any]) -> list[str]:
        return list(scratch["picked"]) if "picked" in scratch else list(answers.get(self.id) or [])

    def lines(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> tuple[Label, ...]:
        """The running selection and, after a search, the instruction to pick."""
        shown: list[Label] = []
        picked = self._picked(answers, scratch) if self.multi else []
        if picked:
            shown.append(text(N_("Selected: {places}"), places=places_label(picked)))
        # once every match is picked (its button ticked), nothing is left to pick from them (a tester read "Did you
        # mean" above a choice made, again after /help)
        if any(c not in picked for c in scratch.get("matches", [])):
            shown.append(Text(N_("Did you mean one of these? Pick below:")) if scratch.get("suggested")
                         else Text(N_("Several countries match. Pick one:")))
        if selected_countries(picked, list(scratch.get("matches", []))):
            shown.append(Text(N_("To remove a country, tap its ✓ button.")))
        return tuple(shown)

    def buttons(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> list[list[Button]]:
        """Matches of the last search, the selected countries (a page of them), shortcuts, and Done."""
        picked = self._picked(answers, scratch) if self.multi else []
        matches = [Button(Concat(("✓ ", CountryName(c))) if c in picked else CountryName(c), f"f:{self.id}:c:{c}")
                   for c in scratch.get("matches", [])]
        rows = [matches[i:i + 2] for i in range(0, len(matches), 2)]
        if self.allow_none and not self.multi:
            rows.append([Button(place_label(NO_COUNTRY), f"f:{self.id}:c:{NO_COUNTRY}")])
        if self.multi:
            rows.extend(self._selected_rows(picked, scratch))
            shortcuts = [Button(Concat(("✓ ", Text(label))) if token in picked else Text(label),
                                f"f:{self.id}:c:{token}") for token, label in SHORTCUTS.items()]
            rows.extend(shortcuts[i:i + 2] for i in range(0, len(shortcuts), 2))
            rows.append([Button(Text(N_("Done ✔️")), f"f:{self.id}:done")])
        return rows

    def _selected_rows(self, picked: list[str], scratch: Mapping[str, Any]) -> list[list[Button]]:
        """A page of "✓ Name" buttons that remove a selected country, and the button to the next page (back to the
        first from the last)."""
        selected = selected_countries(picked, list(scratch.get("matches", [])))
        pages = -(-len(selected) // SELECTED_PAGE)
        page = _page(scratch, pages)
        shown = [Button(Concat(("✓ ", CountryName(c))), f"f:{self.id}:x:{c}")
                 for c in selected[page * SELECTED_PAGE:(page + 1) * SELECTED_PAGE]]
        rows = [shown[i:i + 2] for i in range(0, len(shown), 2)]
        if page + 1 < pages:
            following = min(SELECTED_PAGE, len(selected) - (page + 1) * SELECTED_PAGE)
            rows.append([Button(plural("Next {count} selected ▸", "Next {count} selected ▸", following),
                                f"f:{self.id}:p:{page + 1}")])
        elif pages > 1:
            rows.append([Button(Text(N_("⏮ Back to the first selected")), f"f:{self.id}:p:0")])
        return rows

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Read the typed names (a list when several countries are asked) in all six languages; where no single
        country is an answer, "international" typed as the button says it (a tester got "No country matches")."""
        if self.allow_none and not self.multi and means_international(value):
            return Answer(NO_COUNTRY, place_label(NO_COUNTRY))
        reading = read_countries(value, self.max_matches) if self.multi else _one_country(value, self.max_matches)
        if not reading.found and not reading.choices:
            raise InvalidAnswerError(text(N_("No country matches “{query}”. Try another spelling."), query=value[:50]))
        if not self.multi and len(reading.found) == 1 and not reading.choices:
            return Answer(reading.found[0], place_label(reading.found[0]))
        notes: tuple[Label, ...] = ()
        if reading.unknown:
            words = Items(tuple(word[:50] for word in reading.unknown[:5]))
            notes = (text(N_("Not recognised: {words}."), words=words),)
        picked = self._picked(answers, scratch)
        already = [c for c in reading.found if c in picked]
        picked += [c for c in reading.found if c not in picked]
        kept: dict[str, Any] = {"picked": picked, "matches": reading.choices, "suggested": reading.suggested}
        if already:  # typed again: said so, above "To remove a country, tap its ✓ button.", and its page shown
            notes += (text(N_("Already selected: {countries}."), countries=places_label(already)),)
            selected = selected_countries(picked, reading.choices)
            if already[0] in selected:
                kept["page"] = selected.index(already[0]) // SELECTED_PAGE
        return Stay(kept, notes)

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Pick a country or shortcut that this step offers, or finish the selection."""
        verb, _, value = code.partition(":")
        if verb == "done" and self.multi:
            picked = self._picked(answers, scratch)
            if not picked:
                raise InvalidAnswerError(Text(N_("Please choose at least one country, region or group.")))
            return Answer(picked, places_label(picked))
        if verb == "x" and self.multi:
            return self._remove(value, answers, scratch)
        if verb == "p" and self.multi:
            return self._turn(value, answers, scratch)
        valid = value in load_country_table() or (value in SHORTCUTS and self.multi) or (
            value == NO_COUNTRY and self.allow_none and not self.multi)
        if verb != "c" or not valid:
            raise InvalidAnswerError(Text(N_("That button belongs to an earlier question. Here is the current one.")))
        return self._pick(value, answers, scratch)

    def _pick(self, token: str, answers: Answers, scratch: Mapping[str, Any]) -> StepResult:
        if not self.multi:
            return Answer(token, place_label(token))
        picked = self._picked(answers, scratch)
        picked = [p for p in picked if p != token] if token in picked else [*picked, token]
        return Stay({**scratch, "picked": picked, "matches": list(scratch.get("matches", []))})

    def _remove(self, value: str, answers: Answers, scratch: Mapping[str, Any]) -> StepResult:
        """Untick a selected country ("✓ Name"); one no longer selected (an older button, a double tap) is said."""
        if value not in load_country_table():
            raise InvalidAnswerError(Text(N_("That button belongs to an earlier question. Here is the current one.")))
        picked = self._picked(answers, scratch)
        if value not in picked:
            raise InvalidAnswerError(text(N_("{country} is not selected any more."), country=CountryName(value)))
        return Stay({**scratch, "picked": [p for p in picked if p != value],
                     "matches": list(scratch.get("matches", []))})

    def _turn(self, value: str, answers: Answers, scratch: Mapping[str, Any]) -> StepResult:
        """Show another page of the selected countries: one that exists now, written as the button writes it."""
        selected = selected_countries(self._picked(answers, scratch), list(scratch.get("matches", [])))
        pages = -(-len(selected) // SELECTED_PAGE)
        if PAGE_NUMBER.fullmatch(value) is None or int(value) >= pages:
            raise InvalidAnswerError(Text(N_("That button belongs to an earlier question. Here is the current one.")))
        return Stay({**scratch, "matches": list(scratch.get("matches", [])), "page": int(value)})

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The selection as names and shortcut labels."""
        if isinstance(value, list):
            return places_label(value)
        return place_label(str(value))

    def still_valid(self, value: Any, answers: Answers) -> bool:
        """A stored country stays valid."""
        return True
