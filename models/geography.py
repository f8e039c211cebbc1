"""Country facts (LDC, LLDC, SIDS, M49 and ITU-D regions), country names in six languages, and search."""

from __future__ import annotations

import csv
import difflib
import io
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache, lru_cache
from importlib import resources

from babel import Locale
from babel.core import UnknownLocaleError

__all__ = [
    "COUNTRY_TABLE_AS_OF",
    "GROUPS",
    "LANGUAGES",
    "CountryFacts",
    "CountryMatches",
    "ItuRegion",
    "countries_in_group",
    "country_name",
    "fold_name",
    "load_country_table",
    "match_countries",
    "region_name",
    "search_countries",
]

COUNTRY_TABLE_AS_OF = date(2025, 11, 29)
"""Date of the UN M49 overview that models/data/countries.csv was checked against."""

LANGUAGES = ("ar", "en", "es", "fr", "ru", "zh")
"""The six official languages of the Union, as two-letter codes."""

NAME_LOCALES = (*LANGUAGES, "zh_Hant")
"""The columns of models/data/country_names.csv: the six languages, and Traditional Chinese for search."""

_TABLE_RESOURCE = "data/countries.csv"
_NAMES_RESOURCE = "data/country_names.csv"
_UN_NAMES_RESOURCE = "data/un_country_names.csv"
_MAX_QUERY_CHARS = 200


class ItuRegion(StrEnum):
    """ITU-D region, as seen by BDT's regional offices."""

    AFRICA = "africa"
    AMERICAS = "americas"
    ARAB_STATES = "arab_states"
    ASIA_PACIFIC = "asia_pacific"
    CIS = "cis"
    EUROPE = "europe"


GROUPS: tuple[str, ...] = ("ldc", "lldc", "sids", *(r.value for r in ItuRegion))
"""Names accepted by countries_in_group()."""


@dataclass(frozen=True, slots=True)
class CountryFacts:
    """One row of the project's country table; region codes are None only for Antarctica."""

    iso3: str
    iso2: str
    m49: int
    ldc: bool
    lldc: bool
    sids: bool
    region_code: int | None
    subregion_code: int | None
    itu_region: ItuRegion | None
    ldc_until: date | None = None
    """The day the country left the LDC category (its graduation took effect), when `ldc` is still set: an LDC
    before that day, no longer from it on."""

    def ldc_on(self, day: date) -> bool:
        """Whether the country is a Least Developed Country on `day`."""
        return self.ldc and (self.ldc_until is None or day < self.ldc_until)


def _flag(value: str) -> bool:
    """Parse a 0/1 column."""
    if value not in ("0", "1"):
        raise ValueError(f"expected 0 or 1, got {value!r}")
    return value == "1"


def _optional_int(value: str) -> int | None:
    """Parse an integer column that may be empty."""
    return int(value) if value else None


@cache
def load_country_table() -> dict[str, CountryFacts]:
    """Return the country table keyed by ISO3 code (read once; do not mutate the result)."""
    text = resources.files(__package__ or "models").joinpath(_TABLE_RESOURCE).read_text(encoding="utf-8")
    table: dict[str, CountryFacts] = {}
    for row in csv.DictReader(io.StringIO(text)):
        facts = CountryFacts(
            iso3=row["iso3"],
            iso2=row["iso2"],
            m49=int(row["m49"]),
            ldc=_flag(row["ldc"]),
            lldc=_flag(row["lldc"]),
            sids=_flag(row["sids"]),
            region_code=_optional_int(row["region_code"]),
            subregion_code=_optional_int(row["subregion_code"]),
            itu_region=ItuRegion(row["itu_region"]) if row["itu_region"] else None,
            ldc_until=date.fromisoformat(row["ldc_until"]) if row["ldc_until"] else None,
        )
        if facts.iso3 in table:
            raise ValueError(f"duplicate country {facts.iso3} in {_TABLE_RESOURCE}")
        table[facts.iso3] = facts
    return table


@cache
def _groups() -> dict[str, frozenset[str]]:
    """Map each group name to the ISO3 codes in it."""
    table = load_country_table().values()
    groups = {
        "ldc": frozenset(f.iso3 for f in table if f.ldc),
        "lldc": frozenset(f.iso3 for f in table if f.lldc),
        "sids": frozenset(f.iso3 for f in table if f.sids),
    }
    for region in ItuRegion:
        groups[region.value] = frozenset(f.iso3 for f in table if f.itu_region is region)
    return groups


def countries_in_group(group: str) -> frozenset[str]:
    """Return the ISO3 codes in "ldc", "lldc", "sids" or an ItuRegion value (any case); else ValueError."""
    try:
        return _groups()[group.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown country group {group!r}; expected one of {', '.join(GROUPS)}") from None


# --- names -------------------------------------------------------------------------------------

@cache
def _un_names() -> dict[str, dict[str, str]]:
    """The UN's short names (UNTERM; M49 in English) where CLDR's differ, by ISO3 then language."""
    text = resources.files(__package__ or "models").joinpath(_UN_NAMES_RESOURCE).read_text(encoding="utf-8")
    return {row["iso3"]: {code: row[code] for code in LANGUAGES if row[code]}
            for row in csv.DictReader(io.StringIO(text))}


@lru_cache(maxsize=64)
def _parse_locale(identifier: str) -> Locale | None:
    """Parse "zh", "pt-BR", "zh_Hant" and the like; None if Babel does not know it."""
    try:
        return Locale.parse(identifier.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


@cache
def _cldr_names() -> dict[str, dict[str, str]]:
    """CLDR's country names in NAME_LOCALES, by ISO3 then locale (written by scripts/country_names.py)."""
    text = resources.files(__package__ or "models").joinpath(_NAMES_RESOURCE).read_text(encoding="utf-8")
    return {row["iso3"]: {code: row[code] for code in NAME_LOCALES if row[code]}
            for row in csv.DictReader(io.StringIO(text))}


def _names_column(locale: Locale) -> str | None:
    """The column of the names file that serves a locale, if any (other locales ask Babel)."""
    if locale.language == "zh" and locale.script == "Hant":
        return "zh_Hant"
    return locale.language if locale.language in LANGUAGES else None


def _country_name_in(facts: CountryFacts, locale: Locale | None) -> str | None:
    """The country's name in a locale: UN terminology where it is set, else CLDR's; None if unknown."""
    if locale is None:
        return None
    column = _names_column(locale)
    if column != "zh_Hant":
        override = _un_names().get(facts.iso3, {}).get(locale.language)
        if override:
            return override
    if column is not None:
        return _cldr_names().get(facts.iso3, {}).get(column)
    return locale.territories.get(facts.iso2) or None


def _territory_name(locale: Locale | None, key: str) -> str | None:
    """Return the name of a CLDR territory (e.g. an M49 region) in a locale, or None."""
    if locale is None:
        return None
    return locale.territories.get(key) or None


def country_name(iso3: str, locale: str) -> str:
    """Return the country's name in the locale, else in English, else the code itself."""
    facts = load_country_table().get(iso3.upper())
    if facts is None:
        return iso3
    return _country_name_in(facts, _parse_locale(locale)) or _country_name_in(facts, _parse_locale("en")) or facts.iso3


def region_name(m49_code: int, locale: str) -> str:
    """Return the name of an M49 region or sub-region in the locale, else in English, else the code."""
    if not 0 <= m49_code <= 999:
        return str(m49_code)
    key = f"{m49_code:03d}"
    return _territory_name(_parse_locale(locale), key) or _territory_name(_parse_locale("en"), key) or str(m49_code)


# --- search ------------------------------------------------------------------------------------

# Alternative names people type, beyond CLDR's names in the six languages: former or colloquial
# English names, UN official names, common abbreviations, and a few usual forms in the other languages.
_ALIASES: dict[str, tuple[str, ...]] = {
    "ARE": ("UAE", "Emirates", "الإمارات"),
    "BHS": ("The Bahamas",),
    "BIH": ("Bosnia",),
    "BLR": ("Byelorussia", "Белоруссия"),
    "BOL": ("Bolivia (Plurinational State of)", "Bolivia (Estado Plurinacional de)"),
    "BRN": ("Brunei Darussalam",),
    "MEX": ("Estados Unidos Mexicanos", "United Mexican States", "États-Unis du Mexique",
            "Мексиканские Соединенные Штаты", "الولايات المتحدة المكسيكية", "墨西哥合众国"),
    "CAF": ("CAR", "RCA", "Centrafrique"),
    "CHN": ("PRC", "People's Republic of China", "中华人民共和国"),
    "CIV": ("Ivory Coast", "Cote d'Ivoire", "Costa de Marfil", "Кот-д'Ивуар", "كوت ديفوار"),
    "COD": (
        "DRC",
        "DR Congo",
        "Congo-Kinshasa",
        "Democratic Republic of the Congo",
        "Zaire",
        "RDC",
        "République démocratique du Congo",
        "ДРК",
        "Демократическая Республика Конго",
        "جمهورية الكونغو الديمقراطية",
        "刚果民主共和国",
        "刚果金",
    ),
    "COG": (
        "Congo-Brazzaville",
        "Republic of the Congo",
        "Congo",
        "République du Congo",
        "Республика Конго",
        "جمهورية الكونغو",
        "刚果共和国",
        "刚果布",
    ),
    "CPV": ("Cape Verde", "Cabo Verde"),
    "CZE": ("Czech Republic", "République tchèque", "República Checa", "Чешская Республика"),
    "FLK": ("Falkland Islands (Malvinas)", "Malvinas"),
    "FSM": ("Micronesia (Federated States of)",),
    "GBR": (
        "UK",
        "U.K.",
        "Great Britain",
        "Britain",
        "England",
        "Scotland",
        "Wales",
        "Northern Ireland",
        "United Kingdom of Great Britain and Northern Ireland",
        "Royaume-Uni de Grande-Bretagne et d'Irlande du Nord",
        "Gran Bretaña",
        "Соединённое Королевство",
        "Англия",
        "Angleterre",
        "Inglaterra",
        "بريطانيا",
        "إنجلترا",
        "英格兰",
    ),
    "GMB": ("The Gambia",),
    "HKG": ("Hong Kong", "Hongkong", "香港"),
    "IRN": ("Iran (Islamic Republic of)", "Persia", "Iran (République islamique d')"),
    "KGZ": ("Kyrgyz Republic", "Kirghizia", "Кыргызстан", "Киргизия"),
    "KNA": ("Saint Kitts and Nevis", "St Kitts"),
    "KOR": ("Republic of Korea", "République de Corée", "República de Corea", "Южная Корея", "大韩民国"),
    "LAO": ("Laos", "Lao PDR", "Lao People's Democratic Republic"),
    "LCA": ("Saint Lucia",),
    "MAC": ("Macao", "Macau", "澳门"),
    "MDA": ("Moldova", "Republic of Moldova", "République de Moldova", "Молдавия"),
    "MKD": ("Macedonia", "FYROM", "Macédoine"),
    "MMR": ("Burma", "Myanmar", "Бирма"),
    "NLD": ("Holland", "Netherlands (Kingdom of the)", "Hollande", "Holanda", "Голландия"),
    "PRK": ("DPRK", "Democratic People's Republic of Korea", "Северная Корея", "朝鲜民主主义人民共和国"),
    "PSE": ("Palestine", "State of Palestine", "فلسطين", "Палестина"),
    "RUS": (
        "Russia",
        "Russian Federation",
        "Fédération de Russie",
        "Federación de Rusia",
        "Российская Федерация",
        "РФ",
        "الاتحاد الروسي",
        "روسيا الاتحادية",
        "俄罗斯联邦",
    ),
    "SVK": ("Slovak Republic",),
    "SWZ": ("Swaziland", "Eswatini", "Swazilandia", "Свазиленд", "سوازيلاند"),
    "SYR": ("Syria", "Syrian Arab Republic", "République arabe syrienne", "República Árabe Siria"),
    "TKM": ("Туркмения",),
    "TLS": ("East Timor", "Timor-Leste", "Timor Oriental", "تيمور الشرقية"),
    "TUR": ("Turkey", "Türkiye", "Turkiye", "Турецкая Республика"),
    "TZA": ("Tanzania", "United Republic of Tanzania", "République-Unie de Tanzanie"),
    "USA": (
        "USA",
        "U.S.",
        "US",
        "United States of America",
        "America",
        "Amérique",
        "Америка",
        "EEUU",
        "EE. UU.",
        "США",
        "الولايات المتحدة الأمريكية",
        "أمريكا",
        "美利坚合众国",
    ),
    "VAT": ("Holy See", "Vatican", "Saint-Siège", "Santa Sede", "Святой Престол"),
    "VCT": ("Saint Vincent and the Grenadines",),
    "VEN": ("Venezuela (Bolivarian Republic of)",),
    "VIR": ("US Virgin Islands", "United States Virgin Islands"),
    "VNM": ("Viet Nam",),
}

# Letters that Unicode decomposition does not fold but that people type interchangeably.
_FOLD = str.maketrans(
    {
        "ٱ": "ا",  # alef wasla
        "ة": "ه",  # ta marbuta
        "ى": "ي",  # alef maqsura
        "ی": "ي",  # Farsi yeh
        "ک": "ك",  # keheh
        "ـ": None,  # tatweel
        "ё": "е",  # (also folded by decomposition; kept for clarity)
    }
)


def _words(text: str) -> list[str]:
    """Fold text for matching (case, accents, tashkeel, letter variants) and split it into words."""
    chars: list[str] = []
    for ch in unicodedata.normalize("NFKD", text.casefold()):
        kind = unicodedata.category(ch)
        if kind[0] in "LN":
            chars.append(ch)
        elif kind[0] != "M":  # marks (accents, harakat, hamza above/below) are dropped
            chars.append(" ")  # punctuation, symbols, spaces, controls and format marks split words
    return "".join(chars).translate(_FOLD).split()


def fold_name(text: str) -> str:
    """A place name as search compares it: case, accents, tashkeel, Arabic letter variants and spaces folded."""
    return "".join(_words(text))


@dataclass(frozen=True, slots=True)
class _SearchIndex:
    """Precomputed keys for search_countries()."""

    exact: dict[str, frozenset[str]]
    codes: dict[str, frozenset[str]]  # ISO 3166-1 alpha-2 and alpha-3, in capitals
    prefix_keys: list[str]
    prefix_info: list[tuple[int, int, str]]  # (rank, length of the whole name, iso3), parallel to keys
    haystack: str  # every compact name, each followed by a newline, for the substring scan
    starts: list[int]  # offset of each name in haystack
    names: list[tuple[str, str]]  # (compact name, iso3), parallel to starts
    longest: int


_EXACT, _NAME_PREFIX, _WORD_PREFIX, _SUBSTRING = range(4)
_SURE_LETTERS = 4
"""Letters a name's beginning must have to stand for the one country it begins (a word's "Seneg"); fewer ("no",
"sen") are offered to confirm, and a part inside a name is never taken unasked ("non" is inside "Lebanon")."""
_OFFERED_LETTERS = 3
"""Letters a name's beginning must have to be offered at all."""
_INSIDE_LETTERS = 5
"""Letters a part inside a name must have to be offered ("Asia" is inside "Malaysia": no)."""
_SURE_IDEOGRAPHS = 2
"""The same for a name in Chinese characters, each a syllable ("塞内" for 塞内加尔)."""


def _name_variants(words: list[str]) -> list[list[str]]:
    """Return the word list plus variants with "st" spelled "saint"."""
    if "st" in words:
        return [words, ["saint" if w == "st" else w for w in words]]
    return [words]


@cache
def _search_index() -> _SearchIndex:
    """Build the search index from CLDR names in the six languages (plus Traditional Chinese) and aliases."""
    cldr = _cldr_names()
    exact: dict[str, set[str]] = {}
    codes: dict[str, set[str]] = {}
    prefixes: dict[tuple[str, str], tuple[int, int]] = {}
    names: set[tuple[str, str]] = set()

    def add_name(iso3: str, name: str) -> None:
        for words in _name_variants(_words(name)):
            compact = "".join(words)
            if not compact:
                continue
            exact.setdefault(compact, set()).add(iso3)
            names.add((compact, iso3))
            for i, word in enumerate(words):
                rank = _NAME_PREFIX if i == 0 else _WORD_PREFIX
                starts = [word]
                if word.startswith("ال") and len(word) > 3:  # Arabic article: "سنغال" finds "السنغال"
                    starts.append(word[2:])
                for start in starts:
                    key = start + "".join(words[i + 1 :])
                    best = prefixes.get((key, iso3))
                    if best is None or (rank, len(compact)) < best:
                        prefixes[(key, iso3)] = (rank, len(compact))

    for facts in load_country_table().values():
        for code in (facts.iso3, facts.iso2):  # not the M49 number: "500" (schools), "31/12/2028" are no countries
            codes.setdefault(code.upper(), set()).add(facts.iso3)
        for name in cldr.get(facts.iso3, {}).values():
            add_name(facts.iso3, name)
        for un_name in _un_names().get(facts.iso3, {}).values():
            add_name(facts.iso3, un_name)
        for alias in _ALIASES.get(facts.iso3, ()):
            add_name(facts.iso3, alias)

    ordered = sorted(prefixes.items())
    ordered_names = sorted(names)
    starts: list[int] = []
    offset = 0
    for compact, _ in ordered_names:
        starts.append(offset)
        offset += len(compact) + 1
    return _SearchIndex(
        exact={key: frozenset(found) for key, found in exact.items()},
        codes={key: frozenset(found) for key, found in codes.items()},
        prefix_keys=[key for (key, _), _ in ordered],
        prefix_info=[(rank, length, iso3) for (_, iso3), (rank, length) in ordered],
        haystack="".join(f"{compact}\n" for compact, _ in ordered_names),
        starts=starts,
        names=ordered_names,
        longest=max(len(compact) for compact, _ in names),
    )


def search_countries(query: str, *, limit: int = 8, inside_words: bool = True) -> list[str]:
    """Return ISO3 codes of countries matching what was typed in any of the six languages, best first.

    A name matches exactly, by its beginning, by the beginning of one of its words, or (unless
    `inside_words` is False) by any part of it: "oman" is inside "Romania", "eat" inside "Great Britain".
    """
    return [iso3 for iso3, _ in _ranked_countries(query, limit, inside_words)]


@dataclass(frozen=True, slots=True)
class CountryMatches:
    """The countries a typed piece matches, best first, and whether the first may be taken without asking."""

    found: tuple[str, ...]
    sure: bool


def match_countries(query: str, *, limit: int = 8) -> CountryMatches:
    """What a typed piece names, as a person filling a form means it. A single match is sure when a name is typed
    whole, or the beginning of a name or of one of its words long enough to mean it ("Seneg", "Côte"); a short
    beginning ("sen") and a part of five letters or more inside a name ("ongol" inside "Mongolia") are offered to
    confirm; two letters ("no") and a shorter part inside a name ("non" inside "Lebanon", "Asie" inside "Papouasie",
    "мир" inside "Эмираты") name nothing."""
    ranked = _ranked_countries(query, limit, inside_words=True)
    letters = "".join(_words(query)) if isinstance(query, str) and len(query) <= _MAX_QUERY_CHARS else ""
    ideographs = bool(letters) and all("\u3400" <= ch <= "\u9fff" for ch in letters)
    enough = len(letters) >= (_SURE_IDEOGRAPHS if ideographs else _SURE_LETTERS)
    offered = ideographs or len(letters) >= _OFFERED_LETTERS  # "no", "si" and "na" are words, not beginnings
    inside = len(letters) >= (_SURE_IDEOGRAPHS if ideographs else _INSIDE_LETTERS)
    kept = tuple(iso3 for iso3, rank in ranked if rank == _EXACT or (rank < _SUBSTRING and offered) or inside)
    best = min((rank for _, rank in ranked), default=_SUBSTRING)
    return CountryMatches(kept, sure=len(kept) == 1 and (best == _EXACT or (best < _SUBSTRING and enough)))


def _ranked_countries(query: str, limit: int, inside_words: bool) -> list[tuple[str, int]]:
    """ISO3 codes matching `query` with how each matched (exact, a name's beginning, a word's, a part), best first."""
    if limit <= 0 or not isinstance(query, str) or len(query) > _MAX_QUERY_CHARS:
        return []
    q = "".join(_words(query))
    index = _search_index()
    if not q or len(q) > index.longest:
        return []
    best: dict[str, tuple[int, int]] = {}

    def offer(iso3: str, rank: int, length: int) -> None:
        if (rank, length) < best.get(iso3, (_SUBSTRING + 1, 0)):
            best[iso3] = (rank, length)

    for iso3 in index.exact.get(q, ()) or index.codes.get(_code(query), ()):
        offer(iso3, _EXACT, len(q))
    keys = index.prefix_keys
    i = bisect_left(keys, q)
    while i < len(keys) and keys[i].startswith(q):
        rank, length, iso3 = index.prefix_info[i]
        offer(iso3, rank, length)
        i += 1
    if len(best) < limit and inside_words:
        position = index.haystack.find(q)
        while position >= 0:
            n = bisect_right(index.starts, position) - 1
            compact, iso3 = index.names[n]
            offer(iso3, _SUBSTRING, len(compact))
            position = index.haystack.find(q, index.starts[n] + len(compact) + 1)
    ranked = sorted(best.items(), key=lambda item: (item[1], item[0]))
    return [(iso3, rank) for iso3, (rank, _) in ranked[:limit]]


def exact_countries(query: str) -> frozenset[str]:
    """ISO3 codes of the countries that one of their names (any of the six languages, or an alias) names exactly,
    else that the name names once the words of a formal name are set aside (`_formal`)."""
    if not isinstance(query, str) or len(query) > _MAX_QUERY_CHARS:
        return frozenset()
    words = _words(query)
    if not words:
        return frozenset()
    index = _search_index()
    return index.exact.get("".join(words)) or _formal(words) or index.codes.get(_code(query), frozenset())


def _code(query: str) -> str:
    """`query` as a country's code when it is typed as one, in capitals ("SN", "SEN"); else "": a word ("no", "es",
    "per", "and") is not Norway, Spain, Peru or Andorra."""
    code = query.strip()
    return code if 2 <= len(code) <= 3 and code.isascii() and code.isalpha() and code.isupper() else ""


_STATE_LEADS: tuple[tuple[str, ...], ...] = tuple(sorted({tuple(_words(lead)) for lead in (
    "Republic of", "Republic of the", "Kingdom of", "State of", "Federal Republic of", "Islamic Republic of",
    "Principality of", "Sultanate of", "Grand Duchy of", "Commonwealth of",
    "República de", "República del", "Reino de", "Reino del", "Estado de", "Principado de", "Sultanato de",
    "República Federal de", "República Islámica de",
    "République de", "République du", "République d'", "République des", "Royaume de", "Royaume du", "Royaume d'",
    "État de", "État du", "État d'", "Principauté de", "Sultanat d'", "République fédérale d'",
    "République islamique d'", "République islamique de", "Kingdom of the",
    "Республика", "Королевство", "Государство", "Федеративная Республика", "Княжество", "Султанат",
    "Исламская Республика",
    "المملكة", "مملكة", "الجمهورية", "جمهورية", "دولة", "سلطنة", "إمارة", "الإمارة",
)}, key=len, reverse=True))
"""The words a country's formal name begins with, folded as searched ("República de Colombia", "Королевство
Марокко", "المملكة المغربية"): ministries often write their country's official name."""
_STATE_TAILS = ("共和国", "联邦", "王国", "合众国")
"""The same, after a Chinese name ("哥伦比亚共和国", "摩洛哥王国")."""
_NOT_FORMAL = frozenset("".join(_words(name)) for name in (
    "Republic of China", "République de Chine", "República de China", "Республика Китай", "جمهورية الصين",
    "State of Georgia",
))
"""Names that read as a formal name and are another's: the Republic of China is not China's formal name (the
People's Republic of China is), the State of Georgia is one of the United States (review)."""


def _formal(words: list[str]) -> frozenset[str]:
    """The country a formal name names, its state words set aside: the rest named exactly, or in Arabic one of the
    words after them, or the country an adjective of it names ("المملكة المغربية": "المغرب"; "الجمهورية التونسية":
    "تونس"; "جمهورية مصر العربية": "مصر"). Nothing when none does: "República de Colombia" was "not recognised",
    and the closest names offered were Moldova's and Korea's."""
    exact = _search_index().exact
    compact = "".join(words)
    if compact in _NOT_FORMAL:
        return frozenset()
    for tail in _STATE_TAILS:
        if compact.endswith(tail) and len(compact) > len(tail) and (found := exact.get(compact[:-len(tail)])):
            return found
    for lead in _STATE_LEADS:
        if len(words) <= len(lead) or tuple(words[:len(lead)]) != lead:
            continue
        rest = words[len(lead):]
        if found := exact.get("".join(rest)):
            return found
        for word in (w for w in rest if any("\u0600" <= ch <= "\u06ff" for ch in w)):
            base = word[:-2] if word.endswith("يه") and len(word) > 4 else word  # the adjective's ending (nisba)
            for candidate in (word, base, base[2:] if base.startswith("ال") else "ال" + base):
                if found := exact.get(candidate):
                    return found
    return frozenset()


SUGGESTION_CUTOFF = 0.75
"""How close a misspelling must be to a name to be suggested (difflib's ratio: "senegall" to "senegal" is 0.93)."""


def suggest_countries(query: str, *, limit: int = 4) -> list[str]:
    """ISO3 codes of the countries whose names are closest to a misspelt `query` ("Senegall"), best first."""
    if not isinstance(query, str) or len(query) > _MAX_QUERY_CHARS:
        return []
    q = "".join(_words(query))
    if len(q) < 3:
        return []
    index = _search_index()
    close = difflib.get_close_matches(q, [compact for compact, _ in index.names], n=limit * 3, cutoff=SUGGESTION_CUTOFF)
    found: list[str] = []
    for name in close:
        for compact, iso3 in index.names[bisect_left(index.names, (name, "")):]:
            if compact != name:
                break
            if iso3 not in found:
                found.append(iso3)
    return found[:limit]
