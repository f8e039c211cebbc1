"""The vocabulary of forms: steps, the state of a session, and what answering a step yields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from handlers.messages import N_, Button, Label, Reply, Text, reply_from_json, reply_to_json

Answers = Mapping[str, Any]


class InvalidAnswerError(Exception):
    """An answer that breaks a step's rule; `message` tells the person why, in their language."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.msgid)
        self.message = message


def _untranslated(label: Label) -> str:
    return label.msgid if isinstance(label, Text) else str(label)


@dataclass(frozen=True, slots=True)
class FormContext:
    """What a step may know besides the answers: the reader's locale, today, and a pure translator."""

    locale: str
    today: date
    translate: Callable[[Label], str] = _untranslated
    facts: Mapping[str, Any] = field(default_factory=dict)
    """What the journey looked up for this state (e.g. how many people an audience reaches)."""


ASK_AGAIN = "$ask-again"
"""Given in Answer.also for a later step: its answer is dropped and it is asked again (None is an answer: skipped)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """The step is answered with `value` (JSON-storable); `echo` shows back how it was understood."""

    value: Any
    echo: Label | None = None
    also: Mapping[str, Any] = field(default_factory=dict)
    """Answers to later steps given in the same breath ("300 schools" answers the target and its unit), or earlier
    answers it revises (a message too long for a caption sends the attached file separately). A later step given
    ASK_AGAIN is asked again, its answer dropped ("800 teachers" while changing a target counted in schools: the
    unit)."""


@dataclass(frozen=True, slots=True)
class Stay:
    """The step stays open (a toggle, a search result); `scratch` is its new working memory."""

    scratch: dict[str, Any]
    notes: tuple[Label, ...] = ()
    before: tuple[Reply, ...] = ()
    """Messages sent before the question is asked again (a preview that needs a whole message)."""


StepResult = Answer | Stay


@dataclass(frozen=True, slots=True)
class Upload:
    """A file the person sent: "photo", "document" or "video" (only to a step whose `file_kinds` has it), its Telegram
    file id, and its name when it has one."""

    kind: str
    file_id: str
    name: str | None = None
    caption: str = ""
    """The text sent with the file, if any."""


@dataclass(frozen=True, kw_only=True)
class Step:
    """One question of a form. Subclasses say how text and button codes become answers."""

    id: str
    question: str
    label: str
    help: str | None = None
    optional: bool | Callable[[Answers], bool] = False
    when: Callable[[Answers], bool] | None = None
    params: Callable[[Answers], dict[str, Any]] | None = None
    """The question's {placeholders}, from the answers (e.g. the pledge's unit and target, kept as hidden answers)."""
    doubt: Callable[[Any, Answers], Label | None] | None = None
    """What to ask about a typed answer that is possible but unlikely (an amount above the one pledged, a count far past
    the target: most often a digit too many), or None to take it. A doubted answer is taken once the person confirms it
    (a tap, a typed yes, or the same answer typed again); another answer is checked afresh."""
    says_anything: ClassVar[bool] = False
    """Whether "I don't know" typed at it, required, is an answer (a message to BDT may say just that); elsewhere a
    required question says it cannot be skipped (a title "не знаю" was taken, replacing the one given before)."""
    collects_files: ClassVar[bool] = False
    """Whether it gathers several files (a report's evidence): a file sent at the summary is added to it."""
    file_kinds: ClassVar[frozenset[str]] = frozenset({"photo", "document"})
    """The kinds of file it is handed, should it take files: a video reaches only a step that names it (a report's
    evidence); elsewhere it is content the journeys do not read (handlers.router)."""
    typed: ClassVar[bool] = False
    """Whether its answer is typed (a text, a number, a date): asked again after Back, the step shows the answer it
    holds and offers to keep it, which the person would otherwise have to type again without seeing it."""
    chosen: ClassVar[bool] = False
    """Whether its answer is one button of its own (a status, yes or no): asked again after Back, the step says which
    it holds (a tester back at the report's status saw the choices and nothing of the one made)."""

    def ask(self, answers: Answers) -> Text:
        """The question, with its parameters."""
        return Text(self.question, self.params(answers) if self.params else {})

    def applies(self, answers: Answers) -> bool:
        """True when this step is asked, given the earlier answers."""
        return self.when is None or self.when(answers)

    def skippable(self, answers: Answers) -> bool:
        """True when this step may be left unanswered, given the earlier answers."""
        return self.optional(answers) if callable(self.optional) else self.optional

    def lines(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> tuple[Label, ...]:
        """Extra lines under the question (a running selection, search results)."""
        return ()

    def begun(self, answers: Answers, scratch: Mapping[str, Any]) -> bool:
        """Whether something of this step's answer is held before it is given (a country ticked, a file kept): what
        Cancel would discard. The engine's own marks in the scratch (keys beginning with "$") are not."""
        return any(not key.startswith("$") for key in scratch)

    def buttons(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> list[list[Button]]:
        """Rows of buttons for this step, without navigation; codes are `c:<value>` or `done`."""
        return []

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Turn typed text into an answer, or raise InvalidAnswerError."""
        raise InvalidAnswerError(Text(N_("Please choose with the buttons below.")))

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Turn a pressed button's code (untrusted) into an answer, or raise InvalidAnswerError."""
        raise InvalidAnswerError(Text(N_("Please choose with the buttons below.")))

    def on_file(self, kind: str, file_id: str, answers: Answers, ctx: FormContext) -> StepResult:
        """Turn a file the person sent into an answer; most steps want text or buttons instead."""
        raise InvalidAnswerError(Text(N_("This question needs a typed answer or a button, not a file.")))

    @property
    def takes_files(self) -> bool:
        """Whether a file can answer it (its class reads uploads or files)."""
        kind = type(self)
        return kind.on_upload is not Step.on_upload or kind.on_file is not Step.on_file

    def on_location(self, latitude: float, longitude: float, scratch: Mapping[str, Any],
                    ctx: FormContext) -> StepResult:
        """Turn a location the person shared into an answer; most steps cannot (handlers.router says so)."""
        raise InvalidAnswerError(Text(N_("This question needs a typed answer or a button.")))

    takes_formatting: ClassVar[bool] = False
    """Whether its text answer is read in Telegram HTML when the person formatted it in their app (FormInput.formatted:
    a broadcast's message keeps its bold and its links); the others read the plain text."""

    @property
    def takes_location(self) -> bool:
        """Whether a shared location can answer it (its class reads locations)."""
        return type(self).on_location is not Step.on_location

    def on_upload(self, upload: Upload, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """A file with its name and the step's working memory; by default the same as `on_file`."""
        return self.on_file(upload.kind, upload.file_id, answers, ctx)

    def unreadable(self, kind: str) -> Label | None:
        """What to say of content it cannot take (`Incoming.unreadable`: "voice", "video_note", ...), when the step
        knows better than the general words what to send instead; None for those."""
        return None

    def keep(self, value: Any, answers: Answers, ctx: FormContext) -> StepResult:
        """The answer it holds taken again as it is (a `typed` step asked again after Back), checked as a typed one
        would be today: a date that has passed since is refused, as typed again it would be."""
        return Answer(value, self.show(value, ctx))

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The stored answer as the summary shows it."""
        return str(value)

    def summarised(self, value: Any, answers: Answers, ctx: FormContext) -> Label:
        """The stored answer on the summary, where the other answers may say what it means (a count reached "of 500
        (schools)"); by default as `show` gives it."""
        return self.show(value, ctx)

    def whole(self, value: Any, ctx: FormContext) -> tuple[Label, ...]:
        """The stored answer in parts that each fit a message, when `show` shortens it; else nothing."""
        return ()

    def held(self, answers: Answers, scratch: Mapping[str, Any]) -> Answer | None:
        """What the step holds of the person's input before they finish it (files sent before Done): kept as the
        step's answer when they go back (with the earlier answers its `also` revises), and while its value is not
        None the step offers no Skip, which would drop it. None: the step holds nothing of its own (most steps: an
        answer is given in one go)."""
        return None

    def still_valid(self, value: Any, answers: Answers) -> bool:
        """False when a changed earlier answer makes this stored answer meaningless (e.g. pillars)."""
        return True


@dataclass(frozen=True)
class Form:
    """A form as data: ordered steps; `summary` adds a review with Edit buttons before the end."""

    id: str
    title: str
    steps: tuple[Step, ...]
    summary: bool = True
    numbered: bool = True
    """False for a form that is a composer rather than questions: no "Question 1 of 1" above its prompt."""

    def step(self, step_id: str) -> Step | None:
        """The step with this id, if any."""
        return next((s for s in self.steps if s.id == step_id), None)

    def index(self, step_id: str) -> int:
        """Position of a step in the form."""
        return next(i for i, s in enumerate(self.steps) if s.id == step_id)


SHOWN_KEPT = 60
"""How many of its messages a draft remembers (FormState.shown): older ones show questions long since asked again."""


@dataclass(frozen=True, slots=True)
class FormState:
    """A session of a form: where it is, what was answered. Stored as JSON in a Draft row."""

    step: str
    answers: dict[str, Any] = field(default_factory=dict)
    scratch: dict[str, Any] = field(default_factory=dict)
    editing: bool = False
    resume: str | None = None
    asked: str | None = None
    """The outbox key of the message that shows the current question, which toggles edit in place."""
    album: str | None = None
    """The album (Telegram's media_group_id) whose file the current question was last shown for: the album's next
    file updates that message instead of asking the question again below it."""
    heading: tuple[Label, ...] = ()
    """What the form is about ("Progress report on P2C-2025-00002 for 2024."), said when it was opened and again
    whenever its question comes back after something else was shown."""
    reviewed: dict[str, Any] | None = None
    """While an answer picked on the summary is being changed: the answers as the summary showed them, which Back
    (and another ✏️ of that summary) returns to, unchanged. None otherwise."""
    shown: tuple[tuple[str, str], ...] = ()
    """The messages this draft sent, as (outbox key, step id shown), the latest SHOWN_KEPT: a button of any other
    message (a finished form's, an earlier draft's of the same form) or a reply to an earlier question is told
    apart from an answer to this one. Partial for a draft opened before it was kept (`shown_all`)."""
    shown_all: bool = True
    """Whether `shown` has every message the draft sent since it was opened (the latest SHOWN_KEPT). False for a draft
    stored before messages were kept (its JSON has no "shown"): those it sent then are in no list, so its buttons are
    checked by step id alone for the rest of its life, not only until it shows a message again."""
    pressed: dict[str, Any] | None = None
    """The button press that last showed this draft: its message's Telegram id, its data, when it came and whether
    it was answered in place (a toggle), by which a second tap of the same button just after is told from a press."""

    def to_json(self) -> dict[str, Any]:
        """The state as stored in Draft.state."""
        data = {"step": self.step, "answers": self.answers, "scratch": self.scratch,
                "editing": self.editing, "resume": self.resume, "asked": self.asked}
        if self.reviewed is not None:
            data["reviewed"] = self.reviewed
        if self.album is not None:
            data["album"] = self.album
        if self.shown or self.shown_all:
            data["shown"] = [list(pair) for pair in self.shown]
        if not self.shown_all:
            data["shown_all"] = False
        if self.pressed is not None:
            data["pressed"] = self.pressed
        if self.heading:  # stored as message data, rendered in the reader's language when shown again
            data["heading"] = reply_to_json(Reply(self.heading))["parts"]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FormState:
        """Rebuild the state from Draft.state."""
        return cls(step=str(data["step"]), answers=dict(data.get("answers", {})),
                   scratch=dict(data.get("scratch", {})), editing=bool(data.get("editing", False)),
                   resume=data.get("resume"), asked=data.get("asked"),
                   album=album if isinstance(album := data.get("album"), str) else None,
                   reviewed=dict(reviewed) if isinstance(reviewed := data.get("reviewed"), Mapping) else None,
                   shown=tuple((str(pair[0]), str(pair[1])) for pair in data.get("shown") or ()
                               if isinstance(pair, list | tuple) and len(pair) == 2),
                   shown_all="shown" in data and data.get("shown_all") is not False,
                   pressed=dict(pressed) if isinstance(pressed := data.get("pressed"), Mapping) else None,
                   heading=reply_from_json({"parts": data.get("heading") or []}).parts)
