"""A coordinator's scope: which pledges every figure, list and file they receive is limited to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from models.values import Sector

ITU_REGIONS = ("africa", "americas", "arab_states", "asia_pacific", "cis", "europe")
"""ITU-D regions, as the country table (models/data/countries.csv) names them."""
# A pledge's countries are ISO codes or shortcuts, stored as the pledge form's country step writes them
# (handlers/forms/countries.py): a pledge to "all LDCs" keeps meaning that when the list of LDCs changes.
GROUP_TOKENS = {"LDC": "ldc", "LLDC": "lldc", "SIDS": "sids"}
"""The shortcuts for a whole group of countries, with the country table's flag of that group."""
REGION_TOKEN = "ITU:"
"""The prefix of the shortcut for a whole ITU region ("ITU:africa")."""
GLOBAL_TOKEN = "GLOBAL"
"""The shortcut for every country."""
SCOPE_FORMS = (f"everything | region R ({', '.join(ITU_REGIONS)}) | countries C... (ISO alpha-3 codes) | "
               f"sector S ({', '.join(Sector.__members__)}) | entity N (the organisation's number)")
"""Every form of a scope, with the names a region and a sector take (the command line's help and errors)."""


class ScopeKind(StrEnum):
    """What a scope is made of."""

    everything = "everything"
    region = "region"
    countries = "countries"
    sector = "sector"
    entity = "entity"


class ScopeError(ValueError):
    """A scope that names nothing real (an unknown region, sector or country code)."""


@dataclass(frozen=True)
class Scope:
    """Everything, or pledges implemented in an ITU region or in some countries, or of a sector's or one entity's."""

    kind: ScopeKind = ScopeKind.everything
    values: tuple[str, ...] = ()

    @property
    def is_everything(self) -> bool:
        """True when nothing is filtered out."""
        return self.kind is ScopeKind.everything

    @property
    def key(self) -> str:
        """A short stable text naming the scope (part of file names and audit details)."""
        return self.kind.value if self.is_everything else f"{self.kind.value}:{','.join(self.values)}"


EVERYTHING = Scope()
ENTITY_DIGITS = 12
"""Organisation numbers stay far below 10**12: a longer one is nobody's (and would not fit the column)."""


def is_entity_number(value: str) -> bool:
    """True for an organisation number as a scope holds it: ASCII digits, no leading zero, at most 12 of them."""
    return value.isascii() and value.isdigit() and value[0] != "0" and len(value) <= ENTITY_DIGITS


def parse_scope(text: str, known_countries: frozenset[str] = frozenset()) -> Scope:
    """A scope from "everything", "region africa", "countries SEN,BOL", "sector academia" or "entity 12".

    Raises ScopeError for anything else; country codes are checked against `known_countries` when given.
    """
    words = text.replace(",", " ").split()
    if not words:
        raise ScopeError("empty scope")
    head, rest = words[0].lower(), words[1:]
    if head in ("everything", "all") and not rest:
        return EVERYTHING
    if head == "region" and len(rest) == 1 and rest[0].lower() in ITU_REGIONS:
        return Scope(ScopeKind.region, (rest[0].lower(),))
    if head == "sector" and len(rest) == 1 and rest[0].lower() in Sector.__members__:
        return Scope(ScopeKind.sector, (rest[0].lower(),))
    if head == "entity" and len(rest) == 1 and is_entity_number(rest[0]):
        return Scope(ScopeKind.entity, (rest[0],))
    if head == "countries" and rest:
        codes = tuple(sorted({code.upper() for code in rest}))
        if all(len(code) == 3 and code.isascii() and code.isalpha() for code in codes) and (
                not known_countries or set(codes) <= known_countries):
            return Scope(ScopeKind.countries, codes)
    raise ScopeError(f"not a scope: {text!r}; give {SCOPE_FORMS}")
