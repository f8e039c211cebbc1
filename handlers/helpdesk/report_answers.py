"""A message typed for the report on which BDT asked a clarification, put into that report's answers: its text at
the end of what was done ("Steps taken"), its files with the evidence."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.forms.base import InvalidAnswerError
from handlers.forms.steps import TextStep
from handlers.lengths import shorten
from handlers.messages import N_, Label, Text, plural, text
from handlers.reports.form import MAX_EVIDENCE, REPORT_FORM

STEPS_TAKEN, EVIDENCE = "steps_taken", "evidence"
"""The report's answers a message offered for it goes into: its text after what was done, its files with the
evidence."""
QUOTED = 300
"""How much of the message the note saying where it went quotes (UTF-16 units)."""


def with_message(answers: Mapping[str, Any], content: Mapping[str, Any]) -> dict[str, Any]:
    """The report's answers that change when a message offered for it goes in: its text after the steps taken (a
    blank line between), its files after the evidence (a file there already counts once); InvalidAnswerError, saying
    what to do instead, when they would not fit."""
    changes: dict[str, Any] = {}
    written = str(content.get("text") or "").strip()
    if written:
        before = str(answers.get(STEPS_TAKEN) or "").strip()
        joined = f"{before}\n\n{written}" if before else written
        step = _steps_taken()
        if len(joined) > step.max_length:
            raise InvalidAnswerError(plural(
                "This does not fit in the report: “{field}” holds at most {count} character, and with your message "
                "it would hold {written}. Press 📨 Send to BDT to send it to the P2C team as a message about the "
                "report.",
                "This does not fit in the report: “{field}” holds at most {count} characters, and with your message "
                "it would hold {written}. Press 📨 Send to BDT to send it to the P2C team as a message about the "
                "report.",
                step.max_length, field=Text(step.label), written=len(joined)))
        changes[STEPS_TAKEN] = joined
    items: list[dict[str, Any]] = list(answers.get(EVIDENCE) or [])
    known = {str(item.get("file_id")) for item in items if item.get("kind") != "link"}
    for file in content.get("files") or []:
        if str(file.get("file_id")) not in known:
            known.add(str(file.get("file_id")))
            items.append({"kind": file.get("kind") or "document", "file_id": file.get("file_id"),
                          "name": (file.get("name") or "")[:200] or None})
    if len(items) > MAX_EVIDENCE:
        raise InvalidAnswerError(plural(
            "This does not fit in the report: it holds at most {count} piece of evidence, and with your files it "
            "would hold {written}. Press 📨 Send to BDT to send it to the P2C team as a message about the report.",
            "This does not fit in the report: it holds at most {count} pieces of evidence, and with your files it "
            "would hold {written}. Press 📨 Send to BDT to send it to the P2C team as a message about the report.",
            MAX_EVIDENCE, written=len(items)))
    if items != list(answers.get(EVIDENCE) or []):
        changes[EVIDENCE] = items
    return changes


def added_note(content: Mapping[str, Any]) -> tuple[Label, ...]:
    """Where the message went in the report, and that nothing is sent before Submit."""
    parts: list[Label] = []
    if content.get("text"):
        parts.append(text(N_("Your message is added at the end of “{field}”: “{message}”"),
                          field=Text(_steps_taken().label),
                          message=shorten(str(content["text"]), QUOTED)))
    if content.get("files"):
        parts.append(plural("{count} file is added to the evidence.", "{count} files are added to the evidence.",
                            len(content["files"])))
    parts.append(Text(N_("Check the report below and change what you need with ✏️: it goes to BDT only when you "
                         "press ✅ Submit.")))
    return tuple(parts)


def _steps_taken() -> TextStep:
    """The report's question on what was done, which a message offered for the report is added to."""
    step = REPORT_FORM.step(STEPS_TAKEN)
    assert isinstance(step, TextStep)
    return step
