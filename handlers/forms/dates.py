"""Reading dates the way people type them: numeric, with a month's name, a quarter, "tomorrow", in Chinese."""

import calendar
import re
from datetime import date, timedelta
from functools import cache

from babel import dates

from handlers.forms.chinese_numerals import cjk_numerals_as_digits
from handlers.forms.parsing import ParseError, babel_locale, fold_word, folded_or_empty

FIRST_YEAR, LAST_YEAR = 1990, 2100

# Month and weekday names are read in every language (people switch), plus Levantine, Maghreb and
# Algerian-Tunisian Arabic month names, which CLDR keeps under those regional locales.
_NAME_LOCALES = ("en", "fr", "es", "ru", "ar", "ar_SY", "ar_MA", "ar_DZ", "zh_Hans_CN")
_EXTRA_MONTHS = {"setiembre": 9, "sept": 9, "mayo": 5,
                 # Russian months after "в" ("в марте 2027"): the prepositional case CLDR does not list
                 "январе": 1, "феврале": 2, "марте": 3, "апреле": 4, "мае": 5, "июне": 6, "июле": 7, "августе": 8,
                 "сентябре": 9, "октябре": 10, "ноябре": 11, "декабре": 12}
_CLOSING_WORDS = frozenset(fold_word(word) for word in (
    "end", "late", "fin", "fines", "finales", "final", "конец", "конца", "концу", "نهاية", "أواخر", "底", "末",
    "年底", "年末", "月底", "月末", "底前", "末前",
    # "by": the date something is done by is the end of the month or year named ("d'ici 2027", "к 2028 году")
    "by", "until", "ici", "tard", "hasta", "к", "до", "بحلول", "حتى", "到", "前"))
"""Words that say a month or a year means its last day, whatever the question ("fin 2027", "2027年底")."""
_OPENING_WORDS = frozenset(fold_word(word) for word in (
    "beginning", "start", "early", "from", "since", "début", "dès", "depuis", "partir", "principios", "principio",
    "comienzos", "inicio", "inicios", "desde", "начало", "начала", "начале", "начиная", "с", "со", "بداية", "مطلع",
    "أوائل", "منذ", "ابتداء", "初", "年初", "月初", "起", "月起", "从", "自", "开始"))
"""Words that say a month or a year means its first day ("principios de 2027", "à partir de mars 2027", "2027年初")."""
_DATE_FILLERS = frozenset(fold_word(word) for word in (
    "de", "del", "el", "le", "la", "the", "of", "on", "er", "re", "st", "nd", "rd", "th", "o", "a",
    "г", "гг", "год", "года", "году", "في", "م", "عام", "سنة", "ميلادي", "ميلادية", "au", "du", "в", "من", "en", "in",
    "d", "dici", "plus", "份")) | _CLOSING_WORDS | _OPENING_WORDS
"""Words read past in a date: those that say which end of a month or year is meant, and words around them ("d'ici
fin 2027", "au plus tard fin 2027", "en mars 2026", "в 2026 году", "2027年3月份")."""
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
    "первого": 1, "второго": 2, "третьего": 3, "четвертого": 4,  # "конец третьего квартала 2027"
    "الاول": 1, "الثاني": 2, "الثالث": 3,
    "الرابع": 4, "一": 1, "二": 2, "三": 3, "四": 4,
    "i": 1, "ii": 2, "iii": 3, "iv": 4,  # Roman numerals: "IV квартал 2027", "IVe trimestre 2027"
}
_ORDINAL = "|".join(sorted(_ORDINALS, key=len, reverse=True))
_QUARTER_WORDS = r"(?:quarter|qtr|trimestre|trim|квартал[а-я]*|кв|الربع|季度|季)"
_QUARTER = (
    re.compile(r"^(?:q|t|к|кв)\s*(?P<q>[1-4])\s*[-/ ]?\s*(?P<y>[0-9]{4})$"),
    re.compile(r"^(?P<y>[0-9]{4})\s*[-/ ]?\s*(?:q|t|к)\s*(?P<q>[1-4])$"),
    re.compile(r"^(?P<q>[1-4])\s*(?:q|t)\s*[-/ ]?\s*(?P<y>[0-9]{4})$"),  # "3T 2027", "3Q 2027"
    re.compile(rf"^(?P<q>[1-4]|{_ORDINAL})\s*(?:st|nd|rd|th|er|e|eme|o|-?и|-?го)?\.?\s*{_QUARTER_WORDS}\.?\s*"
               r"(?:of|de|del|du)?\s*(?P<y>[0-9]{4})\s*(?:г|года|год)?\.?$"),
    re.compile(rf"^{_QUARTER_WORDS}\s*(?P<q>[1-4]|{_ORDINAL})\s*(?:من|عام|سنه)?\s*(?P<y>[0-9]{{4}})$"),
    re.compile(rf"^(?P<y>[0-9]{{4}}|[0-9]{{2}}(?=\s*年))\s*年?\s*第?\s*(?P<q>[1-4一二三四])\s*{_QUARTER_WORDS}$"),
)
_DATE_TOKEN = re.compile(r"[0-9]+|[^\W\d_]+")
_CJK_DATE_MARKS = re.compile(r"(?<=[0-9])\s*[年月日号號]")
_CJK_MARKED = re.compile(r"([0-9]+)\s*(?:(年)|[日号號])")
"""A year or a day marked as such in Chinese ("27年", "31日"): its role is said, whatever its place or length."""
_CJK_MONTH = re.compile(r"(?<![0-9])(1[0-2]|0?[1-9])\s*月")
"""A month written with its number in Chinese ("12月", and "十二月" once its numeral is in digits): a month's name."""


def end_of_month(year: int, month: int) -> date:
    """Return the last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def end_of_year(today: date, years_ahead: int = 0) -> date:
    """Return 31 December of this year, or of a year some years ahead."""
    return date(today.year + years_ahead, 12, 31)


@cache
def _month_names() -> dict[str, int]:
    """Month names and abbreviations of every language we read, folded, to month numbers."""
    names = {fold_word(name): month for name, month in _EXTRA_MONTHS.items()}
    for locale in _NAME_LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for month, name in dates.get_month_names(width, context, locale).items():
                    names[fold_word(name)] = int(month)
    for name, month in list(names.items()):  # "كانون الثاني" is also typed "كانون ثاني"
        first, _, second = name.partition(" ")
        if second.startswith("ال"):
            names[f"{first} {second[2:]}"] = month
    return names


@cache
def _weekday_names() -> frozenset[str]:
    """Weekday names of every language we read, folded; they are allowed in a date and ignored."""
    return frozenset(
        fold_word(name)
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


def _checked(year: int, month: int, day: int | None, first: bool = False) -> date:
    """Build a date, or the end of the month when no day is given (its first day when `first`); refuse impossible
    ones."""
    try:
        if day is None:
            return date(year, month, 1) if first else end_of_month(year, month)
        return date(year, month, day)
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


def next_day_of(month: int, day: int, today: date) -> date:
    """The next `day` of `month` from `today` on (today included): "10 December" said without its year."""
    for year in range(today.year, today.year + 9):  # 29 February comes back within eight years
        try:
            found = date(year, month, day)
        except ValueError:
            if not 1 <= month <= 12 or not 1 <= day <= 31 or (month, day) != (2, 29):
                raise ParseError("not_a_date") from None
            continue
        if found >= today:
            return found
    raise ParseError("not_a_date")


def _marked_date(found: list[str], month: int | None, marked: dict[str, str], today: date, upcoming: bool,
                 first: bool) -> date:
    """Read a date whose year or day is marked ("27年12月31日", "12月31日2027年"): each marked number in its role, a
    two-digit year as any two-digit year, and the numbers left unmarked in the roles left, year first, then month,
    then day, as Chinese writes them ("2027年12月31"); a month and day without a year ("12月31日") is the next such
    day when `upcoming`, else ambiguous."""
    roles = marked | ({"m": str(month)} if month is not None else {})
    left = [role for role in "ymd" if role not in roles]
    if len(found) > len(left):
        raise ParseError("not_a_date")
    roles |= dict(zip(left, found, strict=False))
    if "y" not in roles and upcoming and "m" in roles and "d" in roles:
        if len(roles["m"]) > 2 or len(roles["d"]) > 2:
            raise ParseError("not_a_date")
        return next_day_of(int(roles["m"]), int(roles["d"]), today)
    if "y" not in roles:
        raise ParseError("ambiguous_date")  # "12月31日": which year?
    year = _year(roles["y"], today)
    if "m" not in roles:
        if "d" in roles:  # "2027年31日"
            raise ParseError("not_a_date")
        return date(year, 1, 1) if first else date(year, 12, 31)
    if len(roles["m"]) > 2 or len(roles.get("d", "")) > 2:
        raise ParseError("not_a_date")
    return _checked(year, int(roles["m"]), int(roles["d"]) if "d" in roles else None, first)


def _named_month_date(found: list[str], month: int, today: date, upcoming: bool, first: bool) -> date:
    """Read a date written with a month name: "31 décembre 2027", "Dec 2027"; "10 December" is the next such day
    when `upcoming`, else ambiguous."""
    if len(found) == 1 and len(found[0]) == 4:
        return _checked(_year(found[0], today), month, None, first)
    if len(found) == 1 and len(found[0]) <= 2 and upcoming:
        return next_day_of(month, int(found[0]), today)
    if len(found) != 2:
        raise ParseError("ambiguous_date" if len(found) < 2 else "not_a_date")
    day, year = sorted(found, key=len) if any(len(part) == 4 for part in found) else found
    if len(day) > 2:
        raise ParseError("not_a_date")
    return _checked(_year(year, today), month, int(day))


def _numeric_date(found: list[str], locale: str, today: date, upcoming: bool, first: bool) -> date:
    """Read an all-numeric date: ISO, the locale's order, month and year, a year, or yyyymmdd; a day and a month in
    the locale's order ("10/12") is the next such day when `upcoming`, else ambiguous."""
    if len(found) == 1 and len(found[0]) == 8:
        part = found[0]
        ymd = FIRST_YEAR <= int(part[:4]) <= LAST_YEAR and 1 <= int(part[4:6]) <= 12
        found = [part[:4], part[4:6], part[6:]] if ymd else [part[:2], part[2:4], part[4:]]
    if len(found) == 1:
        if len(found[0]) != 4:
            raise ParseError("not_a_date")
        return date(_year(found[0], today), 1, 1) if first else date(_year(found[0], today), 12, 31)
    if len(found) == 2:
        years = [part for part in found if len(part) == 4]
        if not years and upcoming and all(len(part) <= 2 for part in found):
            month, day = _day_month(found, locale)
            return next_day_of(month, day, today)
        if not years:
            raise ParseError("ambiguous_date")
        other = found[1] if found[0] == years[0] else found[0]
        if len(years) > 1 or len(other) > 2:
            raise ParseError("not_a_date")
        return _checked(_year(years[0], today), int(other), None, first)
    if any(len(part) not in (1, 2, 4) for part in found) or len(found[1]) == 4:
        raise ParseError("not_a_date")
    # The year comes first when it must (four digits, or over 31); otherwise it comes last, as
    # two-digit years do in every locale's short format, and day and month keep the locale's order.
    if len(found[0]) == 4 or int(found[0]) > 31:
        month, day = int(found[1]), int(found[2])
        month, day = (day, month) if month > 12 >= day else (month, day)
        return _checked(_year(found[0], today), month, day)
    month, day = _day_month(found[:2], locale)
    return _checked(_year(found[2], today), month, day)


def _day_month(found: list[str], locale: str) -> tuple[int, int]:
    """The month and the day of two numbers in the locale's order ("10/12"), or in the other order when only that
    one makes a date ("25/12" in English)."""
    order = _numeric_order(babel_locale(locale)).replace("y", "")
    parts = dict(zip(order, (int(part) for part in found), strict=True))
    month, day = parts["m"], parts["d"]
    return (day, month) if month > 12 >= day else (month, day)


def other_reading(text: str, locale: str, today: date) -> tuple[date, bool] | None:
    """For an all-numeric date whose day and month could be either way round ("10/12/2026"), the date the other
    order makes, and whether the locale's order read the month first; None for any other date."""
    try:
        found, months, marked = _tokens(cjk_numerals_as_digits(folded_or_empty(text)))
    except ParseError:
        return None
    if months or marked or len(found) not in (2, 3) or any(len(part) > 2 for part in found[:2]):
        return None
    first, second = int(found[0]), int(found[1])
    if first == second or not (1 <= first <= 12 and 1 <= second <= 12):
        return None
    month_first = _numeric_order(babel_locale(locale)).replace("y", "").startswith("m")
    month, day = (second, first) if month_first else (first, second)
    try:
        other = next_day_of(month, day, today) if len(found) == 2 else _checked(_year(found[2], today), month, day)
    except ParseError:
        return None
    return other, month_first


_LEADING_WORD = re.compile(r"([^\W\d_]+)['\s]+")
"""A word and what separates it from the next: "К3 2027" (a Russian quarter) is no "к" ("by") before "3 2027"."""
_TRAILING_CJK = re.compile("(?:" + "|".join(sorted((re.escape(word) for word in _DATE_FILLERS
                                                   if re.fullmatch(r"[\u3400-\u9fff]+", word)), key=len, reverse=True))
                           + r")$")


_QUARTER_LETTER = re.compile(r"(?<![^\W\d_])[^\W\d_](?=[1-4](?![0-9]))")
"""A letter glued to a quarter's number ("Q3", "T3", "К3")."""


def _bare_quarter(folded: str) -> str:
    """A quarter's words less those around it that say which end of it is meant ("d'ici fin T3 2027", "end of Q3
    2027", "2027年第三季度末")."""
    while (word := _LEADING_WORD.match(folded)) and word.group(1) in _DATE_FILLERS:
        folded = folded[word.end():]
    return _TRAILING_CJK.sub("", folded.rstrip(".!。 ")).rstrip()


def _quarter(folded: str, today: date, first: bool) -> date | None:
    """The last day of a quarter typed as "Q3 2027", "T3 2027", "3e trimestre 2027", "2027年第三季度" (its first day
    when `first`), perhaps with words saying which end of it is meant ("début T3 2027", "end of Q3 2027")."""
    folded = _bare_quarter(folded)
    for pattern in _QUARTER:
        match = pattern.match(folded)
        if match is None:
            continue
        quarter = match.group("q")
        number = int(quarter) if quarter.isdigit() else _ORDINALS.get(quarter)
        if number is not None and 1 <= number <= 4:
            year = _year(match.group("y"), today)
            return date(year, number * 3 - 2, 1) if first else end_of_month(year, number * 3)
    return None


def parse_date(text: str, locale: str, today: date, *, upcoming: bool = False, opening: bool = False) -> date:
    """Read a date as typed in the reader's locale; a month alone means its end, a year alone 31 Dec, a quarter
    its last day, "tomorrow" the day after `today` (the reader's own day). A day and month without a year ("12月10日",
    "10 December") is ambiguous, unless `upcoming`: then it is the next such day, today or later (a time to come,
    such as a broadcast's). When `opening` (the date something starts), a month, a year or a quarter alone means its
    first day; words such as "beginning of" or "end of" say which day whatever the question."""
    folded = cjk_numerals_as_digits(folded_or_empty(text))
    if (ahead := _RELATIVE_DAYS.get(folded.rstrip(".!。 "))) is not None:
        return today + timedelta(days=ahead)
    first = _first_day_meant(folded, opening)
    quarter = _quarter(folded, today, first)
    if quarter is not None:
        return quarter
    found, months, marked = _tokens(folded)
    if marked:
        return _marked_date(found, months[0] if months else None, marked, today, upcoming, first)
    if months:
        return _named_month_date(found, months[0], today, upcoming, first)
    return _numeric_date(found, locale, today, upcoming, first)


def _first_day_meant(folded: str, opening: bool) -> bool:
    """Whether a month or a year typed alone means its first day: said so ("début 2027"), or asked for a start and
    not said otherwise ("fin 2027")."""
    bare = _QUARTER_LETTER.sub(" ", folded)  # "К3": the quarter's letter, not the word "к" ("by")
    words = set(_DATE_TOKEN.findall(_CJK_DATE_MARKS.sub(" ", _CJK_MARKED.sub(" ", _CJK_MONTH.sub(" ", bare)))))
    if tail := _TRAILING_CJK.search(folded.rstrip(".!。 ")):  # "2027年第三季度初": joined to the word before
        words.add(tail.group())
    if words & _CLOSING_WORDS:
        return False
    return opening or bool(words & _OPENING_WORDS)
