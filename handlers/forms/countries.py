"""The country step: type part of a name in any of the six languages, pick from matches.

Multi-select keeps a running selection and offers shortcuts: all LDCs, LLDCs or SIDS, an ITU
region, or global. Shortcuts are stored as tokens (LDC, LLDC, SIDS, ITU:<region>, GLOBAL) so that
a pledge to "all LDCs" keeps meaning that when the list of LDCs changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from handlers.forms.base import Answer, Answers, FormContext, InvalidAnswerError, Stay, Step, StepResult
from handlers.messages import N_, Button, Concat, CountryName, Items, Label, Text, plural, text
from models.geography import ItuRegion, load_country_table, search_countries

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


PLACES_SHOWN = 30
"""Places a list names before "and N more": a pledge may name every country, and must still fit a message."""


def places_label(tokens: list[str]) -> Label:
    """Countries and shortcuts as a list, the first PLACES_SHOWN named and the rest counted."""
    named: list[Label] = [place_label(token) for token in tokens[:PLACES_SHOWN]]
    if len(tokens) > PLACES_SHOWN:
        named.append(plural("{count} more", "{count} more", len(tokens) - PLACES_SHOWN))
    return Items(tuple(named))


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
        if self.multi:
            picked = self._picked(answers, scratch)
            if picked:
                shown.append(Concat((Text(N_("Selected:")), " ", places_label(picked))))
        if scratch.get("matches"):
            shown.append(Text(N_("Several countries match. Pick one:")))
        return tuple(shown)

    def buttons(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> list[list[Button]]:
        """Matches of the last search, shortcuts, and Done."""
        picked = self._picked(answers, scratch) if self.multi else []
        matches = [Button(Concat(("✓ ", CountryName(c))) if c in picked else CountryName(c), f"f:{self.id}:c:{c}")
                   for c in scratch.get("matches", [])]
        rows = [matches[i:i + 2] for i in range(0, len(matches), 2)]
        if self.allow_none and not self.multi:
            rows.append([Button(place_label(NO_COUNTRY), f"f:{self.id}:c:{NO_COUNTRY}")])
        if self.multi:
            shortcuts = [Button(Concat(("✓ ", Text(label))) if token in picked else Text(label),
                                f"f:{self.id}:c:{token}") for token, label in SHORTCUTS.items()]
            rows.extend(shortcuts[i:i + 2] for i in range(0, len(shortcuts), 2))
            rows.append([Button(Text(N_("Done ✔️")), f"f:{self.id}:done")])
        return rows

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Search the typed name in all six languages."""
        found = search_countries(value, limit=self.max_matches)
        if not found:
            raise InvalidAnswerError(text(N_("No country matches “{query}”. Try another spelling."), query=value[:50]))
        if len(found) == 1:
            return self._pick(found[0], answers, scratch)
        return Stay({**scratch, "matches": found, "picked": self._picked(answers, scratch)})

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Pick a country or shortcut that this step offers, or finish the selection."""
        verb, _, value = code.partition(":")
        if verb == "done" and self.multi:
            picked = self._picked(answers, scratch)
            if not picked:
                raise InvalidAnswerError(Text(N_("Please choose at least one country, region or group.")))
            return Answer(picked, places_label(picked))
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
        return Stay({"picked": picked, "matches": list(scratch.get("matches", []))})

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The selection as names and shortcut labels."""
        if isinstance(value, list):
            return places_label(value)
        return place_label(str(value))

    def still_valid(self, value: Any, answers: Answers) -> bool:
        """A stored country stays valid."""
        return True
