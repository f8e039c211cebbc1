"""Step types of the form engine: text, choices, yes/no, numbers, money, dates and countries."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from handlers.canonical import canonical_name
from handlers.forms.base import ASK_AGAIN, Answer, Answers, FormContext, InvalidAnswerError, Stay, Step, StepResult
from handlers.forms.dates import end_of_year, other_reading, parse_date
from handlers.forms.intents import fold
from handlers.forms.numbers import MAX_AMOUNT, parse_amount, parse_count
from handlers.forms.parsing import ParseError
from handlers.forms.scripts import least_length
from handlers.lengths import is_long, parts, shorten
from handlers.messages import N_, Button, Code, Concat, Day, Items, Label, Money, Number, Text, plural, text
from handlers.vocabulary import typed_yes_no

Choices = tuple[str, ...] | Callable[[Answers], tuple[str, ...]]
LabelOf = Callable[[str], Label]

_PARSE_ERRORS: dict[str, str] = {
    "empty": N_("That answer is empty. Please try again."),
    "not_a_number": N_("Please type a number, for example {example} or 2.5 million."),
    "other_currency": N_("The amount is asked in US dollars. Please convert it and type the number of dollars, "
                         "for example {example}."),
    "negative": N_("The number cannot be negative."),
    "too_large": N_("That number is too large. Please type a number up to {limit}."),
    "not_whole": N_("Please type a whole number."),
    "spelled": N_("Please type the number in digits, for example {example}."),
    "not_a_date": N_("Please type a date, for example 31/12/2027 or 2027-12-31."),
    "ambiguous_date": N_("That date is ambiguous. Please type it as 2027-12-31."),
    "out_of_range": N_("Please type a date between 1990 and 2100."),
}


def parse_error(error: ParseError) -> InvalidAnswerError:
    """The localized complaint for a parsing failure."""
    reason = error.reason if error.reason in _PARSE_ERRORS else "not_a_number"
    params: dict[str, Any] = {}
    if reason in ("not_a_number", "other_currency", "spelled"):
        params["example"] = Number(1_500_000)
    elif reason == "too_large":
        params["limit"] = Number(int(MAX_AMOUNT))
    return InvalidAnswerError(Text(_PARSE_ERRORS[reason], params))


def past_date(day: date) -> InvalidAnswerError:
    """The refusal of a date in the past, naming it as it was understood ("Feb 12, 2026"), so that a date read in
    another order than meant shows."""
    return InvalidAnswerError(text(N_("{date} is in the past. Please give a later date."), date=Day(day)))


def has_letters(value: str) -> bool:
    """True when the text has at least one letter or digit (not only emoji or punctuation)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in value)


NOTHING_WORDS = frozenset(fold(word) for word in (
    "no", "none", "nothing", "non", "aucun", "aucune", "rien", "ninguno", "ninguna", "nada", "нет", "ничего",
    "لا", "لا يوجد", "لا شيء", "无", "没有",
    "n/a", "not needed", "no need", "none needed", "not applicable", "pas besoin", "néant", "sans objet",
    "no hace falta", "no aplica", "no es necesario", "не нужно", "не требуется", "нет необходимости", "لا حاجة",
    "لا ينطبق", "不需要", "无需", "不用", "暂无", "無", "沒有",
))
"""Whole answers that say "nothing" in the six languages: the word for "no", the pronoun "none"/"nothing" of each,
and "not needed" or "not applicable" (a tester's "不需要" at the partnership needs was kept as a need), which as the
entire answer to an optional question ("Any challenges?") cannot mean anything else."""


@dataclass(frozen=True, kw_only=True)
class TextStep(Step):
    """Free text between `min_length` and `max_length` characters."""

    typed: ClassVar[bool] = True

    min_length: int = 1
    """Counted in letters: an answer in Chinese, Japanese or Korean needs fewer characters (`least_length`); a name
    is counted as typed (its minimum catches a stray key, it does not measure what it says)."""
    max_length: int = 200
    name: bool = False
    """A person's or organisation's name: on one line, without invisible characters (`canonical_name`)."""

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Accept text of the right length that says something."""
        cleaned = canonical_name(value) if self.name else " ".join(value.split()) if self.max_length <= 200 \
            else value.strip()
        if value.startswith("/"):
            raise InvalidAnswerError(Text(N_("Commands are not answers. Please type your answer.")))
        if not has_letters(cleaned):
            raise InvalidAnswerError(Text(N_("Please answer with words, not only symbols or emoji.")))
        optional = self.skippable(answers)
        if optional and fold(cleaned) in NOTHING_WORDS:
            return Answer(None, Text(N_("(skipped)")))  # "No", "无": the same as Skip
        least = self.min_length if self.name else least_length(cleaned, self.min_length)  # 7 Chinese say 20 letters
        if len(cleaned) < least:
            if optional:
                raise InvalidAnswerError(plural("Too short: please write at least {count} character, or press Skip.",
                                                "Too short: please write at least {count} characters, or press Skip.",
                                                least))
            raise InvalidAnswerError(plural("Too short: please write at least {count} character.",
                                           "Too short: please write at least {count} characters.", least))
        if len(cleaned) > self.max_length:
            raise InvalidAnswerError(plural("Too long: please write at most {count} character (you wrote {written}).",
                                            "Too long: please write at most {count} characters (you wrote {written}).",
                                            self.max_length, written=len(cleaned)))
        return Answer(cleaned)

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The text, shortened to an excerpt when it is long (`whole` gives all of it)."""
        return shorten(str(value))

    def whole(self, value: Any, ctx: FormContext) -> tuple[Label, ...]:
        """A long text in parts that each fit a message."""
        return tuple(parts(str(value))) if is_long(str(value)) else ()


LIST_SEPARATORS = re.compile(r"\s*(?:[,;，、；،؛]+|\s(?:and|et|y|e|и|&)\s|\sو\s*|和)\s*", re.IGNORECASE)
"""What separates the items of a typed list: commas (the Arabic "،" too) and "and" in the six languages."""


UNKNOWN_NAMED = 20
"""How many items of a typed list that are no choice are named back (each as typed): a list longer than the SDGs'
seventeen is no list of them."""


def options_of(choices: Choices, answers: Answers) -> tuple[str, ...]:
    """The options a choice offers, given the answers so far (`choices` may depend on them)."""
    return choices(answers) if callable(choices) else choices


def _rows(buttons: list[Button], columns: int) -> list[list[Button]]:
    return [buttons[i:i + columns] for i in range(0, len(buttons), columns)]


_LOOK_ALIKES = str.maketrans("авеікмнорстухѕј", "abeikmhopctyxsj")
"""Cyrillic letters drawn like Latin ones: "С2" typed on a Russian keyboard is the button "C2"."""
_CJK = re.compile(r"[\u3400-\u9fff]")
PREFIX_LETTERS, PREFIX_IDEOGRAPHS = 4, 2
"""The shortest start of a label's word that picks it when no other label has a word starting so."""


def _typed_key(value: str) -> str:
    """Typed text or a label folded for comparison: case, accents, punctuation, any script's digits, look-alikes, and
    the Arabic article ("حكومة" is the button "الحكومة")."""
    digits = (str(d) if (d := unicodedata.decimal(ch, None)) is not None else ch for ch in value)
    folded = fold("".join(digits)).translate(_LOOK_ALIKES)
    return " ".join(word[2:] if word.startswith("ال") and len(word) > 4 else word for word in folded.split())


def _match_typed(value: str, options: tuple[str, ...], label_of: LabelOf, ctx: FormContext) -> str | None:
    """The option whose label (or code) was typed; else the only one with a word starting as typed ("资金")."""
    wanted = _typed_key(value)
    if not wanted:
        return None
    keys = {option: _typed_key(ctx.translate(label_of(option))) for option in options}
    for option, key in keys.items():
        if key == wanted or _typed_key(option) == wanted:
            return option
    typed = fold(value)  # its length as typed: "الخاص" is a word long enough, though "خاص" once its article is off
    if len(typed) < (PREFIX_IDEOGRAPHS if _CJK.search(typed) else PREFIX_LETTERS):
        return None
    starting = [option for option, key in keys.items() if f" {wanted}" in f" {key}"]
    return starting[0] if len(starting) == 1 else None


@dataclass(frozen=True, kw_only=True)
class ChoiceStep(Step):
    """One choice among buttons; typing a label exactly also works."""

    chosen: ClassVar[bool] = True
    choices: Choices
    label_of: LabelOf
    columns: int = 2

    def buttons(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> list[list[Button]]:
        """One button per choice."""
        options = options_of(self.choices, answers)
        return _rows([Button(self.label_of(o), f"f:{self.id}:c:{o}") for o in options], self.columns)

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Accept a choice that this step offers, and nothing else."""
        verb, _, value = code.partition(":")
        if verb != "c" or value not in options_of(self.choices, answers):
            raise InvalidAnswerError(Text(N_("That button belongs to an earlier question. Here is the current one.")))
        return Answer(value, self.label_of(value))

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Accept a typed label of one of the choices."""
        found = _match_typed(value, options_of(self.choices, answers), self.label_of, ctx)
        if found is None:
            raise InvalidAnswerError(Text(N_("Please choose with the buttons below.")))
        return Answer(found, self.label_of(found))

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The chosen option's label."""
        return self.label_of(str(value))

    def still_valid(self, value: Any, answers: Answers) -> bool:
        """Valid while the earlier answers still offer this choice."""
        return value in options_of(self.choices, answers)


@dataclass(frozen=True, kw_only=True)
class MultiChoiceStep(Step):
    """Several choices, toggled with buttons and confirmed with Done."""

    choices: Choices
    label_of: LabelOf
    columns: int = 2
    min_count: int = 1

    def _picked(self, answers: Answers, scratch: Mapping[str, Any]) -> list[str]:
        if "picked" in scratch:
            return list(scratch["picked"])
        return list(answers.get(self.id) or [])

    def held(self, answers: Answers, scratch: Mapping[str, Any]) -> Answer | None:
        """The choices ticked before Done, enough of them: kept when the person goes back, and no Skip offered
        while they are ticked (a tester's typed "je ne sais pas" after ticking two SDGs dropped them)."""
        picked = list(scratch.get("picked") or [])
        return Answer(picked) if len(picked) >= max(1, self.min_count) else None

    def buttons(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> list[list[Button]]:
        """One toggle per choice, ticked when picked, then Done."""
        picked = self._picked(answers, scratch)
        toggles = [Button(Concat(("✓ ", self.label_of(o))) if o in picked else self.label_of(o),
                          f"f:{self.id}:c:{o}") for o in options_of(self.choices, answers)]
        return [*_rows(toggles, self.columns), [Button(Text(N_("Done ✔️")), f"f:{self.id}:done")]]

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Toggle a choice, or finish when enough are picked."""
        picked = self._picked(answers, scratch)
        verb, _, value = code.partition(":")
        if verb == "done":
            if not picked and self.skippable(answers):
                return Answer(None)
            if len(picked) < self.min_count:
                raise InvalidAnswerError(plural("Please choose at least {count} option.",
                                                "Please choose at least {count} options.", self.min_count))
            return Answer(picked, Items(tuple(self.label_of(p) for p in picked)))
        options = options_of(self.choices, answers)
        if verb != "c" or value not in options:
            raise InvalidAnswerError(Text(N_("That button belongs to an earlier question. Here is the current one.")))
        picked = [p for p in picked if p != value] if value in picked else [*picked, value]
        return Stay({"picked": [o for o in options if o in picked]})

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Pick a choice typed by its label (typed, "Infrastructure" means this one: one already picked stays
        picked, and its button unticks it), or every choice of a typed list ("4, 9")."""
        options = options_of(self.choices, answers)
        found = _match_typed(value, options, self.label_of, ctx)
        if found is not None and found in self._picked(answers, scratch):
            return Stay({"picked": self._picked(answers, scratch)},
                        (text(N_("{choice} is already chosen. To remove it, tap its button."),
                              choice=self.label_of(found)),))
        if found is not None:
            return self.on_code(f"c:{found}", answers, scratch, ctx)
        pieces = [p for p in LIST_SEPARATORS.split(value) if p.strip()]
        if len(pieces) == 1 and all(word.isdigit() for word in value.split()):
            pieces = value.split()  # "4 9": numbers apart
        listed = [_match_typed(piece, options, self.label_of, ctx) for piece in pieces]
        unknown = [piece.strip() for piece, choice in zip(pieces, listed, strict=True) if choice is None]
        named = Items(tuple(unknown[:UNKNOWN_NAMED]))
        if len(pieces) >= 2 and len(unknown) == len(pieces):  # a list of nothing offered ("18, 0": SDGs are 1 to 17)
            raise InvalidAnswerError(text(N_("Not among the choices: {items}. Please choose with the buttons below, "
                                             "then press Done."), items=named))
        if len(pieces) < 2:
            raise InvalidAnswerError(Text(N_("Please choose with the buttons below, then press Done.")))
        picked = self._picked(answers, scratch)
        picked += [choice for choice in listed if choice is not None and choice not in picked]
        # the others of the list are kept, as a list of countries keeps those it recognises (a tester's "4, 5, 9, 18"
        # had kept none)
        notes = (text(N_("Not among the choices, so not chosen: {items}."), items=named),) if unknown else ()
        return Stay({"picked": [o for o in options if o in picked]}, notes)

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The picked labels, separated by commas."""
        return Items(tuple(self.label_of(str(v)) for v in value or []))

    def still_valid(self, value: Any, answers: Answers) -> bool:
        """Valid while every picked option is still offered."""
        options = options_of(self.choices, answers)
        return all(v in options for v in value or [])


def yes_no_label(value: str) -> Label:
    """The label of a yes/no answer."""
    return Text(N_("Yes")) if value == "yes" else Text(N_("No"))


@dataclass(frozen=True, kw_only=True)
class YesNoStep(ChoiceStep):
    """A yes/no question; `require_yes` refuses No with `refusal` (e.g. consent)."""

    choices: Choices = ("yes", "no")
    label_of: LabelOf = yes_no_label
    require_yes: str | None = None

    def _check(self, result: StepResult) -> StepResult:
        if self.require_yes and isinstance(result, Answer) and result.value == "no":
            raise InvalidAnswerError(Text(self.require_yes))
        return result

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Accept Yes or No."""
        return self._check(super().on_code(code, answers, scratch, ctx))

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Accept a typed Yes or No: its label, or a word for it in any of our languages ("是的", "ага", "nope")."""
        said = typed_yes_no(value)
        if said is not None and said in options_of(self.choices, answers):
            return self._check(Answer(said, self.label_of(said)))
        return self._check(super().on_text(value, answers, scratch, ctx))


@dataclass(frozen=True, kw_only=True)
class AmountStep(Step):
    """Money in USD as people write it ("1.5 million", "2,5 M", "300万"); stored as a decimal string."""

    typed: ClassVar[bool] = True

    minimum: Decimal = Decimal(0)

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Parse the amount in the reader's locale and show it back formatted."""
        try:
            amount = parse_amount(value, ctx.locale)
        except ParseError as error:
            raise parse_error(error) from error
        if amount < self.minimum:
            raise InvalidAnswerError(text(N_("The amount must be at least {n}."), n=Money(self.minimum)))
        return Answer(str(amount), Money(amount))

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The amount formatted for the reader."""
        return Money(Decimal(str(value)))


_COUNT_REFUSALS: dict[str, str] = {
    "percent": N_("Please type the number itself, not a percentage, for example {example}."),
    "money": N_("Please type the number itself, not an amount of money, for example {example}."),
    "qualified": N_("Please type just the number, for example {example}. Only “about” may come before it: words "
                    "such as “less than” or “half of” change the count."),
    "spelled": N_("Please type the number in digits, for example {example}."),
}


@dataclass(frozen=True, kw_only=True)
class IntegerStep(Step):
    """A count ("2 million", "2,5 млн", "700 écoles", "environ 350 000 élèves"), between `minimum` and `maximum`: the
    words after the number, such as what it counts, are read past when they hold no other number, and "about" before
    it; a percentage, money, or a bound ("less than 300") is refused (`parse_count`)."""

    typed: ClassVar[bool] = True

    minimum: int = 0
    maximum: int | None = None
    """None: as large as any number the parser reads (`MAX_AMOUNT`)."""
    example: int | None = None
    """A count the refusal of text that is no number gives as its example; None: an amount ("2.5 million")."""

    def out_of_range(self) -> InvalidAnswerError:
        """The refusal of a number outside this step's own range, which it states."""
        highest = int(MAX_AMOUNT) if self.maximum is None else self.maximum
        return InvalidAnswerError(text(N_("Please type a number between {low} and {high}."),
                                       low=Number(self.minimum), high=Number(highest)))

    def count(self, value: str, ctx: FormContext) -> tuple[int, str]:
        """The number typed, in the reader's locale and within range, and the words after it."""
        try:
            number, after = parse_count(value, ctx.locale)
        except ParseError as error:
            if error.reason in ("negative", "too_large"):  # the parser's limits are not this step's
                raise self.out_of_range() from error
            if error.reason in _COUNT_REFUSALS:  # "35 percent", "300 dollars", "less than 300": not a count
                example = Number(1_500_000 if self.example is None else self.example)
                raise InvalidAnswerError(text(_COUNT_REFUSALS[error.reason], example=example)) from error
            if error.reason == "not_a_number" and self.example is not None:
                raise InvalidAnswerError(text(N_("Please type a number, for example {example}."),
                                              example=Number(self.example))) from error
            raise parse_error(error) from error
        if number < self.minimum or (self.maximum is not None and number > self.maximum):
            raise self.out_of_range()
        return number, after

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Parse a whole number in the reader's locale."""
        number, _ = self.count(value, ctx)
        return Answer(number, Number(number))

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The number formatted for the reader."""
        return Number(int(value))


_UNIT_FILLERS = frozenset(("de", "des", "d", "of", "the", "les", "los", "las", "el", "la", "所", "个", "個", "名"))


def unit_score(typed: str, label: str) -> int:
    """How well typed words name a unit's label: 3 the same, 2 containing it, 1 the same stem ("школ", "школы") or
    an abbreviation of its first word with its dot ("шк.", "éc.")."""
    words = [w for w in fold(typed).split() if w not in _UNIT_FILLERS]
    wanted, name = " ".join(words), fold(label)
    if not wanted or not name:
        return 0
    if wanted == name:
        return 3
    if len(name) >= 2 and name in wanted:
        return 2
    if len(words) < len([w for w in name.split() if w not in _UNIT_FILLERS]):
        return 0  # the first word alone of a longer name: "établissements" is no more "établissements de santé" than
        # "établissements scolaires", which the words after it would tell apart
    first, head = wanted.split()[0], name.split()[0]
    if typed.strip().endswith(".") and len(words) == 1 and len(first) >= 2 and head.startswith(first):
        return 1
    common = len(next((first[:k] for k in range(min(len(first), len(head)), 0, -1) if first[:k] == head[:k]), ""))
    return 1 if common >= 4 and common >= min(len(first), len(head)) - 2 else 0


def names_unit(typed: str, unit: Label, forms: Mapping[str, tuple[str, ...]], ctx: FormContext) -> int:
    """How well typed words name a unit: the best `unit_score` of its label in the reader's language and of the
    other forms of that label in the language (`forms`, by language code)."""
    language = ctx.locale.replace("_", "-").split("-")[0]
    return max(unit_score(typed, name) for name in (ctx.translate(unit), *forms.get(language, ())))


@dataclass(frozen=True, kw_only=True)
class CountStep(IntegerStep):
    """A whole number that may come with its unit ("300 écoles"), which then answers `unit_step` too."""

    unit_step: str
    units: Mapping[str, str]
    """The units' codes and message ids, matched against their labels in the reader's language."""
    unit_forms: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    """Other forms of each unit's label by language ("школ", "مدرسة"), matched as the label is."""
    unit_counts: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Each unit's plural message pair ("{count} school", "{count} schools"), that confirms a count typed with it in
    the form the count takes ("300 школ"); a unit without one is confirmed in brackets ("300 (schools)")."""

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """The number, and its unit when the words after it name one unambiguously. Words naming no unit, or more
        than one, ask the unit again: a unit answered before ("schools") is not kept for "800 teachers"."""
        number, rest = self.count(value, ctx)
        scores = {code: names_unit(rest, Text(name), self.unit_forms.get(code, {}), ctx)
                  for code, name in self.units.items()}
        best = max(scores.values(), default=0)
        winners = [code for code, score in scores.items() if score == best]
        if best == 0 or len(winners) != 1:
            named = any(character.isalpha() for character in rest)
            return Answer(number, Number(number), also={self.unit_step: ASK_AGAIN} if named else {})
        unit = winners[0]
        # the label after a number takes no grammar from it ("300 школы", "1 escuelas"): the unit's own plural
        # message does, or brackets set the label apart as the name of what is counted
        counted = self.unit_counts.get(unit)
        echo = (plural(*counted, number) if counted is not None
                else Concat((Number(number), " (", Text(self.units[unit]), ")")))
        return Answer(number, echo, also={self.unit_step: unit})


QuickDates = Callable[[date], tuple[tuple[str, date], ...]]


def end_of_years(today: date) -> tuple[tuple[str, date], ...]:
    """Quick answers: the end of this year and of the next two."""
    return tuple((str(today.year + k), end_of_year(today, k)) for k in range(3))


READINGS = "readings"
"""A date step's working memory of the two dates a typed answer could be, while it asks which one."""


@dataclass(frozen=True, kw_only=True)
class DateStep(Step):
    """A date typed as people write it, with quick buttons; `not_before` and `not_after` name earlier date steps."""

    typed: ClassVar[bool] = True

    quick: QuickDates = end_of_years
    not_before: str | None = None
    not_after: str | None = None
    not_past: bool = False
    opening: bool = False
    """The date something starts: a month or a year typed alone is its first day ("September 2027": 1 September)."""

    def _offered(self, answers: Answers, ctx: FormContext) -> dict[str, date]:
        """The quick dates this step accepts: counted from the date it must follow when that is later than today
        (the end of 2029 and after, for a target on Jun 30, 2029), and only those within its limits."""
        earlier = answers.get(self.not_before) if self.not_before else None
        since = max(ctx.today, date.fromisoformat(str(earlier))) if earlier else ctx.today
        offered: dict[str, date] = {}
        for _, day in self.quick(since):
            try:
                self._accept(day, answers, ctx)
            except InvalidAnswerError:
                continue
            offered[day.isoformat()] = day
        return offered

    def lines(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> tuple[Label, ...]:
        """That a date can be typed too, when dates are offered."""
        return (Text(N_("Tap a date, or type another one.")),) if self._offered(answers, ctx) else ()

    def buttons(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> list[list[Button]]:
        """Quick buttons such as the end of this year; the two readings of a date typed either way round first."""
        read = self._readings(scratch)
        readings = [[Button(Day(day), f"f:{self.id}:c:{code}") for code, day in read.items()]]
        offered = [[Button(Day(day), f"f:{self.id}:c:{code}") for code, day in self._offered(answers, ctx).items()
                    if code not in read]]  # a quick date that is one of the readings is offered once
        return readings + offered if readings[0] else offered

    @staticmethod
    def _readings(scratch: Mapping[str, Any]) -> dict[str, date]:
        """The dates a typed answer could be, asked about (`_other_way`)."""
        found = scratch.get(READINGS)
        if not isinstance(found, list):
            return {}
        return {code: date.fromisoformat(code) for code in found if isinstance(code, str)}

    def _other_way(self, value: str, answers: Answers, ctx: FormContext) -> date | None:
        """Where the reader's language writes the month first (English, read as the United States writes dates), the
        date a typed one whose day and month could be either way round ("03/04/2027") makes the other way, when it
        is a date this step may take: many who read the bot in English write the day first. Else None."""
        other = other_reading(value, ctx.locale, ctx.today)
        if other is None or not other[1]:
            return None
        try:
            self._accept(other[0], answers, ctx)
        except InvalidAnswerError:
            return None
        return other[0]

    def _accept(self, day: date, answers: Answers, ctx: FormContext) -> StepResult:
        if self.not_past and day < ctx.today:
            raise past_date(day)
        # the date as understood is named beside its limit, so that a date read in another order than meant shows
        earlier = answers.get(self.not_before) if self.not_before else None
        if earlier and day < (limit := date.fromisoformat(str(earlier))):
            raise InvalidAnswerError(text(N_("{date} is before {limit}. Please give a date from {limit} on."),
                                          date=Day(day), limit=Day(limit)))
        later = answers.get(self.not_after) if self.not_after else None
        if later and day > (limit := date.fromisoformat(str(later))):
            raise InvalidAnswerError(text(N_("{date} is after {limit}. Please give a date up to {limit}."),
                                          date=Day(day), limit=Day(limit)))
        return Answer(day.isoformat(), Day(day))

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Parse a date in the reader's locale."""
        try:
            day = parse_date(value, ctx.locale, ctx.today, opening=self.opening)
        except ParseError as error:
            raise parse_error(error) from error
        other = self._other_way(value, answers, ctx)
        try:
            accepted = self._accept(day, answers, ctx)
        except InvalidAnswerError:
            if other is None:
                raise
            return self._accept(other, answers, ctx)  # the one reading it may be ("03/04" after a start in March)
        if other is None or other == day:
            return accepted
        return Stay({READINGS: [day.isoformat(), other.isoformat()]},
                    (text(N_("{typed} could be {first} or {second}. Which one do you mean?"), typed=Code(value.strip()),
                          first=Day(day), second=Day(other)),))

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Accept one of the quick dates offered today, or one of the two readings of a date typed (`_other_way`)."""
        verb, _, value = code.partition(":")
        offered = {**self._readings(scratch), **self._offered(answers, ctx)}
        if verb != "c" or value not in offered:
            raise InvalidAnswerError(Text(N_("That button belongs to an earlier question. Here is the current one.")))
        return self._accept(offered[value], answers, ctx)

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The date formatted for the reader."""
        return Day(date.fromisoformat(str(value)))

    def keep(self, value: Any, answers: Answers, ctx: FormContext) -> StepResult:
        """The date it holds, if it may still be given today."""
        return self._accept(date.fromisoformat(str(value)), answers, ctx)

    def still_valid(self, value: Any, answers: Answers) -> bool:
        """Invalid once the date it must follow moved after it, or the date it must precede moved before it."""
        earlier = answers.get(self.not_before) if self.not_before else None
        later = answers.get(self.not_after) if self.not_after else None
        return (not earlier or str(value) >= str(earlier)) and (not later or str(value) <= str(later))
