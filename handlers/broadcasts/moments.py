"""The scheduled time of a broadcast as people type it: a date and a time of day in the writer's time zone
("2026-12-15 14:30", "15/12/2026 2:30 PM", "demain 9h", "明天9点半"), or a time alone for today."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from handlers.forms.base import Answer, Answers, FormContext, InvalidAnswerError, Step, StepResult
from handlers.forms.dates import other_reading, parse_date
from handlers.forms.parsing import ParseError
from handlers.forms.steps import parse_error, past_date
from handlers.messages import N_, Clock, Code, Day, Label, text
from models.city_zones import is_place_zone
from models.timezones import city_of, is_zone, offset_label

TIME_OF_DAY = re.compile(
    r"(?:(?P<at>\b(?:at|à|a\s+las?|в|во|(?:في\s+)?الساعة)\s*)|(?P<part>上午|早上|早晨|凌晨|中午|下午|傍晚|晚上)\s*)?"
    r"(?<!\d)(?P<hour>\d{1,2})"
    r"(?:(?:[:.]|\s*[hч点點时時]\s*)(?P<minute>\d{2})\s*分?|\s*(?P<mark>[hч]|[点點时時](?P<half>半)?))?"
    r"(?::\d{2})?\s*(?P<word>heures?|horas?|час(?:а|ов)?|o['’]?clock|h\.?|ч\.?)?\s*"
    r"(?P<marker>(?P<am>a\.?\s?m\.?|ص(?:باحً?اً?)?|утра|du\s+matin|de\s+la\s+(?:mañana|madrugada)"
    r"|in\s+the\s+morning)|(?P<night>ночи|de\s+la\s+noche|du\s+soir|at\s+night|in\s+the\s+evening)"
    r"|p\.?\s?m\.?|م(?:ساءً?)?|ظهرً?اً?|بعد\s+الظهره?|بعد\s+الظهيرة|عصرً?اً?|вечера|дня|de\s+la\s+tarde"
    r"|de\s+l['’]apr[eè]s-midi|in\s+the\s+afternoon)?\s*$", re.IGNORECASE)
"""A time of day at the end of what was typed: 14:30, 14h30, 9 h 30, 9h, 14.30, 14:30:00, 2:30 PM, 2 pm, 2:30 م (as
the bot itself writes times for English and Arabic readers), 9点, 9点半, 下午3点, 9 утра, 3 ظهرًا, 3 بعد الظهر,
20 heures, 3 часа дня, 3 de la tarde, 11 du soir, 3 in the afternoon; an hour alone after "at", "à", "a las", "в" or
"الساعة"."""
NAMED_TIME = re.compile(
    r"(?:(?<!\S)(?:at|à|a|en|в|во|في|عند)\s+)?(?:(?:el|la|le|al)\s+)?(?:(?<![\d/.:-])12\s*)?"
    r"(?:(?P<midnight>(?<![\w-])(?:midnight|minuit|medianoche|полночь|منتصف\s+الليل)|午夜(?:12点)?|半夜(?:12|十二)点)"
    r"|(?<![\w-])(?:noon|midday|midi|mediod[ií]a|полдень|(?<!بعد\s)الظهر|(?<!\d\s)ظهرً?اً?)|中午|正午)\s*$",
    re.IGNORECASE)
"""Midnight or noon said in a word at the end of the text ("tomorrow at noon", "demain à minuit", "明天中午"); the
midnight is the one ending the day named, as 晚上12点 is. "半夜" alone stays unread: late at night, not a time."""
EVENING_DAY = re.compile(
    r"(?:(?P<today>tonight|this\s+evening|ce\s+soir|esta\s+noche|сегодня\s+вечером|الليلة|今晚)"
    r"|tomorrow\s+(?:night|evening)|demain\s+soir|mañana\s+(?:por|en)\s+la\s+noche|завтра\s+вечером"
    r"|غدً?اً?\s+مساءً?|明晚)(?![^\W\d_])", re.IGNORECASE)
"""Today's or tomorrow's evening at the start of the text: "tonight at 8" and "今晚8点" are 20:00 today, "明晚12点"
the midnight ending tomorrow."""
TODAY, TOMORROW = "today", "tomorrow"
"""The days an evening word names, as the date parser reads them whatever the language."""
AFTERNOON = ("中午", "下午", "傍晚", "晚上")
INVISIBLE = {**dict.fromkeys(map(ord, "\u061c\u200e\u200f\u2066\u2067\u2068\u2069")), ord("："): ":"}
"""Direction marks a copied Arabic text may hold; and the full-width colon a Chinese input method types (10：00)."""

HORIZON_DAYS = 366
"""How far ahead a broadcast can be set (a year, a leap day included)."""


class TypedMoment(NamedTuple):
    """A moment as typed: its date part ("" when only a time was typed), its time of day, and whether that time
    falls on the day after the date named (晚上12点, the midnight that ends the evening)."""

    day: str
    at: time
    next_day: bool = False


def read_moment(value: str) -> TypedMoment | None:
    """The date part and the time of day of "2026-12-15 14:30", "2026-12-15T14:30", "15/12/2026 2:30 PM", "demain 9h",
    "mañana a las 9", "tomorrow at noon" or "tonight at 8"; None when no time of day ends the text, or when "15.12"
    alone could be a date as well."""
    value = re.sub(r"(?<=\d)T(?=\d)", " ", value.translate(INVISIBLE).strip())
    evening = EVENING_DAY.match(value)
    rest = value[evening.end():] if evening else value
    if named := NAMED_TIME.search(rest):
        day = _day(rest[:named.start()], evening)
        if day is None or (evening and not named["midnight"]):  # noon in the evening
            return None
        return TypedMoment(day, time(0) if named["midnight"] else time(12), bool(named["midnight"]))
    found = TIME_OF_DAY.search(rest)
    if not found or not (found["minute"] or found["marker"] or found["mark"] or found["word"] or found["at"]
                         or found["part"] or evening):  # "tonight 8" is a time, "tomorrow 9" might be a date
        return None
    day = _day(rest[:found.start()], evening)
    if day is None or (not day and found["minute"] and value[found.start("minute") - 1] == "."):  # "15.12": 15 Dec?
        return None
    return _clock(found, day, evening=evening is not None)


def _day(typed: str, evening: re.Match[str] | None) -> str | None:
    """The date part typed before the time of day, or the day an evening word named (None if a date follows it)."""
    day = typed.strip().rstrip(",，").strip()
    if evening is None:
        return day
    return None if day else TODAY if evening["today"] else TOMORROW


def _clock(found: re.Match[str], day: str, *, evening: bool) -> TypedMoment | None:
    """The time of day TIME_OF_DAY found, on the day typed; an hour said in the evening ("tonight at 8") is after
    noon, and its 12 the midnight ending that day."""
    hour, minute = int(found["hour"]), int(found["minute"] or (30 if found["half"] else 0))
    next_day = False
    if found["marker"]:
        if not 1 <= hour <= 12 or (evening and found["am"]):
            return None
        if found["night"]:  # 11 ночи is 23:00, 12 the midnight ending the day, 3 ночи the small hours of that day
            if hour < 5 and (evening or " ".join(found["night"].lower().split()) in ("du soir", "in the evening")):
                return None  # "tonight 3 at night", "2 du soir": the words contradict each other
            hour, next_day = _at_night(hour)
            next_day = next_day and hour == 0
        else:
            hour = hour % 12 + (0 if found["am"] else 12)
    elif found["part"] == "凌晨" and hour == 12:  # midnight starting the night
        hour = 0
    elif found["part"] == "晚上" and 1 <= hour <= 12:  # 晚上8点 20:00, 晚上12点 the midnight ending it, 晚上1点 after
        hour, next_day = _at_night(hour)  # 晚上 is the evening: its small hours are those after it
    elif found["part"] in AFTERNOON and hour < 12:  # 下午3点 is 15:00; 中午12点 noon
        hour += 12
    elif evening and not found["part"] and 1 <= hour <= 12:
        hour, next_day = (0, True) if hour == 12 else (hour + 12, False)
    if hour > 23 or minute > 59:
        return None
    return TypedMoment(day, time(hour, minute), next_day)


def _at_night(hour: int) -> tuple[int, bool]:
    """An hour said of the evening and night, 1 to 12: 5 to 11 are after noon, 12 the midnight ending the day named,
    1 to 4 the small hours after that evening (the day after); and whether it falls on the day after. The night
    words of alphabets (ночи, de la noche, at night) name the small hours of the day named itself, as "5 декабря в 3
    часа ночи" is 03:00 on 5 December: _clock keeps only their midnight on the day after; 晚上 (the evening) keeps
    both."""
    if hour == 12:
        return 0, True
    return (hour, True) if hour < 5 else (hour + 12, False)


@dataclass(frozen=True, kw_only=True)
class MomentStep(Step):
    """A date and time ("2026-12-01 14:30", "01/12/2026 9:00", "2026-12-01 2:30 PM", "tomorrow 9:00"), in the writer's
    time zone, not in the past (the journey's facts give the writer's time now, as a local ISO moment)."""

    @staticmethod
    def example(ctx: FormContext, at: time = time(9)) -> Code:
        """An example moment that is never past: tomorrow at 09:00 (or at the time typed), written as the step
        reads it whatever the language ("2026-12-03 09:00")."""
        return Code(f"{(ctx.today + timedelta(days=1)).isoformat()} {at.isoformat(timespec='minutes')}")

    def lines(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> tuple[Label, ...]:
        """An example under the question, dated from today (a fixed date in the question went stale), and the time
        zone the time is read in (a tester had to submit to learn it)."""
        example = text(N_("For example: {example}"), example=self.example(ctx))
        if "zone" not in ctx.facts:
            return (example,)
        zone = Code(str(ctx.facts["zone"]))
        return (example, text(N_("Your time zone is {zone} (/settings changes it)."), zone=zone))

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Parse a date with a time of day."""
        read = read_moment(value)
        now = datetime.fromisoformat(str(ctx.facts["now"])) if "now" in ctx.facts else None
        if read is None or (not read.day and now is None):
            raise InvalidAnswerError(text(N_("Please give a date and a time, for example {example}."),
                                          example=self.example(ctx)))
        try:  # a time alone ("9h", "at 9", "9点") is today's; "12月10日" the next 10 December
            day = parse_date(read.day, ctx.locale, ctx.today, upcoming=True) if read.day else ctx.today
        except ParseError as error:
            raise self._unread(error, read.at, ctx) from error
        moment = datetime.combine(day, read.at) + timedelta(days=read.next_day)
        if day < ctx.today:
            raise self._past(read, day, ctx)
        if day > ctx.today + timedelta(days=HORIZON_DAYS):  # "2099-12-31": a year mistyped, not a plan
            raise InvalidAnswerError(text(N_("{day} is more than a year away: a broadcast can be set up to a year "
                                             "ahead. Please give an earlier date."), day=Day(day)))
        if not read.day and now is not None and moment <= now:
            raise InvalidAnswerError(text(N_("{time} has already passed today: it is {now} in your time zone. Please "
                                             "give the date as well, for example {example}."),
                                          time=Clock(read.at), now=Clock(now.time().replace(second=0, microsecond=0)),
                                          example=self.example(ctx)))
        zone = ctx.facts.get("zone")
        if isinstance(zone, str) and is_zone(zone) and (kept := _as_kept(moment, ZoneInfo(zone))) != moment:
            # 02:30 on the night the clocks go forward is no time there: it was taken as 02:30 an hour off, and
            # /broadcasts then said 03:30 (a tester)
            raise InvalidAnswerError(text(N_("{time} does not exist on {day} in your time zone: the clocks go "
                                             "forward then. Please give another time, for example {other}."),
                                          time=Clock(moment.time()), day=Day(moment.date()),
                                          other=Clock(kept.time())))
        if now is not None and moment <= now:  # the moment as understood, so that a misread date shows
            raise InvalidAnswerError(text(N_("{moment} has already passed: it is {time} in your time zone. Please "
                                             "give a later time."), moment=self.show(moment.isoformat(), ctx),
                                          time=Clock(now.time().replace(second=0, microsecond=0))))
        return Answer(moment.isoformat(timespec="minutes"), self.show(moment.isoformat(), ctx))

    def _unread(self, error: ParseError, at: time, ctx: FormContext) -> InvalidAnswerError:
        """A date part not understood, refused with an example of a date with a time (the date step's examples give
        none)."""
        if error.reason == "ambiguous_date":
            return InvalidAnswerError(text(N_("That date is ambiguous. Please give the year, the month and the day, "
                                              "then the time, for example {example}."), example=self.example(ctx, at)))
        if error.reason == "not_a_date":
            return InvalidAnswerError(text(N_("Please give a date and a time, for example {example}."),
                                           example=self.example(ctx, at)))
        return parse_error(error)

    @staticmethod
    def _past(read: TypedMoment, day: date, ctx: FormContext) -> InvalidAnswerError:
        """A past date, named as understood; when its day and month could be the other way round and that date is
        still to come ("10/12/2026" read as 12 October), how it was read and what to type for the other."""
        other = other_reading(read.day, ctx.locale, ctx.today)
        if other is None or other[0] < ctx.today:
            return past_date(day)
        when, month_first = other
        params = {"typed": Code(read.day), "date": Day(day), "other": Day(when),
                  "example": Code(f"{when.isoformat()} {read.at.isoformat(timespec='minutes')}")}
        if month_first:
            return InvalidAnswerError(text(N_("{typed} was read month first, as {date}, which is in the past. If you "
                                              "meant {other}, type {example}."), **params))
        return InvalidAnswerError(text(N_("{typed} was read day first, as {date}, which is in the past. If you meant "
                                          "{other}, type {example}."), **params))

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The moment for the reader, laid out as moment_label lays it out (/broadcasts lists it so)."""
        moment = datetime.fromisoformat(str(value))
        return text(N_("{day} {time}"), day=Day(moment.date()), time=Clock(moment.time()))


def _as_kept(moment: datetime, zone: ZoneInfo) -> datetime:
    """A naive local moment as the zone's clocks show it once placed in time: itself, but for a moment the clocks
    skip when they go forward (02:30 becomes 03:30)."""
    return moment.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)


def local_moment(value: str, zone: Any) -> datetime:
    """A naive local ISO moment as an aware datetime in `zone`."""
    return datetime.fromisoformat(value).replace(tzinfo=zone)


def moment_label(moment: datetime, zone: ZoneInfo, locale: str) -> Label:
    """A moment (naive ones are UTC, as the database stores them) in the reader's time zone, named by its city in
    their language and its offset, laid out as their language writes it: "Dec 15, 2026 2:30 PM (UTC)",
    "… (Geneva, UTC+01:00)", "…（日内瓦，UTC+01:00）". Not the IANA id /settings adds to tell zones apart: in a
    sentence it is a technical word in Latin letters, and it nested a second pair of parentheses."""
    local = (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(zone)
    day, clock = Day(local.date()), Clock(local.time().replace(second=0, microsecond=0))
    offset = offset_label(zone.key, local)
    if not is_place_zone(zone.key):
        return text(N_("{day} {time} ({offset})"), day=day, time=clock, offset=offset)
    return text(N_("{day} {time} ({city}, {offset})"), day=day, time=clock, city=city_of(zone.key, locale),
                offset=offset)
