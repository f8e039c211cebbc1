"""The form engine: one pure function advances a session of a form by one input.

It never sends, commits or reads the clock: the caller passes `FormContext.today`, stores the
returned state in the Draft row and hands the returned replies to delivery.
Button codes have the shape ``f:<step id>:<action>`` and are treated as untrusted input.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from handlers.forms.base import ASK_AGAIN, Answer, Form, FormContext, FormState, InvalidAnswerError, Stay, Step, Upload
from handlers.forms.intents import fold, typed_intent
from handlers.forms.numbering import counted
from handlers.lengths import shorten
from handlers.messages import (
    N_,
    Button,
    Code,
    Concat,
    Items,
    Label,
    Line,
    Markup,
    Reply,
    Text,
    label_from_json,
    label_to_json,
    text,
)
from handlers.vocabulary import typed_yes_no

SUMMARY = "$sum"
CONFIRM_CANCEL = "$cancel"
DEFAULTS = "$defaults"
"""Hidden answer: {step id: value} offered as one-tap defaults ("Same as last time: 40 %")."""
DEFAULTS_FROM = "$defaults_from"
"""Hidden answer: the reference the defaults come from ("Same as P2C-2026-00004: Senegal, Mali")."""
DEFAULT_GROUP = "$default_group"
"""Hidden answer: step ids whose defaults one button takes together, offered at the first of them."""
PREFILLED = "$prefilled"
"""Hidden answer: steps answered ahead (a group of defaults, "300 schools"), not asked again on the way."""
DOUBTED = "$doubted"
"""The step's working memory of a typed answer it doubts (`Step.doubt`), until it is confirmed or replaced: the value
and the later answers given with it."""
ECHO = "$echo"
"""The step's memory of the line that confirmed the previous answer above its question ("✓ Access"), which the
question edited in place (a choice ticked) keeps: it was lost, and the chat no longer showed what was chosen."""
SHORT_DEFAULT = 40
"""A default shown in full on its button up to this length (as plain text); a longer one is quoted above the
buttons."""
STALE = N_("That button belongs to an earlier question. Here is the current one.")
NOT_OFFERED = N_("That button is not one of this question's options. Here is the question again.")
NOT_CANCELLED = N_("Not cancelled: your answers are kept.")
ALBUM_REST = N_("Only the album's first file was kept: one file can be attached. Its other files were not kept.")
"""Said at the question after one that took a single file, when the rest of an album sent to it arrive (a tester:
each was refused as 'not a file' over the confirmation of the first, and nothing said they were dropped)."""
CAPTION_SAID = 300
"""How much of the words sent with content that was not kept is quoted back (UTF-16 units)."""
OTHER_FORM = N_("That button is from questions that are not open now: finished, started over or set aside. "
                "Nothing was changed.")
EARLIER_QUESTION = N_("A reply to an earlier question does not change its answer: to change it, press ⬅️ Back until "
                      "you reach it, or its ✏️ button on the summary. Nothing was changed.")
CONFIRM_FIRST = N_("Please answer this first with one of its two buttons: your message was not used.")


class Status(StrEnum):
    """Where a session stands after an input."""

    open = "open"
    done = "done"
    cancelled = "cancelled"


@dataclass(frozen=True, slots=True)
class FormInput:
    """What a person did: typed `text`, or pressed a button whose data is `code`."""

    text: str | None = None
    code: str | None = None
    file: tuple[str, str] | None = None
    """("photo" | "document", file id) of a file the person sent."""
    file_name: str | None = None
    formatted: str | None = None
    """The text in Telegram HTML when the person formatted it in their app, for a step that takes formatting
    (Step.takes_formatting); other steps read `text`."""
    location: tuple[float, float] | None = None
    """(latitude, longitude) of a location the person shared, for a step that reads one (Step.takes_location)."""
    typed: bool = False
    """The `code` stands for something typed (/cancel): the answer is a new message, not an edit."""
    reply: bool = False
    """The text replies to an earlier message (any: the bot's or the person's own)."""
    on: str | None = None
    """The outbox key of the message the input is about: the one whose button was pressed, or the earlier one a typed
    text replies to (None: no such message, or not one the outbox knows)."""
    album_more: bool = False
    """The `file` is a later file of an album whose first file this form took already (sent at once, one message
    each): at a question that takes no file, what became of it is said, not that files are not answers."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """The new state, the replies to send, and whether the form is still open."""

    state: FormState
    replies: tuple[Reply, ...]
    status: Status = Status.open
    in_place: bool = False
    """The one reply replaces the message of the question whose button was pressed (a toggle, a selection)."""


def code(step_id: str, action: str) -> str:
    """The callback data of a form button."""
    return f"f:{step_id}:{action}"


def applicable(form: Form, answers: dict[str, Any]) -> list[Step]:
    """The steps asked given these answers, in order."""
    return [step for step in form.steps if step.applies(answers)]


def collected(form: Form, state: FormState) -> dict[str, Any]:
    """The answers of the steps that apply, as the form was finally filled."""
    return {s.id: state.answers.get(s.id) for s in applicable(form, state.answers)}


def start(form: Form, ctx: FormContext, answers: dict[str, Any] | None = None,
          notes: tuple[Label, ...] = ()) -> Outcome:
    """Open a session: the first question (after `notes`), or the summary when editing complete answers."""
    state = FormState(step=form.steps[0].id, answers=dict(answers or {}))
    missing = _first_missing(form, state.answers)
    if answers and missing is None and form.summary:
        state = replace(state, step=SUMMARY)
    elif missing is not None:
        state = replace(state, step=missing)
    return Outcome(state, (prompt(form, state, ctx, notes),))


def prompt(form: Form, state: FormState, ctx: FormContext, notes: tuple[Label, ...] = ()) -> Reply:
    """The message that asks for the current step (or shows the summary, or confirms cancel)."""
    if state.step == CONFIRM_CANCEL:
        return Reply((*notes, Text(N_("Cancel and discard your answers?"))), (
            (Button(Text(N_("Yes, discard")), code(CONFIRM_CANCEL, "yes")),
             Button(Text(N_("No, continue")), code(CONFIRM_CANCEL, "no"))),))
    state = resume(form, state)
    if state.step == SUMMARY:
        return _summary(form, state, ctx, notes)
    step = _step(form, state.step)
    steps = applicable(form, state.answers)
    position = next((i for i, s in enumerate(steps) if s.id == step.id), 0) + 1
    told = counted(form, state.answers, step.id)
    n = next((i for i, s in enumerate(told) if s.id == step.id), 0) + 1
    numbering = [text(N_("Question {n} of {total}"), n=n, total=len(told))] if form.numbered else []
    doubted = _held_doubt(state)
    kept = _kept(state, step, ctx) if doubted is None else None  # a new answer questioned: its ✅, not the Keep
    current = _current(state, step, ctx) or (
        (Line(Text(N_("Current answer")), step.show(state.answers[step.id], ctx)),)
        if kept is not None or _chosen(state, step) else ())
    doubt = step.doubt(doubted.value, state.answers) if doubted is not None and step.doubt is not None else None
    parts: list[Label] = [*notes, *((doubt,) if doubt is not None else ()), *numbering, step.ask(state.answers),
                          *current, *step.lines(state.answers, state.scratch, ctx)]
    rows = [tuple(row) for row in step.buttons(state.answers, state.scratch, ctx) if row]
    if kept is not None:
        rows.insert(0, (Button(Text(N_("➡️ Keep this answer")), code(step.id, "keep")),))
    if doubted is not None:
        rows.insert(0, (Button(text(N_("✅ Yes, {answer} is right"), answer=step.show(doubted.value, ctx)),
                               code(step.id, f"sure:{fingerprint(doubted.value)}")),))
    rows += _default_rows(form, state, step, ctx, parts, first=position == 1)
    nav: list[Button] = []
    if state.reviewed is not None:  # changing an answer picked on the summary: Back returns to it, unchanged
        rows.append((Button(Text(N_("↩️ Back to summary")), code(step.id, "back")),))
    elif position > 1:
        nav.append(Button(Text(N_("⬅️ Back")), code(step.id, "back")))
    if _may_skip(step, state):
        nav.append(Button(Text(N_("Skip ⏭")), code(step.id, "skip")))
    if step.help:
        nav.append(Button(Text(N_("❓ Help")), code(step.id, "help")))
    nav.append(Button(Text(N_("✖️ Cancel")), code(step.id, "cancel")))
    return Reply(tuple(parts), (*rows, tuple(nav)))


def _chosen(state: FormState, step: Step) -> bool:
    """Whether a step answered with one of its buttons is asked again after Back with that answer still held: said,
    as a typed one is (`_kept`), without a Keep button (the same choice is one tap)."""
    value = state.answers.get(step.id)
    return step.chosen and state.reviewed is None and not state.editing and value is not None \
        and step.still_valid(value, state.answers)


def _current(state: FormState, step: Step, ctx: FormContext) -> tuple[Label, ...]:
    """While an answer picked on the summary is being changed: that answer, as the summary shows it."""
    value = state.answers.get(step.id)
    if state.reviewed is None or step.id not in state.answers or (value is None and not step.skippable(state.answers)):
        return ()  # not answered yet, or asked because it may no longer be skipped (Type now Financial: its Value)
    return (Line(Text(N_("Current answer")), step.show(value, ctx) if value is not None else Text(N_("(skipped)"))),)


def _kept(state: FormState, step: Step, ctx: FormContext) -> Answer | Stay | None:
    """The typed answer a step holds when it is asked again after Back, as keeping it would give it (None: none to
    keep). Not while an answer picked on the summary is changed (`_current` shows it and Back keeps it), nor when
    the step is asked because of that very answer (a rule of the form refused it at Submit: it must change)."""
    value = state.answers.get(step.id)
    if (state.reviewed is not None or state.editing or not step.typed or value is None
            or not step.still_valid(value, state.answers)):
        return None
    try:
        return step.keep(value, state.answers, ctx)
    except InvalidAnswerError:  # a date passed since: to be given again
        return None


def _default(state: FormState, step: Step) -> Any:
    """The offered default of a step, if it has one that still fits the answers."""
    defaults = state.answers.get(DEFAULTS) or {}
    value = defaults.get(step.id) if isinstance(defaults, dict) else None
    return value if value is not None and step.still_valid(value, state.answers) else None


def _default_rows(form: Form, state: FormState, step: Step, ctx: FormContext, parts: list[Label],
                  first: bool) -> list[tuple[Button, ...]]:
    """"Same as last time" for this step, and on the first question "same as last time for all"."""
    rows: list[tuple[Button, ...]] = []
    value = _default(state, step)
    source = state.answers.get(DEFAULTS_FROM)
    if value is not None:
        shown = step.show(value, ctx)
        if len(ctx.translate(shown)) > SHORT_DEFAULT:  # a long text, a list of fifteen countries: quoted above
            quoted = shown[:600] + ("…" if len(shown) > 600 else "") if isinstance(shown, str) else shown
            if source:
                parts.append(Line(text(N_("In {ref}"), ref=Code(str(source))), quoted))
                label: Label = text(N_("↩️ Same as {ref}"), ref=Code(str(source)))
            else:
                parts.append(Line(Text(N_("Last time")), quoted))
                label = Text(N_("↩️ Same as last time"))
        elif source:
            label = text(N_("↩️ Same as {ref}: {answer}"), ref=Code(str(source)), answer=shown)
        else:
            label = text(N_("↩️ Same as last time: {answer}"), answer=shown)
        rows.append((Button(label, code(step.id, "same")),))
    group = _group(form, state, step)
    if len(group) > 1 and not state.editing:  # the fields named above: a button's label must stay short
        labels = Items(tuple(Text(s.label) for s in group))
        if source:
            parts.append(text(N_("Tap ⏩ to copy from {ref}: {fields}."), ref=Code(str(source)), fields=labels))
            label = text(N_("⏩ Copy from {ref}"), ref=Code(str(source)))
        else:
            parts.append(text(N_("Tap ⏩ to copy from last time: {fields}."), fields=labels))
            label = Text(N_("⏩ Copy from last time"))
        rows.append((Button(label, code(step.id, "samegroup")),))
    if first and state.answers.get(DEFAULTS) and not state.answers.get(DEFAULT_GROUP) and not state.editing:
        rows.append((Button(Text(N_("⏩ All as last time, then review")), code(step.id, "sameall")),))
    return rows


def _group(form: Form, state: FormState, step: Step) -> list[Step]:
    """The steps of the group of defaults that starts at `step`, those with a default that still fits."""
    group = state.answers.get(DEFAULT_GROUP) or []
    if not isinstance(group, list) or not group or group[0] != step.id:
        return []
    defaults = state.answers.get(DEFAULTS) or {}
    steps = [form.step(str(step_id)) for step_id in group]
    return [s for s in steps if s is not None and s.applies(state.answers) and (
        _default(state, s) is not None or (s.id in defaults and defaults[s.id] is None and s.skippable(state.answers)))]


def _summary(form: Form, state: FormState, ctx: FormContext, notes: tuple[Label, ...]) -> Reply:
    block, edits, wholes = _answers(form, state, ctx)
    rows = [tuple(edits[i:i + 2]) for i in range(0, len(edits), 2)]
    rows += [tuple(wholes[i:i + 2]) for i in range(0, len(wholes), 2)]
    rows.append((Button(Text(N_("✅ Submit")), code(SUMMARY, "submit")),
                 Button(Text(N_("✖️ Cancel")), code(SUMMARY, "cancel"))))
    return Reply((*notes, Text(N_("Please check your answers, then submit.")), block), tuple(rows))


def submitted(form: Form, state: FormState, ctx: FormContext) -> Reply:
    """The summary once submitted: its answers, without the buttons that changed or submitted them (said plainly:
    what is done with them, the journey says next, and it may refuse them)."""
    return Reply((Text(N_("Your answers:")), _answers(form, state, ctx)[0]))


def _answers(form: Form, state: FormState, ctx: FormContext) -> tuple[Label, list[Button], list[Button]]:
    """The summary's lines (one a question: its label and answer), its ✏️ buttons and its 📖 ones (a text shown
    shortened, whole on request)."""
    lines: list[Label] = []
    edits: list[Button] = []
    wholes: list[Button] = []
    for step in applicable(form, state.answers):
        value = state.answers.get(step.id)
        shown = step.summarised(value, state.answers, ctx) if value is not None else Text(N_("(skipped)"))
        lines.append(Line(Text(step.label), shown))
        edits.append(Button(Concat(("✏️ ", Text(step.label))), code(SUMMARY, f"edit:{step.id}")))
        if value is not None and step.whole(value, ctx):  # shown shortened: the whole text on request
            wholes.append(Button(Concat(("📖 ", Text(step.label))), code(SUMMARY, f"full:{step.id}")))
    return Concat(tuple(part for line in lines for part in ("\n", line))[1:]), edits, wholes


def whole_text(field: Label, pieces: tuple[Label, ...]) -> tuple[Reply, ...]:
    """A long text as messages that each fit: "Description (1 of 2)" above each part."""
    if len(pieces) == 1 and isinstance(pieces[0], Markup):  # a formatted message may use the whole limit alone
        return (Reply(pieces),)
    if len(pieces) == 1:
        return (Reply((Concat(("📖 ", field)), pieces[0])),)
    return tuple(Reply((text(N_("📖 {field} ({n} of {total})"), field=field, n=n, total=len(pieces)), piece))
                 for n, piece in enumerate(pieces, start=1))


def resume(form: Form, state: FormState) -> FormState:
    """A stored state pointing at a step the form no longer has goes to the first unanswered step."""
    if state.step in (SUMMARY, CONFIRM_CANCEL) or form.step(state.step) is not None:
        return state
    missing = _first_missing(form, state.answers)
    return replace(state, step=missing or (SUMMARY if form.summary else form.steps[-1].id), scratch={}, resume=None)


def advance(form: Form, state: FormState, given: FormInput, ctx: FormContext) -> Outcome:
    """Apply one input to a session and say what happens next."""
    state = resume(form, state)
    if given.code is not None and not given.typed and not _belongs(state, given.on):
        return Outcome(state, (prompt(form, state, ctx, (Text(OTHER_FORM),)),))  # a finished form's Submit, say
    if state.step == CONFIRM_CANCEL and given.code is None:
        return _answered_at_confirmation(form, state, given, ctx)
    if given.code is None and given.file is None and _replies_to_earlier(state, given.on):
        return Outcome(state, (prompt(form, state, ctx, (Text(EARLIER_QUESTION),)),))
    try:
        if given.code is not None:
            outcome = _on_code(form, state, given.code, ctx)
            return replace(outcome, in_place=False) if given.typed else _kept_echo(state, outcome, given.on)
        if given.location is not None and state.step not in (SUMMARY, CONFIRM_CANCEL):
            step = _step(form, state.step)
            latitude, longitude = given.location
            outcome = _apply(form, state, step, step.on_location(latitude, longitude, state.scratch, ctx), ctx)
        elif given.file is not None and state.step not in (SUMMARY, CONFIRM_CANCEL):
            step = _step(form, state.step)
            before = _previous(form, state)
            if given.album_more and not step.takes_files and before is not None and before.takes_files \
                    and state.answers.get(before.id) is not None:  # the album's first file answered the one before
                return Outcome(state, (prompt(form, state, ctx, (*echoed(state), Text(ALBUM_REST))),))
            upload = Upload(given.file[0], given.file[1], given.file_name, given.text or "")
            outcome = _apply(form, state, step, step.on_upload(upload, state.answers, state.scratch, ctx), ctx)
        elif given.file is not None and state.step == SUMMARY:
            upload = Upload(given.file[0], given.file[1], given.file_name, given.text or "")
            outcome = _upload_at_summary(form, state, upload, ctx)
        else:
            outcome = _on_text(form, state, given.text or "", ctx, given.formatted)
        return replace(outcome, in_place=False)  # what is typed comes below the question: answered below it
    except InvalidAnswerError as error:  # a file refused: its caption too (a tester's "6000 trained" went unsaid)
        if given.album_more and given.file is not None and not given.text and _takes_no_files(form, state):
            # the rest of an album refused as its first file was: what was said of that one (and of the album's
            # caption, which came with it) stands; told again, the caption's note was edited away (a tester)
            return Outcome(state, ())
        lost = words_not_kept(given.text) if given.file is not None else ()
        return Outcome(state, (prompt(form, state, ctx, (error.message, *lost)),))


def _takes_no_files(form: Form, state: FormState) -> bool:
    """Whether the question asked is one of words or buttons (not the summary, which takes a file to change)."""
    return state.step not in (SUMMARY, CONFIRM_CANCEL) and not _step(form, state.step).takes_files


def words_not_kept(words: str | None) -> tuple[Label, ...]:
    """The words sent with content that was not kept (a caption), quoted back as not kept either; none without."""
    if not words or not words.strip():
        return ()
    return (text(N_("The words sent with it were not kept: “{words}”"), words=shorten(words, CAPTION_SAID)),)


def _belongs(state: FormState, key: str | None) -> bool:
    """Whether the message with this outbox key may hold this draft's buttons: one it sent, or one not known (the
    outbox no longer holds it, or the draft was opened before it kept its messages: step ids alone tell)."""
    return key is None or not state.shown or not state.shown_all or any(key == shown for shown, _ in state.shown)


def _replies_to_earlier(state: FormState, key: str | None) -> bool:
    """Whether the message with this outbox key is one of this draft's showing another question than the current
    one (what replies to it means to correct that answer, not to answer this question)."""
    return key is not None and any(key == shown and step != state.step for shown, step in state.shown)


def _upload_at_summary(form: Form, state: FormState, upload: Upload, ctx: FormContext) -> Outcome:
    """A file sent at the summary (a photo BDT asked for, sent as the report to change opens): the question that
    takes files, opened as a change picked on the summary with the file in it (Done returns to the summary). No
    question takes it: the summary asks for its buttons."""
    for step in reversed(applicable(form, state.answers)):
        if not step.collects_files:  # a single file (a broadcast's attachment) is replaced only by its own ✏️
            continue
        changing = replace(state, step=step.id, scratch={}, editing=True, reviewed=dict(state.answers))
        return _apply(form, changing, step, step.on_upload(upload, changing.answers, changing.scratch, ctx), ctx)
    raise InvalidAnswerError(Text(N_("Use the buttons below: edit an answer or submit.")))


def unconfirmed(form: Form, state: FormState) -> FormState:
    """The state without a cancel waiting for its confirmation: back at the question Cancel was pressed on."""
    if state.step != CONFIRM_CANCEL:
        return state
    return resume(form, replace(state, step=state.resume or form.steps[0].id, resume=None))


def _nothing_answered(form: Form, state: FormState) -> bool:
    """No question answered (or skipped), none begun (a country ticked, a file held, a message written: Step.begun):
    Cancel has nothing to discard, and stops at once rather than asking "Cancel and discard your answers?" about none.
    What the form was opened with that no question asks (the pledge a report is on, last time's answers offered as
    defaults) is not an answer."""
    if any(step.id in state.answers for step in form.steps):
        return False
    step = form.step(state.step)
    return step is not None and not step.begun(state.answers, state.scratch)


def _cancelled(state: FormState) -> Outcome:
    return Outcome(state, (Reply((Text(N_("Cancelled. Nothing was kept.")),)),), Status.cancelled, in_place=True)


def _answered_at_confirmation(form: Form, state: FormState, given: FormInput, ctx: FormContext) -> Outcome:
    """Typed (or sent) at "Cancel and discard your answers?": a yes ("oui", "نعم") or a second cancel discards,
    a no goes back to the question; a reply to another message is not about it (an addition to an earlier report,
    typed when the confirmation had been forgotten for weeks), so the confirmation is asked again; anything else is
    an answer to that question, so the cancel is not confirmed and the person is told their answers are kept,
    rather than losing what they typed."""
    typed = (given.text or "").strip() if given.file is None else ""
    said = typed_yes_no(typed) if typed else None
    if said == "yes" or (typed and typed_intent(typed) == "cancel"):
        return replace(_cancelled(state), in_place=False)
    if given.reply and said is None:
        return Outcome(state, (prompt(form, state, ctx, (Text(CONFIRM_FIRST),)),))
    back = unconfirmed(form, state)
    if said == "no":
        return Outcome(back, (prompt(form, back, ctx),))
    outcome = advance(form, back, given, ctx)
    if not outcome.replies:  # the answer finished the form: what follows says so
        return outcome
    first, *rest = outcome.replies
    return replace(outcome, replies=(replace(first, parts=(Text(NOT_CANCELLED), *first.parts)), *rest),
                   in_place=False)


def _on_text(form: Form, state: FormState, value: str, ctx: FormContext, formatted: str | None = None) -> Outcome:
    intent = typed_intent(value) if state.step != CONFIRM_CANCEL else None
    if intent is not None and _labels_a_button(form, state, value, intent, ctx):  # "Annulé", a report's status, is that
        intent = None                                                     # choice, not Cancel
    if intent == "done" and not _offers_done(form, state, ctx):  # "готово" at evidence with nothing sent: Skip;
        intent = "skip" if _offers_skip(form, state) else None   # elsewhere an answer ("Listo" as a title)
    required = intent == "skip" and _required(form, state)  # "no lo sé" at a required question: an answer (a message
    if intent == "skip" and not _offers_skip(form, state):   # to BDT may say just that), else "this question cannot
        intent = None                                         # be skipped"; with files held, an answer too
    if required and not _step(form, state.step).says_anything:  # a title "не знаю" was taken
        raise InvalidAnswerError(Text(N_("This question cannot be skipped.")))
    if intent == "skip":  # typed, it is echoed as a typed "no" is
        step = _step(form, state.step)
        return _apply(form, state, step, Answer(None, Text(N_("(skipped)"))), ctx)
    if intent is not None:  # "annuler", "назад", "帮助", "listo": the button the person meant
        if intent == "help" and (state.step == SUMMARY or not _step(form, state.step).help):
            note = Text(N_("Answer the question below by typing or with its buttons. ⬅️ Back returns to the "
                           "previous question; ✖️ Cancel stops and discards your answers."))
            return Outcome(state, (prompt(form, state, ctx, (note,)),))
        return replace(_on_code(form, state, code(state.step, intent), ctx), in_place=False)
    if state.step == SUMMARY:
        pressed = _typed_label(prompt(form, state, ctx), value, ctx)
        if pressed is not None:  # "envoyer", "enviar": the summary's own Submit (or another of its buttons)
            return replace(_on_code(form, state, pressed, ctx), in_place=False)
        raise InvalidAnswerError(Text(N_("Use the buttons below: edit an answer or submit.")))
    if state.step == CONFIRM_CANCEL:
        raise InvalidAnswerError(Text(N_("Please answer with the buttons below.")))
    step = _step(form, state.step)
    if not value.strip():
        raise InvalidAnswerError(Text(N_("That answer is empty. Please try again.")))
    doubted = _held_doubt(state)
    if doubted is not None:  # "yes" (any language) to "Is that right?" confirms it; "no" asks again
        said = typed_yes_no(value.strip())
        if said == "yes":
            return _apply(form, state, step, _confirmed(step, doubted, ctx), ctx)
        if said == "no":
            return _apply(form, state, step, Stay(_without_doubt(state)), ctx)
    if formatted is not None and step.takes_formatting:  # bold, a link on a word: kept, as Telegram HTML
        value = formatted
    try:
        result = step.on_text(value.strip(), state.answers, state.scratch, ctx)
    except InvalidAnswerError as error:
        # "je ne sais pas" at a required question: not "too short", which invites padding it
        refusal = Text(N_("This question cannot be skipped.")) if required else error.message
        if doubted is None:
            raise InvalidAnswerError(refusal) from error
        # a new answer, wrong too: the one doubted before is not offered again (its ✅ would take a value the
        # person has just replaced)
        cleared = replace(state, scratch=_without_doubt(state))
        return Outcome(cleared, (prompt(form, cleared, ctx, (refusal,)),))
    return _apply(form, state, step, _doubt(step, state, result), ctx)


def _typed_label(shown: Reply, value: str, ctx: FormContext) -> str | None:
    """The code of the shown button whose label (its emoji aside) is the typed text, if one is."""
    typed = fold(value)
    found = [button.code for row in shown.buttons for button in row if typed and fold(ctx.translate(button.label))
             == typed]
    return found[0] if len(found) == 1 else None


def _labels_a_button(form: Form, state: FormState, value: str, intent: str, ctx: FormContext) -> bool:
    """Whether the typed text is the label of another of the current question's own buttons than the intent's
    ("Annulé" is a status; "Listo" the Done button itself)."""
    step = form.step(state.step)
    if step is None:
        return False
    typed = fold(value)
    return any(fold(ctx.translate(button.label)) == typed and button.code != code(step.id, intent)
               for row in step.buttons(state.answers, state.scratch, ctx) for button in row)


def _required(form: Form, state: FormState) -> bool:
    """Whether the current question may not be skipped."""
    step = form.step(state.step)
    return step is not None and not step.skippable(state.answers)


def _offers_skip(form: Form, state: FormState) -> bool:
    """Whether the current question shows Skip."""
    step = form.step(state.step)
    return step is not None and _may_skip(step, state)


def _offers_done(form: Form, state: FormState, ctx: FormContext) -> bool:
    """Whether the current question shows a Done button (a multiple choice, evidence once a file came)."""
    step = form.step(state.step)
    return step is not None and any(button.code == code(step.id, "done")
                                    for row in step.buttons(state.answers, state.scratch, ctx) for button in row)


def _doubt(step: Step, state: FormState, result: Answer | Stay) -> Answer | Stay:
    """A typed answer the step doubts held until it is confirmed: the question again, with the doubt and a button
    that confirms it. The same answer typed again confirms it too."""
    if not isinstance(result, Answer) or step.doubt is None:
        return result
    doubt = step.doubt(result.value, state.answers)
    held = _held_doubt(state)
    if doubt is None or (held is not None and held.value == result.value):
        return result
    return Stay({**_without_doubt(state), DOUBTED: {"value": result.value, "also": dict(result.also)}})


def fingerprint(value: Any) -> str:
    """A short code of a doubted value, for its ✅ (an amount's digits may not fit a button's 64 bytes)."""
    return hashlib.blake2s(json.dumps(value, sort_keys=True).encode(), digest_size=6).hexdigest()


def _held_doubt(state: FormState) -> Answer | None:
    """The doubted answer the step holds, if any."""
    held = state.scratch.get(DOUBTED)
    if not isinstance(held, dict) or "value" not in held:
        return None
    also = held.get("also")
    return Answer(held["value"], also=also if isinstance(also, dict) else {})


def _without_doubt(state: FormState) -> dict[str, Any]:
    return {key: value for key, value in state.scratch.items() if key != DOUBTED}


def _confirmed(step: Step, doubted: Answer, ctx: FormContext) -> Answer:
    return Answer(doubted.value, step.show(doubted.value, ctx), also=doubted.also)


def _on_code(form: Form, state: FormState, data: str, ctx: FormContext) -> Outcome:
    kind, _, rest = data.partition(":")
    step_id, _, action = rest.partition(":")
    older = step_id != state.step
    if kind == "f" and action == "cancel" and older and state.step != CONFIRM_CANCEL and (
            step_id == SUMMARY or form.step(step_id) is not None):  # Cancel on an older question of this form
        if _nothing_answered(form, state):
            return replace(_cancelled(state), in_place=False)
        confirm = replace(state, step=CONFIRM_CANCEL, resume=state.step)
        return Outcome(confirm, (prompt(form, confirm, ctx),))
    if kind == "f" and step_id == SUMMARY and state.reviewed is not None and state.step != CONFIRM_CANCEL and (
            action.startswith(("edit:", "full:"))):  # the summary an answer is being changed from: still its own
        return _on_reviewed_summary(form, state, action, ctx)
    if kind != "f" or step_id != state.step or not action:
        return Outcome(state, (prompt(form, state, ctx, (Text(STALE),)),))
    if step_id == CONFIRM_CANCEL:
        if action in ("yes", "cancel"):  # "cancel": /cancel typed again at the confirmation means it
            return _cancelled(state)
        back = unconfirmed(form, state)
        return Outcome(back, (prompt(form, back, ctx),), in_place=True)
    if action == "cancel":
        if _nothing_answered(form, state):
            return _cancelled(state)
        confirm = replace(state, step=CONFIRM_CANCEL, resume=state.step)
        return Outcome(confirm, (prompt(form, confirm, ctx),), in_place=True)
    if step_id == SUMMARY:
        return _on_summary(form, state, action, ctx)
    step = _step(form, step_id)
    if action == "back" and state.reviewed is not None:
        kept = _reviewed(form, state, step)
        return Outcome(kept, (prompt(form, kept, ctx, _dropped(form, state, kept)),))
    if action == "back":
        previous = _previous(form, state)
        moved = _back(form, state, step, previous) if previous else state
        return Outcome(moved, (prompt(form, moved, ctx),))
    if action == "help" and step.help:
        return Outcome(state, (prompt(form, state, ctx, (Text(step.help),)),))
    if action == "keep":
        taken = _kept(state, step, ctx)
        if taken is None:
            raise InvalidAnswerError(Text(NOT_OFFERED))
        return _apply(form, state, step, taken, ctx)
    if action.startswith("sure:"):  # the code carries its value's fingerprint: an older ✅ confirms only its own
        doubted = _held_doubt(state)
        if doubted is None or action != f"sure:{fingerprint(doubted.value)}":
            raise InvalidAnswerError(Text(STALE if doubted is not None else NOT_OFFERED))
        return _apply(form, state, step, _confirmed(step, doubted, ctx), ctx)
    if action == "same":
        value = _default(state, step)
        if value is None:
            raise InvalidAnswerError(Text(STALE))
        return _apply(form, state, step, Answer(value, step.show(value, ctx)), ctx)
    if action == "sameall":
        return _all_defaults(form, state, ctx)
    if action == "samegroup":
        group = _group(form, state, step)
        if not group:
            raise InvalidAnswerError(Text(STALE))
        values = {s.id: _default(state, s) for s in group}  # None: skipped last time, skipped again
        first = values.pop(step.id)
        lines = [Line(Text(s.label), s.show(value, ctx) if (value := values.get(s.id, first)) is not None
                      else Text(N_("(skipped)"))) for s in group]
        echo = Concat(tuple(part for line in lines for part in ("\n", line))[1:])
        return _apply(form, state, step, Answer(first, echo, also=values), ctx)
    if action == "skip":
        if not step.skippable(state.answers):
            raise InvalidAnswerError(Text(N_("This question cannot be skipped.")))
        if not _may_skip(step, state):  # a Skip of an earlier message, after files were sent: they are kept
            raise InvalidAnswerError(Text(STALE))
        return _apply(form, state, step, Answer(None), ctx)
    try:
        result = step.on_code(action, state.answers, state.scratch, ctx)
    except InvalidAnswerError as error:
        # steps refuse any code they do not offer as "an earlier question", but this code names the current
        # question (checked above): a value it does not offer, stale or forged, is not one of its options
        if error.message.msgid == STALE:
            raise InvalidAnswerError(Text(NOT_OFFERED)) from error
        raise
    return _apply(form, state, step, result, ctx)


def _may_skip(step: Step, state: FormState) -> bool:
    """Skip is offered unless the step holds input that skipping would drop (files sent before Done)."""
    holding = step.held(state.answers, state.scratch)
    return step.skippable(state.answers) and (holding is None or holding.value is None)


def _reviewed(form: Form, state: FormState, step: Step) -> FormState:
    """Back while changing an answer picked on the summary: the summary again, with the answers it showed; what the
    step holds of the person's input (files sent before Done) is kept as its answer, as Back keeps it."""
    answers = dict(state.reviewed or {})
    holding = step.held(state.answers, state.scratch)
    if holding is not None and step.applies(answers) and (
            holding.value is None or step.still_valid(holding.value, answers)):
        answers[step.id] = holding.value
        answers.update({key: value for key, value in holding.also.items()
                        if form.step(key) is not None and form.index(key) < form.index(step.id)})
    return replace(state, answers=answers, step=SUMMARY, scratch={}, editing=False, reviewed=None)


def _dropped(form: Form, changing: FormState, back: FormState) -> tuple[Label, ...]:
    """The note that Back to summary left changes already answered (a target date, then the end date it asked
    for): the summary shows the answers as they were, and "✓ 31 Dec 2030" a moment ago said otherwise."""
    left = tuple(Text(s.label) for s in form.steps if s.id in changing.answers
                 and changing.answers.get(s.id) != back.answers.get(s.id) and s.id != changing.step)
    if not left:
        return ()
    return (text(N_("Your change to {answers} was not kept: the summary shows your answers as they were."),
                 answers=Items(left)),)


def _on_reviewed_summary(form: Form, state: FormState, action: str, ctx: FormContext) -> Outcome:
    """A ✏️ or 📖 of the summary an answer is being changed from: another answer to change (this change is left,
    the answers kept as the summary showed them), or a long answer in full, the current question after it."""
    summary = replace(state, answers=dict(state.reviewed or {}), step=SUMMARY, scratch={}, editing=False,
                      reviewed=None)
    if action.startswith("edit:"):
        return _on_summary(form, summary, action, ctx)
    shown = _on_summary(form, summary, action, ctx)
    return Outcome(state, (*shown.replies[:-1], prompt(form, state, ctx)))


def _back(form: Form, state: FormState, step: Step, previous: Step) -> FormState:
    """The state after Back (not while changing an answer picked on the summary: `_reviewed`): what the step holds is
    kept as its answer; an edit stays one (a missing answer asked at submit: the next answer returns to the summary);
    steps answered ahead by a later one are asked again on the way, since the answer that filled them may change
    ("300 schools" filled the unit)."""
    answers = dict(state.answers)
    holding = step.held(state.answers, state.scratch)
    if holding is not None:
        answers[step.id] = holding.value
        answers.update({key: value for key, value in holding.also.items()  # an earlier answer it revises
                        if form.step(key) is not None and form.index(key) < form.index(step.id)})
    if PREFILLED in answers:
        kept = [key for key in answers[PREFILLED] or [] if form.step(key) is not None
                and form.index(key) < form.index(previous.id)]
        if kept:
            answers[PREFILLED] = kept
        else:
            del answers[PREFILLED]
    return replace(state, answers=answers, step=previous.id, scratch={})


def _all_defaults(form: Form, state: FormState, ctx: FormContext) -> Outcome:
    """Take every default that still fits, then ask what is missing or show the summary."""
    answers = dict(state.answers)
    defaults = answers.get(DEFAULTS) or {}
    for step in form.steps:
        if step.id not in answers and step.applies(answers):
            value = _default(replace(state, answers=answers), step)
            if value is not None:
                answers[step.id] = value
            elif isinstance(defaults, dict) and step.id in defaults and step.skippable(answers):
                answers[step.id] = None  # skipped last time: skipped again
    missing = _first_missing(form, answers)
    moved = replace(state, answers=answers, scratch={}, step=missing or SUMMARY, editing=True,
                    reviewed=None if missing is None else state.reviewed)
    if missing is None and not form.summary:
        return Outcome(moved, (), Status.done)
    return Outcome(moved, (prompt(form, moved, ctx),))


def _on_summary(form: Form, state: FormState, action: str, ctx: FormContext) -> Outcome:
    verb, _, target = action.partition(":")
    if verb == "edit":
        step = form.step(target)
        if step is None or not step.applies(state.answers):
            raise InvalidAnswerError(Text(STALE))
        moved = replace(state, step=step.id, scratch={}, editing=True, reviewed=dict(state.answers))
        return Outcome(moved, (prompt(form, moved, ctx),))
    if verb == "full":
        step = form.step(target)
        value = state.answers.get(target) if step is not None and step.applies(state.answers) else None
        pieces = step.whole(value, ctx) if step is not None and value is not None else ()
        if step is None or not pieces:
            raise InvalidAnswerError(Text(STALE))
        return Outcome(state, (*whole_text(Text(step.label), pieces), prompt(form, state, ctx)))
    if verb == "submit":
        missing = _first_missing(form, state.answers)
        if missing is not None:
            moved = replace(state, step=missing, editing=True)
            return Outcome(moved, (prompt(form, moved, ctx, (Text(N_("This answer is still missing.")),)),))
        return Outcome(state, (), Status.done)
    if verb == "back":
        last = applicable(form, state.answers)[-1]
        moved = replace(state, step=last.id, editing=False, reviewed=None)
        return Outcome(moved, (prompt(form, moved, ctx),))
    raise InvalidAnswerError(Text(N_("Use the buttons below: edit an answer or submit.")))


def _apply(form: Form, state: FormState, step: Step, result: Answer | Stay, ctx: FormContext) -> Outcome:
    if isinstance(result, Stay):
        line = state.scratch.get(ECHO)  # kept with the question for as long as it is asked (_kept_echo)
        kept = replace(state, scratch={**result.scratch, **({ECHO: line} if line is not None else {})})
        return Outcome(kept, (*result.before, prompt(form, kept, ctx, result.notes)), in_place=not result.before)
    answers = {**state.answers, step.id: result.value}
    answers.update({key: value for key, value in result.also.items()  # an earlier answer revised by this one
                    if form.step(key) is not None and form.index(key) < form.index(step.id)})
    for key in [key for key, value in result.also.items() if value == ASK_AGAIN and form.step(key) is not None
                and form.index(key) > form.index(step.id)]:  # to be asked again: this answer may change it
        answers.pop(key, None)
        if PREFILLED in answers:
            answers[PREFILLED] = [k for k in answers[PREFILLED] or [] if k != key]
    ahead = [key for key in result.also if (later_step := form.step(key)) is not None and result.also[key] != ASK_AGAIN
             and form.index(key) > form.index(step.id) and later_step.still_valid(result.also[key], answers)]
    if ahead:
        answers.update({key: result.also[key] for key in ahead})
        answers[PREFILLED] = sorted({*(answers.get(PREFILLED) or []), *ahead})
    later = form.steps[form.index(step.id) + 1:]
    for other in later:
        if other.id in answers and answers[other.id] is not None and not other.still_valid(answers[other.id], answers):
            del answers[other.id]
    following = _following(form, answers, step.id, state.editing)
    notes: tuple[Label, ...] = (Concat(("✓ ", result.echo)),) if result.echo is not None else ()
    if following is None:
        done = replace(state, answers=answers, scratch={}, step=SUMMARY, editing=False, reviewed=None)
        if form.summary:
            return Outcome(done, (prompt(form, done, ctx, notes),))
        return Outcome(done, (), Status.done)
    moved = replace(state, answers=answers, scratch={ECHO: label_to_json(notes[0])} if notes else {}, step=following)
    return Outcome(moved, (prompt(form, moved, ctx, notes),))


def echoed(state: FormState) -> tuple[Label, ...]:
    """The line that confirmed the previous answer above the current question, as kept in its state (ECHO)."""
    stored = state.scratch.get(ECHO)
    if stored is None:
        return ()
    try:
        return (label_from_json(stored),)
    except (ValueError, KeyError, TypeError, IndexError, ArithmeticError):  # not one this version wrote
        return ()


def _kept_echo(before: FormState, outcome: Outcome, on: str | None) -> Outcome:
    """A press answered by editing the question's message in place (a choice ticked, Cancel and its "No, continue")
    keeps the line that confirmed the previous answer above it: it was lost, and the chat no longer showed what was
    chosen (a tester). Only there: a question asked again below what was typed does not repeat it (a review), nor
    does a press on that message (🗑 on "Received: 2 items" showed the answer before the evidence, a tester)."""
    if not outcome.in_place or outcome.status is not Status.open or len(outcome.replies) != 1 \
            or _question_of(outcome.state) != _question_of(before) or not _asked_first(before, on):
        return outcome
    line = echoed(outcome.state)
    if not line:
        return outcome
    reply = outcome.replies[0]
    return replace(outcome, replies=(replace(reply, parts=(*line, *reply.parts)),))


def _asked_first(state: FormState, on: str | None) -> bool:
    """Whether the message pressed (outbox key `on`) is the one that first asked the current question, under the line
    that confirmed the previous answer: those after it in a row showing the same question asked it again without it.
    Not known (no key, a draft that kept no messages): taken as that one."""
    question = _question_of(state)
    run = [key for key, _ in itertools.takewhile(lambda shown: shown[1] == question, reversed(state.shown))]
    return on is None or not state.shown_all or on not in run[:-1]


def _question_of(state: FormState) -> str:
    """The question a state shows: the one a cancel waiting for its confirmation was pressed at, else its step."""
    return state.resume if state.step == CONFIRM_CANCEL and state.resume else state.step


def _following(form: Form, answers: dict[str, Any], after: str, editing: bool) -> str | None:
    if editing:
        return _first_missing(form, answers)
    # the steps after `after` in the form's order, which no longer applies itself when its answer revised an
    # earlier one (a pledge not complete after all: its status is no longer "Completed")
    rest = [s.id for s in applicable(form, answers) if form.index(s.id) > form.index(after)]
    ahead = set(answers.get(PREFILLED) or [])  # answered ahead of time: not asked again on the way
    return next((i for i in rest if i not in ahead or i not in answers), None)


def _first_missing(form: Form, answers: dict[str, Any]) -> str | None:
    for step in applicable(form, answers):
        if step.id not in answers or (answers[step.id] is None and not step.skippable(answers)):
            return step.id
    return None


def _previous(form: Form, state: FormState) -> Step | None:
    steps = applicable(form, state.answers)
    ids = [s.id for s in steps]
    position = ids.index(state.step) if state.step in ids else 0
    return steps[position - 1] if position > 0 else None


def _step(form: Form, step_id: str) -> Step:
    step = form.step(step_id)
    if step is None:
        raise InvalidAnswerError(Text(STALE))
    return step
