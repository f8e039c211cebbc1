"""Reading numbers, money and percentages the way people type them."""

import re
from collections.abc import Iterator
from decimal import Decimal, localcontext
from functools import cache

from babel import numbers

from handlers.forms.chinese_numerals import CJK_DIGITS, CJK_NUMERALS, cjk_integer
from handlers.forms.currencies import without_other_currency
from handlers.forms.parsing import ParseError, babel_locale, fold_word, folded_or_empty

MAX_AMOUNT = Decimal(10) ** 13

# Multipliers as powers of ten, in every language. The French word "billion" and Spanish "billón"
# and "B" (CLDR's abbreviation) are 10^12, the long scale; "bn" is the English abbreviation and stays
# 10^9 everywhere, though CLDR abbreviates the French "billion" as "Bn": a francophone typing "bn"
# means 10^9, and no pledge is near 10^12.
_MULTIPLIERS: dict[int, tuple[str, ...]] = {
    1: ("十",),
    2: ("hundred", "hundreds", "cien", "сто", "مئة", "مائة", "百"),
    3: ("k", "thousand", "thousands", "mille", "mil", "тыс", "тысяча", "тысячи", "тысяч", "千", "ألف", "آلاف"),
    4: ("万", "萬"),
    5: ("lakh", "lakhs", "lac"),
    6: ("m", "mm", "mn", "mln", "mio", "million", "millions", "millón", "millones", "млн", "миллион",
        "миллиона", "миллионов", "مليون", "ملايين"),
    7: ("crore", "crores"),
    8: ("亿", "億"),
    9: ("b", "bn", "bln", "billion", "billions", "milliard", "milliards", "md", "mds", "mrd", "mrds",
        "млрд", "миллиард", "миллиарда", "миллиардов", "مليار", "مليارات", "بليون"),
    12: ("t", "tn", "trillion", "trillions", "billón", "billones", "трлн", "триллион", "триллиона",
         "триллионов", "تريليون", "ترليون"),
}
_LOCALE_MULTIPLIERS = {
    "fr": {"billion": 12, "billions": 12, "trillion": 18, "trillions": 18, "cent": 2},  # elsewhere a cent is a coin
    "es": {"b": 12},
}
_MAX_MULTIPLIERS = 3

# A number spelled with a word before its multiplier words: "a million", "un millón", "полмиллиона", "نصف مليون".
_SPELLED_LEAD = re.compile(
    r"^(?:(?P<half>half\san?|half|(?:une?\s)?demi|medio|media|пол|نصف)[\s-]*"
    r"|(?:an?|one|une?|uno|una|один|одна|одно|واحد)[\s-]+)"
)
_SHORTEST_BARE_MULTIPLIER = 3  # "million", "млн", "mil" alone are a number; "m", "k", "bn" alone are not

# Chinese numerals in an amount: where one ends, and its decimal point.
_CJK_RUN = re.compile(f"[{CJK_NUMERALS}]+")
_CJK_FRACTION = re.compile(f"[点點]([{''.join(CJK_DIGITS)}]+)")
"""The decimal point of a Chinese numeral and the digits after it, read one by one ("一点五万" is 1.5 万)."""

# Arabic duals: "مليونين" or "مليونان" is two million, "ألفين" two thousand; before the noun they count, they lose
# their ending ("مليوني دولار", "مليونا دولار").
_DUALS = {
    "مئتين": "مئة", "مئتان": "مئة", "مائتين": "مئة", "مائتان": "مئة", "ألفين": "ألف", "ألفان": "ألف",
    "مليونين": "مليون", "مليونان": "مليون", "مليارين": "مليار", "ملياران": "مليار",
    "تريليونين": "تريليون", "تريليونان": "تريليون",
    "ألفي": "ألف", "ألفا": "ألف", "مليوني": "مليون", "مليونا": "مليون", "ملياري": "مليار", "مليارا": "مليار",
}

_CURRENCY = (
    r"(?:u\.?s\.?\s?\$|\$\s?u\.?s\.?|usd|\$\s?сша|\$"
    r"|(?:u\.?s\.?\s)?dollars?(?:\s(?:us|americains?|des etats-unis))?"
    r"|dolar(?:es)?(?:\s(?:us|estadounidenses?|americanos?))?"
    r"|долл(?:ар(?:ов|а|ы)?|\.)?(?:\s?сша)?"
    r"|دولار(?:ات|ا)?(?:\s(?:ال)?امريكي(?:ه)?)?|美元|美金)"
)
_LEADING = re.compile(rf"(?:(?P<currency>{_CURRENCY})|(?P<sign>[+-]))\s*")
_TRAILING = re.compile(rf"\s*(?:(?:de|of)\s)?{_CURRENCY}$")
# Other currencies, folded, that people write beside an amount asked in US dollars: told so rather than "type a
# number". "元" alone is the renminbi's unit (美元, the dollar, is read above), so "300万元" is not taken as dollars.
_OTHER_CURRENCY = (
    r"(?:[€£¥₽₹₦₺₩]|eur|euros?|gbp|pounds?(?:\ssterling)?|livres?\ssterling|chf|cny|rmb|yuan|jpy|yen|inr|"
    r"rupees?|roupies?|(?:f\s?)?cfa|fcfa|xof|xaf|francs?(?:\s(?:cfa|suisses?))?|rub|roubles?|rubles?|"
    r"руб(?:л(?:ь|я|еи|ях)?)?\.?|евро|юан(?:ь|я|еи)?|фунт(?:а|ов)?(?:\sстерлингов)?|"
    r"يورو|روبل|يوان|جنيه(?:ات)?(?:\s[^\W\d]+)?|ريال(?:ات)?(?:\s[^\W\d]+)?|درهم(?:ا)?(?:\s[^\W\d]+)?|"
    r"دينار(?:ا)?(?:\s[^\W\d]+)?|"
    r"元|人民币|欧元|英镑|日元|卢布|港元|港币)"
)
_OTHER_LEADING = re.compile(rf"^{_OTHER_CURRENCY}\s*")
_OTHER_TRAILING = re.compile(rf"\s*(?:(?:de|of)\s|d')?{_OTHER_CURRENCY}$")
def _phrases(*phrases: str) -> str:
    """An alternation of folded phrases, longest first."""
    return "|".join(re.escape(fold_word(phrase)) for phrase in sorted(phrases, key=len, reverse=True))


_PER_HUNDRED = _phrases("في المئة", "في المائة", "في المية", "فى المئة", "بالمئة", "بالمائة", "بالمية")
"""The Arabic "percent" words, folded (the hamza of "مئة" is dropped: "الميه")."""
_PERCENT = re.compile(
    rf"^(?:%|百分之)\s*|\s*(?:%|per\s?cent|pour\s?cent|por\s?ciento|процент(?:а|ов)?|{_PER_HUNDRED})$"
)
_NUMBER = re.compile(r"[0-9]+(?:[.,' ٬٫][0-9]+)*|[.,٫][0-9]+")
_WORD = re.compile(r"\s*([\u3400-\u9fff]|[^\W\d_\u3400-\u9fff]+\.?)")


@cache
def _multipliers(where: str) -> dict[str, int]:
    """Multiplier words in folded form for a Babel locale, as powers of ten."""
    table = {fold_word(name): exponent for exponent, names in _MULTIPLIERS.items() for name in names}
    return table | _LOCALE_MULTIPLIERS.get(where, {})



@cache
def _duals() -> dict[str, str]:
    """Arabic dual multiplier words, folded, to their singular."""
    return {fold_word(dual): fold_word(one) for dual, one in _DUALS.items()}



def _spelled(text: str, locale: str) -> str:
    """Text whose number is spelled out rewritten with digits: "五百万" as "5000000", "一点五万" as "1٫5万", "a million"
    as "1 million", "полмиллиона" as "0.5 миллиона", "مليونين" as "2 مليون"; other text as it is."""
    if run := _CJK_RUN.match(text):
        value = cjk_integer(run.group())
        if value is None or text[run.end() : run.end() + 1].isdigit():  # "一亿2000万": numerals and digits mixed
            raise ParseError("not_a_number")
        fraction = _CJK_FRACTION.match(text, run.end())
        if fraction is None:
            return f"{value}{text[run.end():]}"
        decimals = "".join(str(CJK_DIGITS[char]) for char in fraction.group(1))
        # "٫" is a decimal mark in every locale: "1.500" would be 1500 where "." groups thousands
        return f"{value}٫{decimals}{text[fraction.end():]}"
    lead = _SPELLED_LEAD.match(text)
    rest = text[lead.end() :] if lead else text
    first = _WORD.match(rest)
    word = first.group(1).rstrip(".") if first else ""
    if first and not lead and word in _duals():
        return f"2 {_duals()[word]}{rest[first.end():]}"
    if word not in _multipliers(babel_locale(locale)) or len(word) < _SHORTEST_BARE_MULTIPLIER:
        return text
    return f"{'0.5' if lead and lead.group('half') else '1'} {rest}"


def _exponent(words: str, locale: str) -> int:
    """Sum the powers of ten of the multiplier words after a number ("mil millones", "千万")."""
    exponent, position, count = 0, 0, 0
    table = _multipliers(babel_locale(locale))
    while position < len(words):
        match = _WORD.match(words, position)
        power = table.get(match.group(1).rstrip(".")) if match else None
        count += 1
        if match is None or power is None or count > _MAX_MULTIPLIERS:
            raise ParseError("not_a_number")
        exponent, position = exponent + power, match.end()
    return exponent


_NEXT_DIGIT = re.compile(r"\d")
_JOINING = re.compile(r"(?:(?<=\s)|^)(?:and|et|y|и|و)\s*$|零\s*$")
"""The word joining the parts of an amount ("1 million and 200 thousand", "مليون و200 ألف", "1亿零500万")."""


def _parts(text: str, first: re.Match[str], locale: str) -> list[tuple[str, int]]:
    """Each part of an amount, its digits and the power of ten of its multiplier words: "2 млн 300 тыс" is ("2", 6)
    and ("300", 3), "1亿2000万" ("1", 8) and ("2000", 4); "3 million" is one part."""
    parts: list[tuple[str, int]] = []
    number: re.Match[str] | None = first
    while number is not None:
        following = _NEXT_DIGIT.search(text, number.end())
        words = text[number.end() : following.start() if following else len(text)]
        if following is not None:
            words = _JOINING.sub("", words.rstrip()).rstrip()
        parts.append((number.group(), _exponent(words, locale)))
        number = _NUMBER.match(text, following.start()) if following else None
    return parts


def _sum_of_parts(parts: list[tuple[str, int]], locale: str) -> Decimal:
    """The amount its parts say. Each part after the first is a whole number below the one before's multiplier,
    with a smaller multiplier ("2 млн 300 тыс") or, last, with none and as many digits as that multiplier has zeros
    ("1 million 200 000", "5 mil 500"): "1 million 200" or "1 million 2000 thousand" are no number."""
    (digits, exponent), rest = parts[0], parts[1:]
    mantissa = _digits(digits, locale, multiplied=exponent > 0)
    if rest and (exponent == 0 or mantissa != mantissa.to_integral_value()):  # "2,5 млн 300 тыс", "200 300 тыс"
        raise ParseError("not_a_number")
    value = mantissa.scaleb(exponent)
    for digits, smaller in rest:
        part = _digits(digits, locale, multiplied=False)
        bare = smaller == 0 and len(re.sub(r"\D", "", digits)) != exponent
        if part != part.to_integral_value() or smaller >= exponent or bare or part.scaleb(smaller) >= 10**exponent:
            raise ParseError("not_a_number")
        value, exponent = value + part.scaleb(smaller), smaller
    return value


@cache
def _symbols(where: str) -> tuple[str, str]:
    """A Babel locale's decimal and group symbols."""
    return numbers.get_decimal_symbol(where), numbers.get_group_symbol(where)


def _is_decimal_mark(mark: str, runs: list[str], locale: str, *, multiplied: bool) -> bool:
    """Decide whether a lone "." or "," is a decimal mark, from the digits' shape and the locale."""
    if len(runs[-1]) != 3 or runs[0].startswith("0"):
        return True
    if not multiplied:
        # "2.500" or "2,500" alone is 2500, whatever the locale's decimal mark: a count is whole, and an amount in
        # USD has two decimals at most (a tester's Mexican "2,500" dollars was read the Spanish way, 2,50 US$)
        return False
    decimal_symbol, group_symbol = _symbols(babel_locale(locale))
    if mark in (decimal_symbol, group_symbol):
        return mark == decimal_symbol
    return multiplied  # a foreign mark: "1.000" is a thousand, "1.500 млн" one and a half million


def _well_grouped(runs: list[str], mark: str) -> bool:
    """Tell whether digit runs are thousands groups (or Indian lakh groups with commas)."""
    first, rest = runs[0], runs[1:]
    if first.startswith("0"):
        return False
    western = len(first) <= 3 and all(len(run) == 3 for run in rest)
    indian = (
        mark == "," and len(runs) >= 3 and len(first) <= 2 and len(rest[-1]) == 3
        and all(len(run) == 2 for run in rest[:-1])
    )
    return western or indian


def _digits(number: str, locale: str, *, multiplied: bool) -> Decimal:
    """Read digits with group and decimal marks into a Decimal; reject shapes that are not numbers."""
    runs = re.split(r"[^0-9]", number)
    marks = [char for char in number if char not in "0123456789"]
    if not marks:
        return Decimal(number)
    if runs[0] == "":
        return Decimal("0." + runs[1])
    last = marks[-1]
    decimal_mark = last == "٫" or (
        last in ".,"
        and marks.count(last) == 1
        and (len(marks) > 1 or _is_decimal_mark(last, runs, locale, multiplied=multiplied))
    )
    groups, whole_runs = (marks[:-1], runs[:-1]) if decimal_mark else (marks, runs)
    if len(set(groups)) > 1 or "٫" in groups or (groups and not _well_grouped(whole_runs, groups[0])):
        raise ParseError("not_a_number")
    fraction = "." + runs[-1] if decimal_mark else ""
    return Decimal("".join(whole_runs) + fraction)


def _quantity(folded: str, locale: str, *, currency: bool, multipliers: bool = True) -> Decimal:
    """Read a non-negative quantity from folded text: sign, currency, digits and multiplier words."""
    text, negative, signs = folded.rstrip(".!。 "), False, 0
    while match := _LEADING.match(text):
        if match.group("currency") and not currency:
            break
        if match.group("sign"):
            signs, negative = signs + 1, match.group("sign") == "-"
        text = text[match.end() :]
    while currency and (match := _TRAILING.search(text)) and match.start() > 0:
        text = text[: match.start()]
    text = _spelled(text, locale)
    number = _NUMBER.match(text)
    if signs > 1 or number is None or (not multipliers and number.end() < len(text)):
        raise ParseError("not_a_number")
    with localcontext(prec=40):
        value = _sum_of_parts(_parts(text, number, locale), locale)
    if negative and value:
        raise ParseError("negative")
    if value > MAX_AMOUNT:
        raise ParseError("too_large")
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _without_currency(folded: str) -> Iterator[str]:
    """The text less another currency than the dollar named before or after it: the common way first ("1 000 000 €",
    "F CFA"), then by its code, symbol or name as Babel knows them ("EGP 1,000,000", "2 millones de soles")."""
    named = _OTHER_TRAILING.sub("", _OTHER_LEADING.sub("", folded, count=1), count=1)
    if named and named != folded:
        yield named
    if bare := without_other_currency(folded):
        yield bare


def parse_amount(text: str, locale: str) -> Decimal:
    """Read an amount of money in USD as typed in the reader's locale ("$3m", "2,5 млн", "300万"), perhaps said to
    be approximate ("environ 2,5 M$", "about $2 million", "около 400 000"), as a count may be; an amount in another
    currency ("1 000 000 €", "300万元") is refused as such."""
    folded = folded_or_empty(text)
    try:
        return _amount(folded, locale)
    except ParseError as error:
        bare = _ABOUT_AFTER.sub("", _APPROXIMATE_AMOUNT.sub("", folded)).strip()
        if error.reason != "not_a_number" or bare == folded or not bare:
            raise
        return _amount(bare, locale)


def _amount(folded: str, locale: str) -> Decimal:
    try:
        return _quantity(folded, locale, currency=True)
    except ParseError as error:
        if error.reason != "not_a_number":
            raise
        for bare in _without_currency(folded):
            try:
                _quantity(bare, locale, currency=True)  # the rest must be an amount: else not a number
            except ParseError as other:
                if other.reason != "not_a_number":  # "-5 €" is negative, whatever its currency
                    raise
                continue
            raise ParseError("other_currency") from None
        _refuse_spelled(folded)
        raise


def parse_integer(text: str, locale: str) -> int:
    """Read a whole number as typed in the reader's locale ("1 000 000", "2 million", "2,5 млн")."""
    value = _quantity(folded_or_empty(text), locale, currency=False)
    if value != value.to_integral_value():
        raise ParseError("not_whole")
    return int(value)


def parse_percent(text: str, locale: str) -> int:
    """Read a whole percentage from 0 to 100 ("45", "45 %", "٤٥٪"), perhaps after "about" or an article ("un 30 %",
    "alrededor del 30%", "около 30%", "30% environ")."""
    folded = folded_or_empty(text)
    try:
        return _percent(folded, locale)
    except ParseError:
        bare = _ABOUT_AFTER.sub("", _APPROXIMATE_PERCENT.sub("", folded)).strip()
        if bare == folded or not bare:
            raise
        return _percent(bare, locale)


def _percent(folded: str, locale: str) -> int:
    folded = _PERCENT.sub("", folded, count=1)
    value = _quantity(folded, locale, currency=False, multipliers=False)
    if value != value.to_integral_value():
        raise ParseError("not_whole")
    if value > 100:
        raise ParseError("out_of_range")
    return int(value)


_LEADING_NUMBER = re.compile(rf"^\s*(?:\d[\d.,'٫٬ \u00a0\u202f]*|[{CJK_NUMERALS}]+)")
"""Digits of any script (ASCII, Arabic-Indic, full-width) with their group and decimal marks, or Chinese numerals."""
_JOINED_WORD = re.compile(r"\s*(?:[\u3400-\u9fff]|[^\W\d_\u3400-\u9fff]+\.?)")
"""One ideograph, or a word of letters: where a number written without spaces may end ("200万|人", "300|écoles")."""
_JOINED_MULTIPLIERS = 3
_IDEOGRAPH_END = r"(?:(?<=[\u3400-\u9fff])|(?![^\W\d_]))"
"""Where a word of a list ends: anywhere after an ideograph ("300多|人"), else not inside a word ("or more|s")."""


_ABOUT = re.compile("[~≈]|" + _phrases(
    "about", "around", "approximately", "approx", "roughly", "circa", "some", "close to",
    "environ", "près de", "à peu près", "approximativement", "autour de",
    "cerca de", "aproximadamente", "aprox", "unos", "unas", "alrededor de",
    "около", "примерно", "приблизительно", "порядка",
    "حوالي", "نحو", "قرابة", "تقريبا", "ما يقارب",
    "约", "大约", "大概", "约有", "大约有", "大概有",
))
"""The words of an approximation that may come before a count ("about 300", "environ 300", "约300"); any other
words there ("less than", "half of", "page") change or hide what is counted."""
_APPROXIMATE_PERCENT = re.compile(rf"^(?:(?:{_ABOUT.pattern}|un|una|el|le|la|a|del|de|l)\s*)+(?=[\d{CJK_NUMERALS}])")
"""What may come before a percentage and not change it: "about", "un", "el", "del" ("alrededor del 30%")."""
_APPROXIMATE_AMOUNT = re.compile(rf"^(?:(?:{_ABOUT.pattern})\s*)+(?=[\d{CJK_NUMERALS}$])")
"""An approximation before an amount ("environ 2,5 M$", "about $2 million"): read past, as before a count."""
_ABOUT_AFTER = re.compile(
    r"[\s,]*(?:approximately|approx\.?|roughly|or so|environ|à peu près|a peu pres|aproximadamente|aprox\.?"
    r"|more or less|plus ou moins|más o menos|mas o menos|более или менее|примерно|приблизительно|تقريبا\u064b?"
    r"|左右|上下)[.!。]?$",
    re.IGNORECASE,
)
"""An approximation after a count and its unit ("300 écoles environ", "35万人左右"), read past."""
_BOUNDS = _phrases(
    "or more", "or less", "or fewer", "or above", "and more", "and above", "at least", "at most", "plus",
    "maximum", "max", "minimum", "min",
    "ou plus", "ou moins", "et plus", "au moins", "au plus", "au maximum", "au minimum",
    "o más", "o menos", "y más", "al menos", "como mínimo", "como máximo", "mínimo", "máximo",
    "или больше", "или более", "и более", "и больше", "или меньше", "или менее", "как минимум", "не менее",
    "не более", "минимум", "максимум", "с лишним", "с небольшим",
    "أو أكثر", "أو أقل", "فأكثر", "على الأقل", "على الأكثر", "كحد أقصى", "كحد أدنى",
    "以上", "以下", "多", "余", "餘", "不到", "至少", "最多", "的一半", "一半",
)
_QUALIFIED_AFTER = re.compile(rf"^(?:\+|(?:{_BOUNDS}){_IDEOGRAPH_END})")
"""Words after a count that make it a bound or a share of it ("300 or more", "300多人", "400的一半")."""
_UNIT_BOUNDS = _phrases(
    "or more", "or less", "or fewer", "or above", "or over", "or higher", "and more", "and above", "and over",
    "at least", "atleast", "at most",
    "ou plus", "ou moins", "et plus", "au moins", "au plus", "au maximum", "au minimum", "tout au plus",
    "o más", "o menos", "y más", "al menos", "por lo menos", "como mínimo", "como máximo",
    "или больше", "или более", "и более", "и больше", "или меньше", "или менее", "как минимум", "как максимум",
    "не менее", "не более", "не меньше", "не больше", "по меньшей мере", "по крайней мере", "с лишним", "с небольшим",
    "أو أكثر", "أو أقل", "فأكثر", "وأكثر", "فما فوق", "وما فوق", "على الأقل", "على الأكثر", "كحد أقصى", "كحد أدنى",
)
_UNIT_BOUNDS_LAST = _phrases(
    "plus", "maximum", "max", "minimum", "min", "mínimo", "máximo", "минимум", "максимум", "макс", "мин",
)
_QUALIFIED_UNIT = re.compile(
    rf"(?<!\w)(?:{_UNIT_BOUNDS})(?!\w)|(?:以上|以下|至少|最多|不到|不止|一半)"
    rf"|(?<!\w)(?:{_UNIT_BOUNDS_LAST})[\s.!,;)]*$|\+$"
)
"""Words after a count's unit that make it a bound ("300 schools at least", "300 escuelas como mínimo",
"300所学校以上"); "minimum", "plus" and their like only last, as they may describe what is counted ("300 schools
with minimum connectivity", "les 300 écoles les plus pauvres")."""
_PERCENT_BEFORE = re.compile(r"^(?:%|百分之)")
"""A percentage written before its number ("百分之35", "% 35")."""
_PERCENT_AFTER = re.compile(
    rf"^(?:%|(?:(?:per|pour)\s?cent\w*|por\s?cien(?:to)?s?|процент\w*|проц\.?|pct|{_PER_HUNDRED})(?![^\W\d_]))"
)
# A percentage, or money in any currency, after a count ("35 percent", "35 في المائة", "5 000 000 FCFA", "300万元")
_MONEY_BEFORE = re.compile(rf"^(?:{_CURRENCY}|{_OTHER_CURRENCY})$")
_MONEY_AFTER = re.compile(rf"^(?:(?:de|of)\s|d')?(?:{_CURRENCY}|{_OTHER_CURRENCY}){_IDEOGRAPH_END}")


def _split_count(text: str, locale: str) -> tuple[str, str] | None:
    """The longest start of `text` that reads as a number ("2 млн", "200万"), and what comes after it."""
    ends = {word.end() for word in re.finditer(r"\S+", text)}
    leading = _LEADING_NUMBER.match(text)
    if leading is not None:  # "500所学校", "300écoles", "200万人": joined to its multiplier and its unit
        position = leading.end()
        ends.add(position)
        for _ in range(_JOINED_MULTIPLIERS):
            if (word := _JOINED_WORD.match(text, position)) is None:
                break
            position = word.end()
            ends.add(position)
    for end in sorted(ends - {len(text)}, reverse=True):
        try:
            parse_integer(text[:end], locale)
        except ParseError:
            continue
        return text[:end].strip(), text[end:].strip()
    if leading is not None and leading.end() < len(text):
        return leading.group().strip(), text[leading.end():].strip()
    return None


def _only_words(text: str) -> bool:
    """True when text has letters and no digit of any script: words that cannot be another number."""
    return any(char.isalpha() for char in text) and not any(char.isdigit() for char in text)


def _check_before(words: str) -> None:
    """Refuse what may not come before a count: a percent or currency sign, or words other than "about"."""
    folded = fold_word(words).rstrip(":,").strip()
    if _PERCENT_BEFORE.match(folded):
        raise ParseError("percent")
    if _MONEY_BEFORE.match(folded):
        raise ParseError("money")
    if not _ABOUT.fullmatch(folded):
        raise ParseError("qualified")


_SPELLED_BY_LANGUAGE = {
    "en": "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
          "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred",
    "fr": "un une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize vingt vingts "
          "trente quarante cinquante soixante cent cents",
    "es": "uno una dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciséis "
          "diecisiete dieciocho diecinueve veinte veintiuno veintidós veintitrés veinticuatro veinticinco veintiséis "
          "veintisiete veintiocho veintinueve treinta cuarenta cincuenta sesenta setenta ochenta noventa cien ciento "
          "doscientos doscientas trescientos trescientas cuatrocientos cuatrocientas quinientos quinientas "
          "seiscientos seiscientas setecientos setecientas ochocientos ochocientas novecientos novecientas",
    "ru": "один одна два две три четыре пять шесть семь восемь девять десять одиннадцать двенадцать тринадцать "
          "четырнадцать пятнадцать шестнадцать семнадцать восемнадцать девятнадцать двадцать тридцать сорок "
          "пятьдесят шестьдесят семьдесят восемьдесят девяносто сто двести триста четыреста пятьсот шестьсот "
          "семьсот восемьсот девятьсот",
    "ar": "واحد واحدة اثنان اثنين ثلاثة ثلاث أربعة أربع خمسة خمس ستة ست سبعة سبع ثمانية ثمان تسعة تسع عشرة عشر "
          "عشرون عشرين ثلاثون ثلاثين أربعون أربعين خمسون خمسين ستون ستين سبعون سبعين ثمانون ثمانين تسعون تسعين "
          "مئة مائة مئتان مائتان مئتين مائتين ثلاثمئة ثلاثمائة أربعمئة أربعمائة خمسمئة خمسمائة ستمئة ستمائة "
          "سبعمئة سبعمائة ثمانمئة ثمانمائة تسعمئة تسعمائة",
}
_SPELLED_WORDS = frozenset(fold_word(word) for words in _SPELLED_BY_LANGUAGE.values() for word in words.split())
"""Numbers spelled out, units, tens and hundreds, in the languages written with spaces (Chinese numerals are read
as numbers): after a count's number ("сто двадцать", "mil quinientos", "مئة وعشرون") they are the rest of that
number, which is not read in words, never its unit."""
_AND = frozenset(("and", "et", "y", "и", "و"))
"""The "and" inside a number spelled out ("a hundred and twenty", "مئة و عشرون")."""


def _opens_with_spelled(words: str) -> bool:
    """Whether words begin with a number spelled out, perhaps after "and" ("and twenty", "وعشرون"), or with one
    whose parts all are ("twenty-five", "quatre-vingts"; "one-room" is no number)."""
    tokens = words.split()
    if len(tokens) > 1 and fold_word(tokens[0]) in _AND:
        tokens = tokens[1:]
    parts = [fold_word(part) for part in re.split(r"[-‐‑]", tokens[0])] if tokens else []
    if parts and parts[0].startswith("و") and parts[0][1:] in _SPELLED_WORDS:
        parts[0] = parts[0][1:]
    return bool(parts) and all(part in _SPELLED_WORDS for part in parts)


def _refuse_spelled(text: str) -> None:
    """A number spelled out with no digit ("сорок", "twenty million", "cuarenta escuelas") is refused as such (the
    person is asked for digits), not as text that is no number at all."""
    if not any(char.isdigit() for char in text) and _opens_with_spelled(text):
        raise ParseError("spelled")


def _after(number: str, words: str, locale: str) -> tuple[int, str] | None:
    """The count and its words ("700", "écoles"), refusing a percentage, money or a bound; None when the words
    after the number are no unit (another number, a sign)."""
    if _opens_with_spelled(words):  # "сто двадцать" was read as 100 counting "двадцать"
        raise ParseError("spelled")
    folded = fold_word(words) if words else ""
    if _PERCENT_AFTER.match(folded):
        raise ParseError("percent")
    if _MONEY_AFTER.match(folded):
        raise ParseError("money")
    if _QUALIFIED_AFTER.match(folded):
        raise ParseError("qualified")
    unit = _ABOUT_AFTER.sub("", words).strip()
    if _QUALIFIED_UNIT.search(fold_word(unit)):  # "300 schools at least", "300 écoles au moins"
        raise ParseError("qualified")
    first = unit.split()[0].rstrip(".") if unit else ""
    if first and fold_word(first) in _multipliers(babel_locale(locale)):  # "1 million 200000 thousand": the number
        raise ParseError("not_a_number")                                   # was not read whole, nor is this a unit
    if unit and not _only_words(unit):
        return None
    return parse_integer(number, locale), unit


def parse_count(text: str, locale: str) -> tuple[int, str]:
    """Read a whole number written as a count often is (`_count`); one spelled out with no digit ("сорок школ") is
    refused as such."""
    try:
        return _count(text.strip(), locale)
    except ParseError as error:
        if error.reason == "not_a_number":
            _refuse_spelled(text)
        raise


def _count(text: str, locale: str) -> tuple[int, str]:
    """Read a whole number written as a count often is, with words around it ("700 écoles", "environ 350 000
    élèves", "200万人", "a million people"): the number, and the words after it (its unit, perhaps). Before the
    number only an approximation may come ("about", "environ", "约"); after it, words holding no other number
    ("700 of 2000" is refused). A percentage ("35 %", "35 percent"), money ("300 dollars", "5 000 000 FCFA") and
    a bound or share ("less than 300", "half of 400", "300 or more", "300 schools at least") are refused, each with
    its own reason; a number alone is read as `parse_integer` reads it."""
    text = text.strip()
    try:
        return parse_integer(text, locale), ""
    except ParseError as error:
        refused = error
    if _PERCENT_BEFORE.match(folded_or_empty(text)):
        raise ParseError("percent")
    split = _split_count(text, locale)  # the number first ("700 écoles", "a million people")
    if split is not None and (read := _after(*split, locale)) is not None:
        return read
    start = next((i for i, char in enumerate(text) if char.isdigit() or char in CJK_NUMERALS), 0)
    if not start or not any(char.isalpha() or char in "$€£¥₽₹₦₺₩%~≈" for char in text[:start]):
        raise refused
    _check_before(text[:start])  # "environ 350 000 élèves", "大约35万人": read from the number
    rest = text[start:]
    try:
        return parse_integer(rest, locale), ""
    except ParseError:
        pass
    split = _split_count(rest, locale)
    if split is None or (read := _after(*split, locale)) is None:
        raise refused
    return read
