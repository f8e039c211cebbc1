"""Writing a message of a question thread: text in one or several messages, photos and documents, then Send.

One form with one step serves the five ways in: /ask, free text offered as a question ("Send this to the P2C
team?", also for a reply to a broadcast, `$broadcast`, or on a closed question, `$follows`), free text offered for
the report BDT asked about, a staff answer (Answer button; `$held` while a colleague has the question: what is
written waits for the take-over, which the journey's facts offer; `closed` when its question closed while it was
written: 📨 Send it anyway) and the person's reply (Reply button). The step keeps
what was written so far in its working memory, and how many texts it refused as too long (said above Send until it
is pressed); Send ends the form with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from handlers.forms.base import Answer, Answers, Form, FormContext, InvalidAnswerError, Stay, Step, StepResult, Upload
from handlers.forms.steps import has_letters
from handlers.lengths import shorten
from handlers.messages import N_, Button, Code, Label, Line, Text, plural, text

MAX_TEXT = 3000
"""Characters of a thread message: its copy to staff (with who asked and their pledges) stays one message, and
QuestionMessage.text holds 4,000. A longer text goes as a document."""
MAX_FILES = 10
STEP = "message"

HELD = N_("An answer you write is kept until you take the question over.")
"""Said of an answer to a question a colleague has: it waits in its composer for the take-over."""
CLOSED = N_("Question {ref} is closed: 📨 Send it anyway sends your answer to the person who asked it, and the "
           "question stays closed.")
"""Said in the composer of an answer whose question closed while it was written (by its asker, say)."""
QUESTIONS = {
    "ask": N_("Write your question to the P2C team at BDT. You may add photos or documents. Press Send when it "
              "is complete."),
    "offer": N_("Send this to the P2C team at BDT as a question? You may add text, photos or documents first."),
    "report": N_("Is this for that report? Press ✏️ Add to the report to put it in the report's answers, or 📨 Send "
                 "to BDT to send it to the P2C team as a message about the report. A question on something else: "
                 "send /ask."),
    "answer": N_("Write your answer to question {ref}: the person reads it as you write it. Press Send when it is "
                 "complete."),
    "held": N_("Write your answer to question {ref}: the person reads it as you write it."),
    "reply": N_("Write your reply on question {ref}. You may add photos or documents. Press Send when it is "
                "complete."),
    "follows": N_("Question {ref} is closed. Send this to the P2C team at BDT as a new question? You may add text, "
                  "photos or documents first."),
}


def thread_ref(thread_id: int) -> Code:
    """A thread as people refer to it: Q-12."""
    return Code(f"Q-{thread_id}")


def age(delta: timedelta) -> Text:
    """How long, in the largest whole unit: minutes, hours or days (under a minute: "less than a minute")."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 1:
        return Text(N_("less than a minute"))
    if minutes < 60:
        return plural("{count} minute", "{count} minutes", minutes)
    if minutes < 48 * 60:
        return plural("{count} hour", "{count} hours", minutes // 60)
    return plural("{count} day", "{count} days", minutes // (24 * 60))


def content_of(answers: Answers, scratch: Mapping[str, Any]) -> dict[str, Any]:
    """What was written so far: {"text": str, "files": [{"kind", "file_id", "name"}]}."""
    held = _held(answers, scratch)
    return {"text": str(held.get("text", "")), "files": list(held.get("files", []))}


def refused_of(answers: Answers, scratch: Mapping[str, Any]) -> int:
    """How many texts of this message were refused as too long (they are not in it)."""
    return int(_held(answers, scratch).get("refused", 0))


def _held(answers: Answers, scratch: Mapping[str, Any]) -> Mapping[str, Any]:
    held = scratch if "text" in scratch else answers.get("$start") or {}
    return held if isinstance(held, Mapping) else {}


def too_long_note(written: int) -> Label:
    """The refusal of a text over MAX_TEXT, and the ways that work: a document, or a shorter text."""
    return plural("Too long: one message holds at most {count} character, and this would make {written}. It "
                  "was not kept. Send a long text as a document (a file), or shorten it: your text is still in this "
                  "chat to copy.",
                  "Too long: one message holds at most {count} characters, and this would make {written}. It "
                  "was not kept. Send a long text as a document (a file), or shorten it: your text is still in this "
                  "chat to copy.", MAX_TEXT, written=written)


@dataclass(frozen=True, kw_only=True)
class MessageStep(Step):
    """Text and files gathered until Send; the answer is the gathered content."""

    says_anything: ClassVar[bool] = True  # "I don't know" may be the whole of a reply

    def ask(self, answers: Answers) -> Text:
        """The instruction of this way in (a new question, an offer, one following a closed question, an answer or a
        reply)."""
        mode = str(answers.get("$mode", "ask"))
        if mode == "offer" and answers.get("$follows"):  # a reply on a closed question: one prompt says both
            return text(QUESTIONS["follows"], ref=thread_ref(int(answers["$follows"])))
        if mode == "answer" and answers.get("$held"):  # no Send while a colleague has it: the take-over comes first
            mode = "held"
        return text(QUESTIONS.get(mode, QUESTIONS["ask"]), ref=thread_ref(int(answers.get("$thread") or 0)))

    def begun(self, answers: Answers, scratch: Mapping[str, Any]) -> bool:
        """A text or a file written, in this session or kept from an earlier one (the hidden "$start": an answer
        opened again, held for a take-over, a message offered as a question)."""
        content = content_of(answers, scratch)
        return bool(content["text"] or content["files"])

    def lines(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> tuple[Label, ...]:
        """Who has the question, for an answer held for its take-over; what was written so far, shortened, and how
        many files go with it."""
        content = content_of(answers, scratch)
        shown: list[Label] = []
        if (held_by := ctx.facts.get("held_by")) is not None:
            ref = thread_ref(int(answers.get("$thread") or 0))
            shown += [text(N_("Question {ref} was taken by {person}."), ref=ref, person=held_by), Text(HELD)]
        if ctx.facts.get("closed"):  # closed since it opened (by its asker, say): the answer can still go
            shown.append(text(CLOSED, ref=thread_ref(int(answers.get("$thread") or 0))))
        if content["text"]:
            shown.append(Line(Text(N_("Your message so far")), shorten(content["text"])))
        if content["files"]:
            shown.append(plural("{count} file attached.", "{count} files attached.", len(content["files"])))
        if (content["text"] or content["files"]) and (refused := refused_of(answers, scratch)):  # above Send
            shown.append(plural("⚠️ {count} text you sent was too long: it is not in this message.",
                                "⚠️ {count} texts you sent were too long: they are not in this message.", refused))
        return tuple(shown)

    def buttons(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> list[list[Button]]:
        """Send, once there is something to send (for a report BDT asked about: Add to the report, or Send); for an
        answer held while a colleague has its question, the take-over instead."""
        if isinstance(take_over := ctx.facts.get("take_over"), Button):
            return [[take_over]]
        content = content_of(answers, scratch)
        if not content["text"] and not content["files"]:
            return []
        if ctx.facts.get("closed"):
            return [[Button(Text(N_("📨 Send it anyway")), f"f:{self.id}:anyway")]]
        if answers.get("$mode") == "report":
            return [[Button(Text(N_("✏️ Add to the report")), f"f:{self.id}:report")],
                    [Button(Text(N_("📨 Send to BDT")), f"f:{self.id}:send")]]
        return [[Button(Text(N_("📨 Send")), f"f:{self.id}:send")]]

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Add the text to what was written so far."""
        if value.startswith("/"):
            raise InvalidAnswerError(Text(N_("Commands are not answers. Please type your answer.")))
        if not has_letters(value):
            raise InvalidAnswerError(Text(N_("Please answer with words, not only symbols or emoji.")))
        return self._add(answers, scratch, value.strip(), None, held="held_by" in ctx.facts)

    def on_upload(self, upload: Upload, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Add the file (and the text sent with it) to what was written so far."""
        return self._add(answers, scratch, upload.caption.strip(),
                         {"kind": upload.kind, "file_id": upload.file_id, "name": upload.name},
                         held="held_by" in ctx.facts)

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Send (or, for a report BDT asked about, Add to the report): the gathered content is the answer."""
        content = content_of(answers, scratch)
        into_report = code == "report" and answers.get("$mode") == "report"
        closed = bool(ctx.facts.get("closed"))
        if code == "send" and closed:  # a Send shown before the question closed: the composer says it now
            raise InvalidAnswerError(text(N_("Question {ref} is closed."),
                                          ref=thread_ref(int(answers.get("$thread") or 0))))
        if (code != "send" and not into_report and not (code == "anyway" and closed)) or \
                (not content["text"] and not content["files"]):
            raise InvalidAnswerError(Text(N_("That button belongs to an earlier question. Here is the current one.")))
        if code == "anyway":
            return Answer({**content, "anyway": True})
        return Answer({**content, "into_report": True} if into_report else content)

    def _add(self, answers: Answers, scratch: Mapping[str, Any], more: str, file: dict[str, Any] | None, *,
             held: bool) -> Stay:
        content, refused = content_of(answers, scratch), refused_of(answers, scratch)
        joined = f"{content['text']}\n\n{more}" if content["text"] and more else content["text"] or more
        # held for a take-over there is no Send yet: the question says why the answer waits
        note: Label | None = None if held else Text(N_("Added. Send it when it is complete."))
        if len(joined) > MAX_TEXT:  # the text so far is kept (a file too), the refusal said above Send until sent
            joined, refused, note = content["text"], refused + 1, too_long_note(len(joined))
        files = content["files"] + ([file] if file else [])
        if len(files) > MAX_FILES:
            raise InvalidAnswerError(plural("At most {count} file can go with one message.",
                                            "At most {count} files can go with one message.", MAX_FILES))
        return Stay({"text": joined, "files": files, "refused": refused}, (note,) if note is not None else ())

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The message's text, shortened."""
        return shorten(str(value.get("text", ""))) if isinstance(value, dict) else str(value)


COMPOSE_FORM = Form(id="question", title=N_("Question to BDT"), summary=False, numbered=False,
                    steps=(MessageStep(id=STEP, label=N_("Message"), question=QUESTIONS["ask"]),))


def offered_for_report(draft_state: Mapping[str, Any], report_id: int) -> bool:
    """True when a draft of COMPOSE_FORM (its stored state) is the offer of a typed message for this report, on
    which BDT asked a clarification: the report's edit, opened any way, replaces that offer."""
    answers = draft_state.get("answers", {})
    return bool(answers.get("$mode") == "report" and answers.get("$report") == report_id)


def given_back(content: Mapping[str, Any]) -> tuple[Label, ...]:
    """An unsent message's text as written, and how many files it had: given back, so that nothing is lost."""
    files = list(content.get("files") or [])
    return (*((Line(Text(N_("Your message so far")), str(content["text"])),) if content.get("text") else ()),
            *((plural("{count} file attached.", "{count} files attached.", len(files)),) if files else ()))
