"""Reading numbers, money, percentages and dates the way people type them, and showing them back."""

import calendar
import re
import unicodedata
from datetime import date, time, timedelta
from decimal import Decimal, localcontext
from functools import cache, lru_cache
from typing import Literal

from babel import Locale, dates, numbers

Reason = Literal[
    "empty", "not_a_number", "other_currency", "negative", "too_large", "not_whole", "not_a_date", "ambiguous_date",
    "out_of_range",
]

MAX_AMOUNT = Decimal(10) ** 13
FIRST_YEAR, LAST_YEAR = 1990, 2100

# Our language codes to Babel locales. Arabic is shown with Latin digits ("latn"): CLDR's "ar" uses
# them by default, as do UN documents and most Arab-state forms online; Arabic-Indic digits are still
# read on input.
BABEL_LOCALES = {"ar": "ar", "en": "en", "es": "es", "fr": "fr", "ru": "ru", "zh": "zh_Hans_CN"}

# Month and weekday names are read in every language (people switch), plus Levantine, Maghreb and
# Algerian-Tunisian Arabic month names, which CLDR keeps under those regional locales.
_NAME_LOCALES = ("en", "fr", "es", "ru", "ar", "ar_SY", "ar_MA", "ar_DZ", "zh_Hans_CN")
_EXTRA_MONTHS = {"setiembre": 9, "sept": 9, "mayo": 5}
_DATE_FILLERS = frozenset(  # folded: "سنه" is "سنة"
    ("de", "del", "el", "le", "la", "the", "of", "on", "er", "re", "st", "nd", "rd", "th", "o", "a",
     "г", "гг", "год", "года", "في", "م", "عام", "سنه", "ميلادي", "ميلاديه",
     # "end of 2027", "fin 2027", "конец 2027 года", "نهاية 2027", "2027年底": a year or month alone already
     # means its end, so these words change nothing
     "end", "by", "until", "fin", "finales", "final", "hasta", "конец", "конца", "концу", "к", "до", "نهايه",
     "اواخر", "بحلول", "حتي", "底", "末", "年底", "年末", "到", "前")
)
_RELATIVE_DAYS = {  # folded, as typed alone: "tomorrow", "demain", "mañana", "завтра", "غدًا", "明天"
    "today": 0, "tomorrow": 1, "day after tomorrow": 2, "the day after tomorrow": 2,
    "aujourd'hui": 0, "aujourdhui": 0, "demain": 1, "apres-demain": 2, "apres demain": 2,
    "hoy": 0, "manana": 1, "pasado manana": 2,
    "сегодня": 0, "завтра": 1, "послезавтра": 2,
    "اليوم": 0, "غدا": 1, "غد": 1, "الغد": 1, "بكره": 1, "بعد غد": 2, "بعد الغد": 2,
    "今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "後天": 2,
}
_ORDINALS = {  # folded ordinal words of the four quarters ("третий" is "третии": "й" loses its breve)
    "first": 1, "second": 2, "third": 3, "fourth": 4, "premier": 1, "deuxieme": 2,
    "troisieme": 3, "quatrieme": 4, "primer": 1, "primero": 1, "segundo": 2, "tercer": 3, "tercero": 3,
    "cuarto": 4, "первыи": 1, "второи": 2, "третии": 3, "четвертыи": 4,
    "الاول": 1, "الثاني": 2, "الثالث": 3,
    "الرابع": 4, "一": 1, "二": 2, "三": 3, "四": 4,
    "i": 1, "ii": 2, "iii": 3, "iv": 4,  # Roman numerals: "IV квартал 2027", "IVe trimestre 2027"
}
_ORDINAL = "|".join(sorted(_ORDINALS, key=len, reverse=True))
_QUARTER_WORDS = r"(?:quarter|qtr|trimestre|trim|квартал[а-я]*|кв|الربع|季度|季)"
_QUARTER = (
    re.compile(r"^(?:q|t|к|кв)\s*(?P<q>[1-4])\s*[-/ ]?\s*(?P<y>[0-9]{4})$"),
    re.compile(r"^(?P<y>[0-9]{4})\s*[-/ ]?\s*(?:q|t|к)\s*(?P<q>[1-4])$"),
    re.compile(rf"^(?P<q>[1-4]|{_ORDINAL})\s*(?:st|nd|rd|th|er|e|eme|o|-?и|-?го)?\.?\s*{_QUARTER_WORDS}\.?\s*"
               r"(?:of|de|del|du)?\s*(?P<y>[0-9]{4})\s*(?:г|года|год)?\.?$"),
    re.compile(rf"^{_QUARTER_WORDS}\s*(?P<q>[1-4]|{_ORDINAL})\s*(?:من|عام|سنه)?\s*(?P<y>[0-9]{{4}})$"),
    re.compile(rf"^(?P<y>[0-9]{{4}}|[0-9]{{2}}(?=\s*年))\s*年?\s*第?\s*(?P<q>[1-4一二三四])\s*{_QUARTER_WORDS}$"),
)

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

# Chinese numerals: digits (with "两" and the financial forms), the units within ten thousand, and 万 and 亿.
_CJK_DIGIT_FORMS = ("零〇", "一壹", "二两兩贰貳", "三叁參", "四肆", "五伍", "六陆陸", "七柒", "八捌", "九玖")
_CJK_DIGITS = {char: value for value, chars in enumerate(_CJK_DIGIT_FORMS) for char in chars}
_CJK_TWO = "两兩"
"""The "two" said before a unit ("两百", "两万"), never a digit of a number written digit by digit."""
_CJK_UNITS = {**dict.fromkeys("十拾", 1), **dict.fromkeys("百佰", 2), **dict.fromkeys("千仟", 3)}
_CJK_LARGE = ((8, "亿億"), (4, "万萬"))
CJK_NUMERALS = "".join(_CJK_DIGITS) + "".join(_CJK_UNITS) + "".join(chars for _, chars in _CJK_LARGE)
"""Every character of a Chinese numeral ("五百万", "二十五万", "一千五百"), for finding where one ends."""
_CJK_RUN = re.compile(f"[{CJK_NUMERALS}]+")
_CJK_FRACTION = re.compile(f"[点點]([{''.join(_CJK_DIGITS)}]+)")
"""The decimal point of a Chinese numeral and the digits after it, read one by one ("一点五万" is 1.5 万)."""
_CJK_DATE_NUMERAL = re.compile(f"[{CJK_NUMERALS}]+(?=\\s*[年月日号號])")
"""A Chinese numeral that is a date's year, month or day ("二〇二七年", "十二月", "三十一日"); not one in a weekday's
name ("星期五")."""

# Arabic duals: "مليونين" or "مليونان" is two million, "ألفين" two thousand.
_DUALS = {
    "مئتين": "مئة", "مئتان": "مئة", "مائتين": "مئة", "مائتان": "مئة", "ألفين": "ألف", "ألفان": "ألف",
    "مليونين": "مليون", "مليونان": "مليون", "مليارين": "مليار", "ملياران": "مليار",
    "تريليونين": "تريليون", "تريليونان": "تريليون",
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
_PERCENT = re.compile(
    r"^(?:%|百分之)\s*|\s*(?:%|per\s?cent|pour\s?cent|por\s?ciento|процент(?:а|ов)?|(?:في\s?|ب)ال(?:مئه|مائه))$"
)
_NUMBER = re.compile(r"[0-9]+(?:[.,' ٬٫][0-9]+)*|[.,٫][0-9]+")
_WORD = re.compile(r"\s*([\u3400-\u9fff]|[^\W\d_\u3400-\u9fff]+\.?)")
_DATE_TOKEN = re.compile(r"[0-9]+|[^\W\d_]+")
_CJK_DATE_MARKS = re.compile(r"(?<=[0-9])\s*[年月日号號]")
_CJK_MARKED = re.compile(r"([0-9]+)\s*(?:(年)|[日号號])")
"""A year or a day marked as such in Chinese ("27年", "31日"): its role is said, whatever its place or length."""
_CJK_MONTH = re.compile(r"(?<![0-9])(1[0-2]|0?[1-9])\s*月")
"""A month written with its number in Chinese ("12月", and "十二月" once its numeral is in digits): a month's name."""
_SUBSTITUTES = str.maketrans(
    {"−": "-", "–": "-", "‐": "-", "‑": "-", "﹣": "-", "٪": "%", "’": "'", "ʼ": "'", "،": ",",
     "ى": "ي", "ی": "ي", "ک": "ك", "ة": "ه", "ـ": None}
)
_DROPPED_CATEGORIES = frozenset(("Mn", "Me", "Cf"))


class ParseError(ValueError):
    """Typed text could not be read as the value asked for; `reason` says why, for a localized reply."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


def babel_locale(locale: str) -> str:
    """Map one of our language codes (or a tag such as "en-US") to a Babel locale; English otherwise."""
    return BABEL_LOCALES.get(locale.replace("_", "-").split("-")[0].lower(), "en")


def _fold(text: str) -> str:
    """Fold text for matching: compatibility forms, ASCII digits, no marks or bidi controls, lower case."""
    kept = []
    for char in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(char)
        if category in _DROPPED_CATEGORIES or (category == "Cc" and not char.isspace()):
            continue
        digit = unicodedata.decimal(char, None)
        kept.append(char if digit is None else str(digit))
    folded = unicodedata.normalize("NFC", "".join(kept).casefold().translate(_SUBSTITUTES))
    return " ".join(folded.split())


def _word(name: str) -> str:
    """Fold a vocabulary word or a typed token the same way, ignoring an abbreviation's dot."""
    return _fold(name).rstrip(".")


# Numbers and money


@cache
def _multipliers(where: str) -> dict[str, int]:
    """Multiplier words in folded form for a Babel locale, as powers of ten."""
    table = {_word(name): exponent for exponent, names in _MULTIPLIERS.items() for name in names}
    return table | _LOCALE_MULTIPLIERS.get(where, {})


def _cjk_below(chars: str, unit: int, *, runs: bool = False) -> int | None:
    """A Chinese numeral below 10^unit, with 十, 百 and 千 at most once each and in descending order ("一千零五十");
    a last digit right after a unit counts in the next unit down, as people say it ("一百五" is 150). Digits with
    no unit between them are read one by one only when `runs` (a date's year, "二〇二七"): in an amount they say
    "roughly" ("三四万" is 30 to 40 thousand, "一两万" 10 to 20 thousand), no number, and "两" is never such a digit."""
    if not chars or any(char not in _CJK_DIGITS and char not in _CJK_UNITS for char in chars):  # "万万"
        return None
    if len(chars) == 1 and chars in _CJK_DIGITS:
        return _CJK_DIGITS[chars]
    if all(char in _CJK_DIGITS for char in chars):  # "二〇二七": digit by digit
        if not runs or chars.startswith(("零", "〇")) or any(char in _CJK_TWO for char in chars):
            return None
        return int("".join(str(_CJK_DIGITS[char]) for char in chars))
    value, digit, last, after_zero = 0, None, unit, False
    for char in chars:
        if char in _CJK_UNITS:
            power = _CJK_UNITS[char]
            if power >= last or (digit is None and value):  # "百百", "一百千", "一百十" without its digit
                return None
            value, digit, last, after_zero = value + (1 if digit is None else digit) * 10**power, None, power, False
        elif digit is not None:  # two digits in a row: "五五"
            return None
        elif _CJK_DIGITS[char] == 0:
            after_zero = True
        else:
            digit = _CJK_DIGITS[char]
    if digit is not None:
        value += digit * (10 ** (last - 1) if last < unit and not after_zero else 1)
    return value


def _cjk_integer(chars: str, below: int = 16, *, runs: bool = False) -> int | None:
    """The value of a Chinese numeral below 10^below ("五百万", "两万五", "三亿"), or None when it is not one; digits
    with no unit between them ("二〇二七") only when `runs`, for a date."""
    for power, marks in _CJK_LARGE:
        if power >= below:
            continue
        cut = next((index for index, char in enumerate(chars) if char in marks), None)
        if cut is None:
            continue
        high, low = chars[:cut], chars[cut + 1 :]
        times = _cjk_integer(high, below - power, runs=runs) if high else 1  # "万", "百万": ten thousand, a million
        if len(low) == 1 and low in _CJK_DIGITS and _CJK_DIGITS[low]:  # "两万五" is 25,000
            rest: int | None = _CJK_DIGITS[low] * 10 ** (power - 1)
        else:
            rest = _cjk_integer(low, power, runs=runs) if low else 0
        return None if times is None or rest is None else times * 10**power + rest
    return _cjk_below(chars, min(below, 4), runs=runs)


@cache
def _duals() -> dict[str, str]:
    """Arabic dual multiplier words, folded, to their singular."""
    return {_word(dual): _word(one) for dual, one in _DUALS.items()}


def cjk_numerals_as_digits(text: str) -> str:
    """Text with each Chinese numeral of a date written in digits ("二〇二七年十二月三十一日" as "2027年12月31日");
    a run that is no numeral stays as it is. Only a year is written digit by digit ("一二月" is no December)."""
    def digits(run: re.Match[str]) -> str:
        year = run.string[run.end():].lstrip().startswith("年")
        value = _cjk_integer(run.group(), runs=year)
        return run.group() if value is None else str(value)
    return _CJK_DATE_NUMERAL.sub(digits, text)


def _spelled(text: str, locale: str) -> str:
    """Text whose number is spelled out rewritten with digits: "五百万" as "5000000", "一点五万" as "1٫5万", "a million"
    as "1 million", "полмиллиона" as "0.5 миллиона", "مليونين" as "2 مليون"; other text as it is."""
    if run := _CJK_RUN.match(text):
        value = _cjk_integer(run.group())
        if value is None:
            raise ParseError("not_a_number")
        fraction = _CJK_FRACTION.match(text, run.end())
        if fraction is None:
            return f"{value}{text[run.end():]}"
        decimals = "".join(str(_CJK_DIGITS[char]) for char in fraction.group(1))
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


@cache
def _symbols(where: str) -> tuple[str, str]:
    """A Babel locale's decimal and group symbols."""
    return numbers.get_decimal_symbol(where), numbers.get_group_symbol(where)


def _is_decimal_mark(mark: str, runs: list[str], locale: str, *, multiplied: bool, whole: bool) -> bool:
    """Decide whether a lone "." or "," is a decimal mark, from the digits' shape and the locale."""
    if len(runs[-1]) != 3 or runs[0].startswith("0"):
        return True
    if whole and not multiplied:  # in a whole-number field "2.500" can only mean 2500
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


def _digits(number: str, locale: str, *, multiplied: bool, whole: bool) -> Decimal:
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
        and (len(marks) > 1 or _is_decimal_mark(last, runs, locale, multiplied=multiplied, whole=whole))
    )
    groups, whole_runs = (marks[:-1], runs[:-1]) if decimal_mark else (marks, runs)
    if len(set(groups)) > 1 or "٫" in groups or (groups and not _well_grouped(whole_runs, groups[0])):
        raise ParseError("not_a_number")
    fraction = "." + runs[-1] if decimal_mark else ""
    return Decimal("".join(whole_runs) + fraction)


def _quantity(folded: str, locale: str, *, currency: bool, whole: bool, multipliers: bool = True) -> Decimal:
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
    exponent = _exponent(text[number.end() :], locale)
    with localcontext(prec=40):
        value = _digits(number.group(), locale, multiplied=exponent > 0, whole=whole).scaleb(exponent)
    if negative and value:
        raise ParseError("negative")
    if value > MAX_AMOUNT:
        raise ParseError("too_large")
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _folded_or_empty(text: str) -> str:
    """Fold typed text, refusing text with nothing visible in it."""
    folded = _fold(text)
    if not folded:
        raise ParseError("empty")
    return folded


def parse_amount(text: str, locale: str) -> Decimal:
    """Read an amount of money in USD as typed in the reader's locale ("$3m", "2,5 млн", "300万"); an amount in
    another currency ("1 000 000 €", "300万元") is refused as such."""
    folded = _folded_or_empty(text)
    try:
        return _quantity(folded, locale, currency=True, whole=False)
    except ParseError as error:
        if error.reason != "not_a_number":
            raise
        bare = _OTHER_TRAILING.sub("", _OTHER_LEADING.sub("", folded, count=1), count=1)
        if bare == folded or not bare:
            raise
        _quantity(bare, locale, currency=True, whole=False)  # the rest must be an amount: else not a number
        raise ParseError("other_currency") from None


def parse_integer(text: str, locale: str) -> int:
    """Read a whole number as typed in the reader's locale ("1 000 000", "2 million", "2,5 млн")."""
    value = _quantity(_folded_or_empty(text), locale, currency=False, whole=True)
    if value != value.to_integral_value():
        raise ParseError("not_whole")
    return int(value)


def parse_percent(text: str, locale: str) -> int:
    """Read a whole percentage from 0 to 100 ("45", "45 %", "٤٥٪")."""
    folded = _PERCENT.sub("", _folded_or_empty(text), count=1)
    value = _quantity(folded, locale, currency=False, whole=True, multipliers=False)
    if value != value.to_integral_value():
        raise ParseError("not_whole")
    if value > 100:
        raise ParseError("out_of_range")
    return int(value)


# Dates


def end_of_month(year: int, month: int) -> date:
    """Return the last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def end_of_year(today: date, years_ahead: int = 0) -> date:
    """Return 31 December of this year, or of a year some years ahead."""
    return date(today.year + years_ahead, 12, 31)


@cache
def _month_names() -> dict[str, int]:
    """Month names and abbreviations of every language we read, folded, to month numbers."""
    names = {_word(name): month for name, month in _EXTRA_MONTHS.items()}
    for locale in _NAME_LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for month, name in dates.get_month_names(width, context, locale).items():
                    names[_word(name)] = int(month)
    for name, month in list(names.items()):  # "كانون الثاني" is also typed "كانون ثاني"
        first, _, second = name.partition(" ")
        if second.startswith("ال"):
            names[f"{first} {second[2:]}"] = month
    return names


@cache
def _weekday_names() -> frozenset[str]:
    """Weekday names of every language we read, folded; they are allowed in a date and ignored."""
    return frozenset(
        _word(name)
        for locale in _NAME_LOCALES
        for width in ("wide", "abbreviated")
        for name in dates.get_day_names(width, "format", locale).values()
    )


def _month_of(word: str) -> int | None:
    """Return the month a word names, by full name, abbreviation or unambiguous prefix."""
    names = _month_names()
    if word in names:
        return names[word]
    if len(word) < 3 or word in _DATE_FILLERS or word in _weekday_names():
        return None
    months = {month for name, month in names.items() if name.startswith(word)}
    return months.pop() if len(months) == 1 else None


@cache
def _numeric_order(where: str) -> str:
    """Order of day, month and year in a Babel locale's short date format, e.g. "mdy" for English."""
    pattern = re.sub(r"'[^']*'", "", dates.get_date_format("short", where).pattern)
    return "".join(dict.fromkeys(char for char in pattern.lower() if char in "dmy"))


def _year(digits: str, today: date) -> int:
    """Read a four-digit year, or a two-digit one within 50 years of today."""
    if len(digits) not in (1, 2, 4):
        raise ParseError("not_a_date")
    year = int(digits)
    if len(digits) < 4:
        year += today.year - today.year % 100
        year += 100 if year < today.year - 50 else -100 if year > today.year + 49 else 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ParseError("out_of_range")
    return year


def _checked(year: int, month: int, day: int | None) -> date:
    """Build a date, or the end of the month when no day is given; refuse impossible ones."""
    try:
        return end_of_month(year, month) if day is None else date(year, month, day)
    except ValueError:
        raise ParseError("not_a_date") from None


def _tokens(folded: str) -> tuple[list[str], list[int], dict[str, str]]:
    """Split folded date text into its unmarked numbers, the months it names and the numbers marked as its year or
    day ("27年", "31日": {"y": "27", "d": "31"}); refuse unknown words."""
    months = [int(month) for month in _CJK_MONTH.findall(folded)]  # "12月" alone is a month without its year
    marked: dict[str, str] = {}
    for number, year in _CJK_MARKED.findall(folded):
        role = "y" if year else "d"
        if role in marked:  # two years, or two days
            raise ParseError("not_a_date")
        marked[role] = number
    words = _DATE_TOKEN.findall(_CJK_DATE_MARKS.sub(" ", _CJK_MARKED.sub(" ", _CJK_MONTH.sub(" ", folded))))
    found: list[str] = []
    index = 0
    while index < len(words) and len(found) <= 3 and len(months) <= 1:
        word = words[index]
        pair = f"{word} {words[index + 1]}" if index + 1 < len(words) else ""
        if word.isdigit():  # before any month name is looked up: numeric dates need no language's names
            found.append(word)
        elif pair in _month_names():
            months.append(_month_names()[pair])
            index += 1
        elif (month := _month_of(word)) is not None:
            months.append(month)
        elif word not in _DATE_FILLERS and word not in _weekday_names():
            raise ParseError("not_a_date")
        index += 1
    if len(found) > 3 or len(months) > 1 or not (found or months or marked):
        raise ParseError("not_a_date")
    return found, months, marked


def _marked_date(found: list[str], month: int | None, marked: dict[str, str], today: date) -> date:
    """Read a date whose year or day is marked ("27年12月31日", "12月31日2027年"): each marked number in its role, a
    two-digit year as any two-digit year, and the numbers left unmarked in the roles left, year first, then month,
    then day, as Chinese writes them ("2027年12月31")."""
    roles = marked | ({"m": str(month)} if month is not None else {})
    left = [role for role in "ymd" if role not in roles]
    if len(found) > len(left):
        raise ParseError("not_a_date")
    roles |= dict(zip(left, found, strict=False))
    if "y" not in roles:
        raise ParseError("ambiguous_date")  # "12月31日": which year?
    year = _year(roles["y"], today)
    if "m" not in roles:
        if "d" in roles:  # "2027年31日"
            raise ParseError("not_a_date")
        return date(year, 12, 31)
    if len(roles["m"]) > 2 or len(roles.get("d", "")) > 2:
        raise ParseError("not_a_date")
    return _checked(year, int(roles["m"]), int(roles["d"]) if "d" in roles else None)


def _named_month_date(found: list[str], month: int, today: date) -> date:
    """Read a date written with a month name: "31 décembre 2027", "Dec 2027"."""
    if len(found) == 1 and len(found[0]) == 4:
        return _checked(_year(found[0], today), month, None)
    if len(found) != 2:
        raise ParseError("ambiguous_date" if len(found) < 2 else "not_a_date")
    day, year = sorted(found, key=len) if any(len(part) == 4 for part in found) else found
    if len(day) > 2:
        raise ParseError("not_a_date")
    return _checked(_year(year, today), month, int(day))


def _numeric_date(found: list[str], locale: str, today: date) -> date:
    """Read an all-numeric date: ISO, the locale's order, month and year, a year, or yyyymmdd."""
    if len(found) == 1 and len(found[0]) == 8:
        part = found[0]
        ymd = FIRST_YEAR <= int(part[:4]) <= LAST_YEAR and 1 <= int(part[4:6]) <= 12
        found = [part[:4], part[4:6], part[6:]] if ymd else [part[:2], part[2:4], part[4:]]
    if len(found) == 1:
        if len(found[0]) != 4:
            raise ParseError("not_a_date")
        return date(_year(found[0], today), 12, 31)
    if len(found) == 2:
        years = [part for part in found if len(part) == 4]
        if not years:
            raise ParseError("ambiguous_date")
        other = found[1] if found[0] == years[0] else found[0]
        if len(years) > 1 or len(other) > 2:
            raise ParseError("not_a_date")
        return _checked(_year(years[0], today), int(other), None)
    if any(len(part) not in (1, 2, 4) for part in found) or len(found[1]) == 4:
        raise ParseError("not_a_date")
    # The year comes first when it must (four digits, or over 31); otherwise it comes last, as
    # two-digit years do in every locale's short format, and day and month keep the locale's order.
    order = _numeric_order(babel_locale(locale)).replace("y", "") + "y"
    if len(found[0]) == 4 or int(found[0]) > 31:
        order = "ymd"
    parts = dict(zip(order, found, strict=True))
    month, day = int(parts["m"]), int(parts["d"])
    if month > 12 >= day:
        month, day = day, month
    return _checked(_year(parts["y"], today), month, day)


def _quarter(folded: str, today: date) -> date | None:
    """The last day of a quarter typed as "Q3 2027", "T3 2027", "3e trimestre 2027", "2027年第三季度"."""
    for pattern in _QUARTER:
        match = pattern.match(folded)
        if match is None:
            continue
        quarter = match.group("q")
        number = int(quarter) if quarter.isdigit() else _ORDINALS.get(quarter)
        if number is not None and 1 <= number <= 4:
            return end_of_month(_year(match.group("y"), today), number * 3)
    return None


def parse_date(text: str, locale: str, today: date) -> date:
    """Read a date as typed in the reader's locale; a month alone means its end, a year alone 31 Dec, a quarter
    its last day, "tomorrow" the day after `today` (the reader's own day)."""
    folded = cjk_numerals_as_digits(_folded_or_empty(text))
    if (ahead := _RELATIVE_DAYS.get(folded.rstrip(".!。 "))) is not None:
        return today + timedelta(days=ahead)
    quarter = _quarter(folded, today)
    if quarter is not None:
        return quarter
    found, months, marked = _tokens(folded)
    if marked:
        return _marked_date(found, months[0] if months else None, marked, today)
    return _named_month_date(found, months[0], today) if months else _numeric_date(found, locale, today)


# Showing values back


@cache
def _babel(locale: str) -> Locale:
    """The Babel locale for one of our language codes, parsed once (Babel parses a name on every call)."""
    return Locale.parse(babel_locale(locale))


def format_amount(value: Decimal, locale: str, *, currency: str | None = "USD") -> str:
    """Format an amount for the reader, in full; whole amounts without cents ("$3,000,000")."""
    where = _babel(locale)
    if currency is None:
        return numbers.format_decimal(value, locale=where, decimal_quantization=False, numbering_system="latn")
    pattern = None
    if value == value.to_integral_value():
        pattern = where.currency_formats["standard"].pattern.replace(".00", "")
    return numbers.format_currency(
        value, currency, pattern, where, currency_digits=pattern is None,
        decimal_quantization=False, numbering_system="latn",
    )


@lru_cache(maxsize=4096)  # counts, steps and years come back in every message
def format_integer(value: int, locale: str) -> str:
    """Format a whole number for the reader ("1,000,000", "1 000 000")."""
    return numbers.format_decimal(value, locale=_babel(locale), numbering_system="latn")


@lru_cache(maxsize=1024)
def format_time(value: time, locale: str) -> str:
    """Format a time of day in the locale's short CLDR format ("14:30", "2:30 PM", "2:30 م")."""
    return dates.format_time(value, "short", locale=_babel(locale))


@lru_cache(maxsize=4096)  # due dates and periods come back in every list
def format_date(value: date, locale: str) -> str:
    """Format a date for the reader in the locale's medium format ("Dec 31, 2027", "31 déc. 2027")."""
    return dates.format_date(value, "medium", locale=_babel(locale))
