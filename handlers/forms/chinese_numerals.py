"""Reading Chinese numerals ("五百万", "两万五", "二〇二七"), in amounts and in dates."""

import re

# Chinese numerals: digits (with "两" and the financial forms), the units within ten thousand, and 万 and 亿.
_CJK_DIGIT_FORMS = ("零〇", "一壹", "二两兩贰貳", "三叁參", "四肆", "五伍", "六陆陸", "七柒", "八捌", "九玖")
CJK_DIGITS = {char: value for value, chars in enumerate(_CJK_DIGIT_FORMS) for char in chars}
_CJK_TWO = "两兩"
"""The "two" said before a unit ("两百", "两万"), never a digit of a number written digit by digit."""
_CJK_UNITS = {**dict.fromkeys("十拾", 1), **dict.fromkeys("百佰", 2), **dict.fromkeys("千仟", 3)}
_CJK_LARGE = ((8, "亿億"), (4, "万萬"))
CJK_NUMERALS = "".join(CJK_DIGITS) + "".join(_CJK_UNITS) + "".join(chars for _, chars in _CJK_LARGE)
"""Every character of a Chinese numeral ("五百万", "二十五万", "一千五百"), for finding where one ends."""
_CJK_DATE_NUMERAL = re.compile(f"[{CJK_NUMERALS}]+(?=\\s*[年月日号號])")
"""A Chinese numeral that is a date's year, month or day ("二〇二七年", "十二月", "三十一日"); not one in a weekday's
name ("星期五")."""


def _cjk_below(chars: str, unit: int, *, runs: bool = False) -> int | None:
    """A Chinese numeral below 10^unit, with 十, 百 and 千 at most once each and in descending order ("一千零五十");
    a last digit right after a unit counts in the next unit down, as people say it ("一百五" is 150). Digits with
    no unit between them are read one by one only when `runs` (a date's year, "二〇二七"): in an amount they say
    "roughly" ("三四万" is 30 to 40 thousand, "一两万" 10 to 20 thousand), no number, and "两" is never such a digit."""
    if not chars or any(char not in CJK_DIGITS and char not in _CJK_UNITS for char in chars):  # "万万"
        return None
    if len(chars) == 1 and chars in CJK_DIGITS:
        return CJK_DIGITS[chars]
    if all(char in CJK_DIGITS for char in chars):  # "二〇二七": digit by digit
        if not runs or chars.startswith(("零", "〇")) or any(char in _CJK_TWO for char in chars):
            return None
        return int("".join(str(CJK_DIGITS[char]) for char in chars))
    value, digit, last, after_zero = 0, None, unit, False
    for char in chars:
        if char in _CJK_UNITS:
            power = _CJK_UNITS[char]
            if power >= last or (digit is None and value):  # "百百", "一百千", "一百十" without its digit
                return None
            value, digit, last, after_zero = value + (1 if digit is None else digit) * 10**power, None, power, False
        elif digit is not None:  # two digits in a row: "五五"
            return None
        elif CJK_DIGITS[char] == 0:
            after_zero = True
        else:
            digit = CJK_DIGITS[char]
    if digit is not None:
        value += digit * (10 ** (last - 1) if last < unit and not after_zero else 1)
    return value


def cjk_integer(chars: str, below: int = 16, *, runs: bool = False) -> int | None:
    """The value of a Chinese numeral below 10^below ("五百万", "两万五", "三亿"), or None when it is not one; digits
    with no unit between them ("二〇二七") only when `runs`, for a date."""
    for power, marks in _CJK_LARGE:
        if power >= below:
            continue
        cut = next((index for index, char in enumerate(chars) if char in marks), None)
        if cut is None:
            continue
        high, low = chars[:cut], chars[cut + 1 :]
        times = cjk_integer(high, below - power, runs=runs) if high else 1  # "万", "百万": ten thousand, a million
        if len(low) == 1 and low in CJK_DIGITS and CJK_DIGITS[low]:  # "两万五" is 25,000
            rest: int | None = CJK_DIGITS[low] * 10 ** (power - 1)
        else:
            rest = cjk_integer(low, power, runs=runs) if low else 0
        return None if times is None or rest is None else times * 10**power + rest
    return _cjk_below(chars, min(below, 4), runs=runs)


def cjk_numerals_as_digits(text: str) -> str:
    """Text with each Chinese numeral of a date written in digits ("二〇二七年十二月三十一日" as "2027年12月31日");
    a run that is no numeral stays as it is. Only a year is written digit by digit ("一二月" is no December)."""
    def digits(run: re.Match[str]) -> str:
        year = run.string[run.end():].lstrip().startswith("年")
        value = cjk_integer(run.group(), runs=year)
        return run.group() if value is None else str(value)
    return _CJK_DATE_NUMERAL.sub(digits, text)
