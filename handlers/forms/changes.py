"""What changed between two versions of a form's answers, one line per question: for staff reading a pledge or a
report edited after their request, and for a person whose edit came too late."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from handlers.forms.base import Form, FormContext, Step
from handlers.forms.steps import AmountStep, TextStep
from handlers.lengths import shorten
from handlers.messages import Concat, Items, Label, Line, Text, plural

DIFF_EXCERPT = 100
"""How much of an old and a new text a list of changes shows (the card shows the new one)."""
DIFF_ITEMS = 6
"""How many added and removed items of a list it names (the rest are counted)."""


def _same(step: Step, old: object, new: object) -> bool:
    if isinstance(step, AmountStep) and old is not None and new is not None:
        try:
            return Decimal(str(old)) == Decimal(str(new))  # 2500000 and 2500000.00 are one amount
        except InvalidOperation:
            return False
    return (old or None) == (new or None)


def _some(step: Step, values: Sequence[object], context: FormContext) -> Label:
    named: list[Label] = [step.show([value], context) for value in values[:DIFF_ITEMS]]
    if len(values) > DIFF_ITEMS:
        named.append(plural("{count} more", "{count} more", len(values) - DIFF_ITEMS))
    return Items(tuple(named))


def _difference(step: Step, old: object, new: object, context: FormContext) -> Label:
    if isinstance(old, list) or isinstance(new, list):  # what was added and what was removed, not both lists
        # codes as text (an SDG stored as 4 or "4" is one); a piece of evidence, a mapping, as it is
        before = [v if isinstance(v, dict) else str(v) for v in old] if isinstance(old, list) else []
        after = [v if isinstance(v, dict) else str(v) for v in new] if isinstance(new, list) else []
        added, removed = [v for v in after if v not in before], [v for v in before if v not in after]
        pieces: list[Label] = []
        if added:
            pieces += ["+ ", _some(step, added, context)]
        if removed:
            pieces += ["  − " if added else "− ", _some(step, removed, context)]
        return Concat(tuple(pieces))
    shown = [shorten(str(value), DIFF_EXCERPT) if isinstance(value, str) and isinstance(step, TextStep)
             else step.show(value, context) if value not in (None, "") else "—" for value in (old, new)]
    return Concat((shown[0], " → ", shown[1]))


def changed_ids(form: Form, before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    """The ids of the form's questions whose answer differs, in the form's order."""
    return [step.id for step in form.steps if not _same(step, before.get(step.id), after.get(step.id))]


def changed_fields(form: Form, before: Mapping[str, object], after: Mapping[str, object]) -> tuple[Label, ...]:
    """One line per question of the form whose answer differs: its name, the old value and the new one (for a
    list, what was added and removed)."""
    context = FormContext("en", date.min)  # the labels are translated when the message is rendered
    changed = set(changed_ids(form, before, after))
    return tuple(Line(Text(step.label), _difference(step, before.get(step.id), after.get(step.id), context))
                 for step in form.steps if step.id in changed)
