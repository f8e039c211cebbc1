"""Writing a message of a question thread: text in one or several messages, photos and documents, then Send.

One form with one step serves the four ways in: /ask, free text offered as a question ("Send this to the P2C
team?"), a staff answer (Answer button) and the person's reply (Reply button). The step keeps what was written
so far in its working memory; Send ends the form with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from handlers.forms.base import Answer, Answers, Form, FormContext, InvalidAnswerError, Stay, Step, StepResult, Upload
from handlers.forms.steps import has_letters
from handlers.lengths import shorten
from handlers.messages import N_, Button, Code, Label, Line, Text, plural, text

MAX_TEXT = 3000
"""Characters of a thread message: its copy to staff (with who asked and their pledges) stays one message."""
MAX_FILES = 10
STEP = "message"

QUESTIONS = {
    "ask": N_("Write your question to the P2C team at BDT. You may add photos or documents. Press Send when it "
              "is complete."),
    "offer": N_("Send this to the P2C team at BDT as a question? You may add text, photos or documents first."),
    "answer": N_("Write your answer to question {ref}: the person reads it as you write it. Press Send when it is "
                 "complete."),
    "reply": N_("Write your reply on question {ref}. You may add photos or documents. Press Send when it is "
                "complete."),
}


def thread_ref(thread_id: int) -> Code:
    """A thread as people refer to it: Q-12."""
    return Code(f"Q-{thread_id}")


def content_of(answers: Answers, scratch: Mapping[str, Any]) -> dict[str, Any]:
    """What was written so far: {"text": str, "files": [{"kind", "file_id", "name"}]}."""
    held = scratch if "text" in scratch else answers.get("$start") or {}
    return {"text": str(held.get("text", "")), "files": list(held.get("files", []))}


@dataclass(frozen=True, kw_only=True)
class MessageStep(Step):
    """Text and files gathered until Send; the answer is the gathered content."""

    def ask(self, answers: Answers) -> Text:
        """The instruction of this way in (a new question, an offer, an answer or a reply)."""
        mode = str(answers.get("$mode", "ask"))
        return text(QUESTIONS.get(mode, QUESTIONS["ask"]), ref=thread_ref(int(answers.get("$thread") or 0)))

    def lines(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> tuple[Label, ...]:
        """What was written so far, shortened, and how many files go with it."""
        content = content_of(answers, scratch)
        shown: list[Label] = []
        if content["text"]:
            shown.append(Line(Text(N_("Your message so far")), shorten(content["text"])))
        if content["files"]:
            shown.append(plural("{count} file attached.", "{count} files attached.", len(content["files"])))
        return tuple(shown)

    def buttons(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> list[list[Button]]:
        """Send, once there is something to send."""
        content = content_of(answers, scratch)
        if not content["text"] and not content["files"]:
            return []
        return [[Button(Text(N_("📨 Send")), f"f:{self.id}:send")]]

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Add the text to what was written so far."""
        if value.startswith("/"):
            raise InvalidAnswerError(Text(N_("Commands are not answers. Please type your answer.")))
        if not has_letters(value):
            raise InvalidAnswerError(Text(N_("Please answer with words, not only symbols or emoji.")))
        return self._add(answers, scratch, value.strip(), None)

    def on_upload(self, upload: Upload, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Add the file (and the text sent with it) to what was written so far."""
        return self._add(answers, scratch, upload.caption.strip(),
                         {"kind": upload.kind, "file_id": upload.file_id, "name": upload.name})

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Send: the gathered content is the answer."""
        content = content_of(answers, scratch)
        if code != "send" or (not content["text"] and not content["files"]):
            raise InvalidAnswerError(Text(N_("That button belongs to an earlier question. Here is the current one.")))
        return Answer(content)

    def _add(self, answers: Answers, scratch: Mapping[str, Any], more: str, file: dict[str, Any] | None) -> Stay:
        content = content_of(answers, scratch)
        joined = f"{content['text']}\n\n{more}" if content["text"] and more else content["text"] or more
        if len(joined) > MAX_TEXT:
            raise InvalidAnswerError(plural("Too long: please keep it under {count} character (you wrote {written}).",
                                            "Too long: please keep it under {count} characters (you wrote {written}).",
                                            MAX_TEXT, written=len(joined)))
        files = content["files"] + ([file] if file else [])
        if len(files) > MAX_FILES:
            raise InvalidAnswerError(plural("At most {count} file can go with one message.",
                                            "At most {count} files can go with one message.", MAX_FILES))
        return Stay({"text": joined, "files": files}, (Text(N_("Added. Send it when it is complete.")),))

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The message's text, shortened."""
        return shorten(str(value.get("text", ""))) if isinstance(value, dict) else str(value)


COMPOSE_FORM = Form(id="question", title=N_("Question to BDT"), summary=False, numbered=False,
                    steps=(MessageStep(id=STEP, label=N_("Message"), question=QUESTIONS["ask"]),))
