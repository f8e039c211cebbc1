"""The progress report form, declared as data: the fields of DOMAIN.md's "Progress report".

What the questions need to know about the pledge (its unit, target, value, whether it is financial)
and the previous report's answers (offered as one-tap defaults) are hidden answers set when the form
opens; the engine reads nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from handlers.forms.base import Answer, Answers, Form, FormContext, InvalidAnswerError, Stay, StepResult, Upload
from handlers.forms.engine import DEFAULTS
from handlers.forms.numbers import parse_percent
from handlers.forms.parsing import ParseError
from handlers.forms.steps import AmountStep, ChoiceStep, IntegerStep, TextStep, YesNoStep, names_unit
from handlers.lengths import shorten
from handlers.messages import N_, Button, Code, Concat, Items, Label, Money, Number, Text, plural, text
from handlers.vocabulary import TARGET_UNIT_FORMS, TARGET_UNITS, labeller
from models.values import ReportStatus

PLEDGE_ID, PERIOD, UNIT, TARGET, VALUE, FINANCIAL = "$pledge_id", "$period", "$unit", "$target", "$value", "$financial"
REPORT_ID, REPLACES = "$report_id", "$replaces"
"""Hidden answers: the report being edited (clarification asked), the current report a new one replaces."""

MAX_EVIDENCE = 10
MAX_LINK = 500
EVIDENCE_NAME = 80
"""How much of a link or a file's name a list of evidence shows."""
MAX_CAPTION = 1024
"""The words kept with a piece of evidence: Telegram's own limit on a caption."""
LINK = re.compile(r"https?://\S+|\bwww\.[^\W_][\w-]*\.\S+", re.IGNORECASE)
"""A link in evidence: with its scheme, or as people often type one, "www.example.org/report" (kept as https://)."""

REPORT_STATUS_LABELS: dict[str, str] = {
    ReportStatus.not_started: N_("Not started"),
    ReportStatus.in_progress: N_("In progress"),
    ReportStatus.delayed: N_("Delayed"),
    ReportStatus.completed: N_("Completed"),
    ReportStatus.cancelled: N_("Cancelled"),
}


def percent_label(value: int) -> Text:
    """A percentage written for the reader ("40 %" in French, "40%" in English)."""
    return text(N_("{percent}%"), percent=Number(value))


def started(answers: Answers) -> bool:
    """True unless the work has not started (nothing to measure yet)."""
    return answers.get("status") != ReportStatus.not_started


def may_be_complete(answers: Answers) -> bool:
    """True when the answers say the work is done: status completed, or 100 %."""
    return answers.get("status") == ReportStatus.completed or answers.get("percent_complete") == 100


def _target_params(answers: Answers) -> dict[str, Any]:
    unit = answers.get(UNIT)
    target = answers.get(TARGET)
    return {"target": Number(int(target)) if target is not None else "—",
            "unit": labeller(TARGET_UNITS)(str(unit)) if unit else ""}


def _value_params(answers: Answers) -> dict[str, Any]:
    value = answers.get(VALUE)
    return {"value": Money(Decimal(str(value))) if value is not None else "—"}


FAR_PAST_TARGET = 2
"""A count reached above this many times the target is asked about before it is taken (most often a digit too many)."""


def _disbursed_doubt(value: Any, answers: Answers) -> Label | None:
    """An amount disbursed above the amount pledged: possible, but most often a typing slip; or below the total the
    previous report gave (a correction, or this period's amount alone)."""
    pledged = answers.get(VALUE)
    if pledged is None or Decimal(str(value)) <= Decimal(str(pledged)):
        defaults = answers.get(DEFAULTS)
        before = defaults.get("value_disbursed") if isinstance(defaults, Mapping) else None
        if before is None or Decimal(str(value)) >= Decimal(str(before)):
            return None
        return text(N_("{amount} is less than the {previous} reported last time, though the question asks for the "
                       "total disbursed so far. Is that right? If it is, tap ✅. If not, type the amount again."),
                    amount=Money(Decimal(str(value))), previous=Money(Decimal(str(before))))
    return text(N_("{amount} is more than the {value} pledged. Is that right? If it is, tap ✅. If not, type the "
                   "amount again."), amount=Money(Decimal(str(value))), **_value_params(answers))


def _more_last_time(step_id: str, value: Any, answers: Answers) -> int | None:
    """The whole number the previous report gave at `step_id` (offered as its default) when it is more than
    `value`; None otherwise."""
    defaults = answers.get(DEFAULTS)
    before = defaults.get(step_id) if isinstance(defaults, Mapping) else None
    return before if isinstance(before, int) and int(value) < before else None


def _fewer_than_last_time(step_id: str) -> Callable[[Any, Answers], Label | None]:
    """A total "so far" below the one the previous report gave: a correction, or a slip (the total of this period
    alone, a digit missing)."""
    def doubt(value: Any, answers: Answers) -> Label | None:
        before = _more_last_time(step_id, value, answers)
        if before is None:
            return None
        return text(N_("{number} is less than the {previous} reported last time, though the question asks for the "
                       "total so far. Is that right? If it is, tap ✅. If not, type the number again."),
                    number=Number(int(value)), previous=Number(before))
    return doubt


def _percent_doubt(value: Any, answers: Answers) -> Label | None:
    """A typed percentage below the previous report's: work undone, a correction, or a slip ("4" for "40"). A tapped
    one is taken as it is (the engine doubts typed answers only)."""
    before = _more_last_time("percent_complete", value, answers)
    if before is None:
        return None
    return text(N_("{percent} is less than the {previous} reported last time. Is that right? If it is, tap ✅. If "
                   "not, type the percentage again."),
                percent=percent_label(int(value)), previous=percent_label(before))


MANY_PEOPLE = 10**9
"""People reached above this many (a billion) are asked about before they are taken: most often digits too many."""


def _people_doubt(value: Any, answers: Answers) -> Label | None:
    """More than a billion people reached (a tester's 3 billion went in unasked), or fewer than last time."""
    if int(value) <= MANY_PEOPLE:
        return _fewer_than_last_time("beneficiaries_reached")(value, answers)
    return plural("{count} person is more than a billion. Is that right? If it is, tap ✅. If not, type the number "
                  "again.", "{count} people are more than a billion. Is that right? If it is, tap ✅. If not, type the "
                  "number again.", int(value))


def _target_doubt(value: Any, answers: Answers) -> Label | None:
    """A count reached far past the target (most often a digit too many), or below the last report's."""
    target = answers.get(TARGET)
    if not target or int(value) <= FAR_PAST_TARGET * int(target):
        return _fewer_than_last_time("target_achieved")(value, answers)
    return text(N_("{number} is more than twice the target of {target} ({unit}). Is that right? If it is, tap ✅. "
                   "If not, type the number again."), number=Number(int(value)), **_target_params(answers))


@dataclass(frozen=True, kw_only=True)
class PercentStep(IntegerStep):
    """A percentage 0-100, typed or tapped (0, 25, 50, 75, 100)."""

    minimum: int = 0
    maximum: int | None = 100
    quick: tuple[int, ...] = (0, 25, 50, 75, 100)

    def buttons(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> list[list[Button]]:
        """One button per quick percentage."""
        return [[Button(percent_label(n), f"f:{self.id}:c:{n}") for n in self.quick]]

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """A whole percentage, with or without its sign, in the reader's digits ("45", "45 %", "٤٥٪")."""
        try:
            number = parse_percent(value, ctx.locale)
        except ParseError as error:  # any wrong input: the range says what a percentage is
            raise InvalidAnswerError(text(N_("Please type a whole number from {low} to {high}, for example {example}."),
                                          low=Number(self.minimum), high=Number(self.maximum or 100),
                                          example=Number(45))) from error
        return Answer(number, percent_label(number))

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """One of the quick percentages, and nothing else."""
        verb, _, value = code.partition(":")
        if verb != "c" or value not in {str(n) for n in self.quick}:
            raise InvalidAnswerError(Text(N_("That button belongs to an earlier question. Here is the current one.")))
        return Answer(int(value), percent_label(int(value)))

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The percentage."""
        return percent_label(int(value))


_PEOPLE, _PLACES = frozenset({"people", "trainees"}), frozenset({"schools", "health_facilities"})
MEASURE_WORDS: dict[str, frozenset[str] | None] = {
    "个": None, "個": None, "所": _PLACES, "间": _PLACES, "間": _PLACES, "人": _PEOPLE, "名": _PEOPLE, "位": _PEOPLE,
    "户": frozenset({"households"}), "戶": frozenset({"households"}), "台": frozenset({"devices"}),
    "部": frozenset({"devices"}), "家": frozenset({"businesses", "health_facilities", "households"}),
    "座": frozenset({"sites", "health_facilities"}), "处": frozenset({"sites", "health_facilities"}),
    "處": frozenset({"sites", "health_facilities"}),
}
"""Chinese measure words, alone after a count ("120所", "3000人"), and the target units each may count (None: any);
"700人" is refused when the target counts schools, as "700 élèves" is."""


@dataclass(frozen=True, kw_only=True)
class TargetStep(IntegerStep):
    """How much of the pledge's target is reached, counted in the target's unit: words after the number must name
    that unit ("700 écoles" when the target counts schools; "700 élèves" is refused, not stored as 700 schools), or be
    a measure word alone ("120所")."""

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """The number, when what it counts is the target's unit or is not said."""
        number, words = self.count(value, ctx)
        unit = str(answers.get(UNIT) or "")
        label = labeller(TARGET_UNITS)(unit)
        counts = MEASURE_WORDS.get(words.strip(), frozenset())  # empty: no measure word
        if counts is None or (counts and (not unit or unit in counts)):
            words = ""
        if words and unit and not names_unit(words, label, TARGET_UNIT_FORMS.get(unit, {}), ctx):
            raise InvalidAnswerError(text(N_("The target counts {unit}. Please type the number of {unit} reached, "
                                             "for example {example}."),
                                          unit=label, example=Number(500 if self.example is None else self.example)))
        return Answer(number, Number(number))

    def summarised(self, value: Any, answers: Answers, ctx: FormContext) -> Label:
        """The count with the target it is part of, as staff read it: "120 of 500 (schools)"."""
        if answers.get(TARGET) is None:
            return self.show(value, ctx)
        return text(N_("{value} of {target} ({unit})"), value=Number(int(value)), **_target_params(answers))


def _evidence_key(item: Mapping[str, Any]) -> tuple[str, str]:
    """What makes two pieces of evidence the same: a link's address, a file's Telegram id."""
    if item.get("kind") == "link":
        return ("link", str(item.get("url", "")))
    return ("file", str(item.get("file_id", "")))


def evidence_label(item: Mapping[str, Any]) -> Label:
    """One piece of evidence: a document's or video's name ("video" when it has none), "photo", or a link; with the
    words sent with it, if any."""
    caption = str(item.get("caption") or "")
    if item.get("kind") == "link":  # a list of ten must fit a message: long links and names are shortened
        link = Code(shorten(str(item.get("url", "")), EVIDENCE_NAME))
        return Concat((link, " — ", shorten(caption, EVIDENCE_NAME))) if caption else link
    named: Label = Text(N_("photo")) if item.get("kind") == "photo" else \
        shorten(str(item.get("name") or ""), EVIDENCE_NAME) or Text(N_("video") if item.get("kind") == "video"
                                                                     else N_("document"))
    return Concat((named, " — ", shorten(caption, EVIDENCE_NAME))) if caption else named


EVIDENCE_KINDS = N_("Please send a document, a photo or a video, or type a link.")


@dataclass(frozen=True, kw_only=True)
class EvidenceStep(TextStep):
    """Documents, photos and videos sent in the chat, or links; several, then Done."""

    typed: ClassVar[bool] = False  # what it holds is listed with its own Done
    collects_files: ClassVar[bool] = True
    file_kinds: ClassVar[frozenset[str]] = frozenset({"photo", "document", "video"})
    # a video of the site is the most natural evidence: kept by its Telegram file id like a photo, sent again with
    # sendVideo (bot.sender); a voice note or a round video is not, and the person is told what to send instead

    def _items(self, answers: Answers, scratch: Mapping[str, Any]) -> list[dict[str, Any]]:
        if "items" in scratch:
            return list(scratch["items"])
        return list(answers.get(self.id) or [])

    def held(self, answers: Answers, scratch: Mapping[str, Any]) -> Answer | None:
        """The pieces received so far, kept when the person goes back (None once they removed them all)."""
        if "items" not in scratch and not answers.get(self.id):
            return None
        return Answer(self._items(answers, scratch) or None)

    def _keep(self, items: list[dict[str, Any]], new: list[dict[str, Any]]) -> StepResult:
        """Add the new pieces that were not received already (a link pasted twice counts once)."""
        known = {_evidence_key(item) for item in items}
        fresh: list[dict[str, Any]] = []
        for item in new:
            if _evidence_key(item) not in known:
                known.add(_evidence_key(item))
                fresh.append(item)
        if not fresh:
            raise InvalidAnswerError(Text(N_("That one is received already. Send another, or press Done.")))
        if len(items) + len(fresh) > MAX_EVIDENCE:  # which one was not kept: an album's eleventh file, say
            raise InvalidAnswerError(plural("Not kept: {item}. At most {count} piece of evidence, please.",
                                            "Not kept: {item}. At most {count} pieces of evidence, please.",
                                            MAX_EVIDENCE, item=Items(tuple(map(evidence_label, fresh)))))
        items = [*items, *fresh]
        return Stay({"items": items}, self._count(items))

    @staticmethod
    def _count(items: list[dict[str, Any]]) -> tuple[Label, ...]:
        """How many pieces were received, and what to do next."""
        return (plural("Received: {count} item. Send more, or press Done.",
                       "Received: {count} items. Send more, or press Done.", len(items)),)

    def lines(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> tuple[Label, ...]:
        """What was received so far."""
        items = self._items(answers, scratch)
        return (Items(tuple(evidence_label(i) for i in items)),) if items else ()

    def buttons(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> list[list[Button]]:
        """Done and Remove the last one, once something was received."""
        if not self._items(answers, scratch):
            return []
        return [[Button(Text(N_("Done ✔️")), f"f:{self.id}:done"),
                 Button(Text(N_("🗑 Remove the last one")), f"f:{self.id}:undo")]]

    def on_upload(self, upload: Upload, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Keep the file's Telegram id and name, and the words sent with it (a tester's "School in Mafraq" was
        dropped)."""
        if upload.kind not in self.file_kinds or not upload.file_id or len(upload.file_id) > 200:
            raise InvalidAnswerError(Text(EVIDENCE_KINDS))
        item: dict[str, Any] = {"kind": upload.kind, "file_id": upload.file_id,
                                "name": (upload.name or "")[:200] or None}
        if upload.caption.strip():
            item["caption"] = upload.caption.strip()[:MAX_CAPTION]
        return self._keep(self._items(answers, scratch), [item])

    def unreadable(self, kind: str) -> Label | None:
        """A voice note (or a sound file) and a round video cannot be evidence: what to send instead; anything else
        (a sticker, a location), the kinds it takes."""
        if kind in ("voice", "audio"):
            return Text(N_("A voice message or a sound recording cannot be kept as evidence. Please send a video, a "
                           "photo or a document (a recording can be sent as a file: 📎, then File), or type a link."))
        if kind == "video_note":
            return Text(N_("A round video message cannot be kept as evidence. Please record an ordinary video "
                           "(📎, then Camera), or send a photo, a document or a link."))
        return Text(EVIDENCE_KINDS)

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Keep every link of the text, and the words written around them as each one's caption, as a file's (a
        tester's "Photos of the opening:" before a link was dropped without a word)."""
        links = [link if "://" in link else f"https://{link}" for link in
                 (match.rstrip(".,;)") for match in LINK.findall(value))]
        if not links:
            raise InvalidAnswerError(Text(N_("Please send a document, a photo or a video, or type a link starting "
                                             "with https://.")))
        if any(len(link) > MAX_LINK for link in links):
            raise InvalidAnswerError(Text(N_("That link is too long.")))
        words = " ".join(LINK.sub(" ", value).split())  # its lines and spaces as one line
        said = words if any(char.isalnum() for char in words) else ""  # "and", a colon: words; "," alone: none
        return self._keep(self._items(answers, scratch), [
            {"kind": "link", "url": link, **({"caption": said[:MAX_CAPTION]} if said else {})} for link in links])

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Done: the evidence received so far; or remove the last piece."""
        items = self._items(answers, scratch)
        if code == "undo" and items:
            removed, items = items[-1], items[:-1]
            note = text(N_("Removed: {item}."), item=evidence_label(removed))
            return Stay({"items": items}, (note, *(self._count(items) if items else ())))
        if code != "done" or not items:
            raise InvalidAnswerError(Text(N_("That button belongs to an earlier question. Here is the current one.")))
        return Answer(items, self.show(items, ctx))

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The pieces of evidence."""
        return Items(tuple(evidence_label(i) for i in value or []))

    def whole(self, value: Any, ctx: FormContext) -> tuple[Label, ...]:
        """Evidence is listed, not read in parts (/mypledges sends its files and links again)."""
        return ()


@dataclass(frozen=True, kw_only=True)
class CompletionStep(YesNoStep):
    """Whether the whole pledge is complete. A No after the status "Completed" makes the status "In progress", and
    says so: stored as said, the report read "Completed" on a pledge that goes on."""

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Yes or No, the status revised by a No."""
        return _going_on(super().on_code(code, answers, scratch, ctx), answers)

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """A typed Yes or No, the status revised by a No."""
        return _going_on(super().on_text(value, answers, scratch, ctx), answers)

    def still_valid(self, value: Any, answers: Answers) -> bool:
        """A No no longer holds once the status is changed to "Completed" again (from the summary): asked anew."""
        return not (value == "no" and answers.get("status") == ReportStatus.completed)


def _going_on(result: StepResult, answers: Answers) -> StepResult:
    if not isinstance(result, Answer) or result.value != "no" or answers.get("status") != ReportStatus.completed:
        return result
    return Answer("no", text(N_("No: the pledge goes on, so its status is now “{status}”."),
                             status=Text(REPORT_STATUS_LABELS[ReportStatus.in_progress])),
                  also={"status": ReportStatus.in_progress.value})


REPORT_FORM = Form(
    id="report",
    title=N_("Progress report"),
    steps=(
        ChoiceStep(id="status", label=N_("Status"), choices=tuple(ReportStatus), columns=2,
                   label_of=labeller(REPORT_STATUS_LABELS), question=N_("Where does the pledge stand?")),
        PercentStep(id="percent_complete", label=N_("Progress"), when=started, doubt=_percent_doubt,
                    question=N_("How far along is it, in percent? Tap or type a number from 0 to 100.")),
        CompletionStep(id="pledge_complete", label=N_("Pledge complete"), when=may_be_complete,
                       question=N_("Is the whole pledge complete? If yes, it is marked completed and no more reports "
                                   "are asked for.")),
        AmountStep(id="value_disbursed", label=N_("Disbursed (USD)"), optional=True,
                   when=lambda a: bool(a.get(FINANCIAL)) and started(a), params=_value_params, doubt=_disbursed_doubt,
                   question=N_("How much of the {value} pledged has been disbursed so far, in US dollars?")),
        TargetStep(id="target_achieved", label=N_("Target reached"), optional=True, maximum=10**12, example=500,
                   when=started, params=_target_params, doubt=_target_doubt,
                   question=N_("How much of the target is reached so far? Type a number: the target is {target} "
                               "({unit}).")),
        IntegerStep(id="beneficiaries_reached", label=N_("People reached"), optional=True, maximum=10**10,
                    when=started, doubt=_people_doubt,
                    question=N_("How many people have benefited so far?")),
        PercentStep(id="women_share", label=N_("Share of women"), optional=True,
                    when=lambda a: bool(a.get("beneficiaries_reached")),
                    question=N_("What share of them are women, in percent?")),
        TextStep(id="steps_taken", label=N_("Steps taken"), min_length=20, max_length=4000,
                 question=N_("What has been done in this period? (up to 4,000 characters)"),
                 help=N_("A few sentences: what was built, delivered or decided, where, and for whom.")),
        TextStep(id="challenges", label=N_("Challenges"), optional=True, min_length=3, max_length=4000,
                 question=N_("Any challenges or delays? (optional)")),
        TextStep(id="partnership_needs", label=N_("Partnership needs"), optional=True, min_length=3, max_length=4000,
                 question=N_("Are you looking for partners or support? What for? (optional)")),
        EvidenceStep(id="evidence", label=N_("Evidence"), optional=True, max_length=4000,
                     question=N_("Send evidence if you have some: documents, photos or videos here in the chat, or "
                                 "links. A Done button appears once the first one is received. (optional)")),
    ),
)

CARRIED_OVER = tuple(step.id for step in REPORT_FORM.steps if step.id not in ("evidence", "pledge_complete"))
"""The answers a new report offers from the previous one (its evidence too when it replaces it: rules.defaults_of)."""
