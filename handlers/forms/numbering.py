"""How far along a form is: "Question n of total", whose total must not grow as the person answers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from handlers.forms.base import Form, Step


class _Reading(Mapping[str, Any]):
    """Answers that note which of them a step's condition reads."""

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.answers, self.read = answers, set[str]()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return self.answers[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.answers)

    def __len__(self) -> int:
        return len(self.answers)


def counted(form: Form, answers: Mapping[str, Any], current: str) -> list[Step]:
    """The steps "Question n of total" counts: those asked given the answers, and those that may still come because
    their condition reads an answer not given yet (the share of women, until people reached is answered), so that
    the total only shrinks, when an answer rules a question out."""
    steps: list[Step] = []
    pending: set[str] = set()  # counted, and not answered yet (or being changed)
    for step in form.steps:
        reading = _Reading(answers)
        if step.when is None or step.when(reading) or reading.read & pending:
            steps.append(step)
            if step.id not in answers or step.id == current:
                pending.add(step.id)
    return steps
