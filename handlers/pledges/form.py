"""The pledge form, declared as data: the questions of P2C's pledge, in the order a focal point answers them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from handlers.forms.base import Answers, Form
from handlers.forms.countries import CountryStep
from handlers.forms.steps import AmountStep, ChoiceStep, CountStep, DateStep, MultiChoiceStep, TextStep
from handlers.forms.units import TARGET_UNIT_COUNTS
from handlers.messages import N_, Label, Money, Number, text
from handlers.vocabulary import (
    BENEFICIARY_LABELS,
    FOCUS_AREA_LABELS,
    PILLAR_LABELS,
    PLEDGE_TYPE_LABELS,
    TARGET_UNIT_FORMS,
    TARGET_UNITS,
    WSIS_LABELS,
    labeller,
    sdg_label,
)
from models.values import BENEFICIARY_GROUPS, GOAL_USD, PILLARS, SDGS, WSIS_ACTION_LINES, FocusArea, PledgeType


def pillars_of(answers: Answers) -> tuple[str, ...]:
    """The pillars of the chosen focus area."""
    area = answers.get("focus_area")
    return PILLARS[FocusArea(area)] if isinstance(area, str) and area in FocusArea.__members__ else ()


def is_financial(answers: Answers) -> bool:
    """True for a financial pledge, whose value is required."""
    return answers.get("pledge_type") == PledgeType.financial


LARGE_SHARE_OF_GOAL = 10
"""A pledge worth this fraction of P2C's goal or more (a tenth: USD 10 billion) is asked about before it is taken."""


SMALL_FINANCIAL_PLEDGE = 1000
"""A financial pledge below this many US dollars (0, 0.01) is asked about before it is taken: most often a slip, or
an amount typed in millions without the word."""


def _value_doubt(value: Any, answers: Answers) -> Label | None:
    """A value of a tenth of P2C's whole goal or more: possible, but most often zeros too many; or one too small for
    a financial pledge."""
    amount = Decimal(str(value))
    if amount < SMALL_FINANCIAL_PLEDGE:
        return text(N_("{amount} is very little for a financial pledge. Is that right? If it is, tap ✅. If not, "
                       "type the amount again, for example 1.5 million."), amount=Money(amount))
    if amount * LARGE_SHARE_OF_GOAL < GOAL_USD:
        return None
    # the goal in words, as the digest says it ("1000 亿美元"): twelve digits are the figure's to show
    return text(N_("{amount} is a tenth or more of P2C's whole goal of USD 100 billion. Is that right? If it is, tap "
                   "✅. If not, type the amount again."), amount=Money(Decimal(str(value))))


PLEDGE_FORM = Form(
    id="pledge",
    title=N_("New pledge"),
    steps=(
        TextStep(id="title", label=N_("Title"), min_length=5, max_length=200,
                 question=N_("What is the title of your pledge? (up to 200 characters)"),
                 help=N_("A short name people will recognise, e.g. “Connect 500 rural schools in Senegal”.")),
        TextStep(id="description", label=N_("Description"), min_length=20, max_length=4000,
                 question=N_("Describe the pledge in a few sentences: what you will do, where and for whom."),
                 help=N_("ITU's pattern: “[we] will invest [amount] USD to reach [number] people in [countries] "
                         "by [date]”. Up to 4,000 characters.")),
        ChoiceStep(id="focus_area", label=N_("Focus area"), choices=tuple(FocusArea), columns=1,
                   label_of=labeller(FOCUS_AREA_LABELS),
                   question=N_("Which focus area of the P2C Action Framework does it serve?")),
        MultiChoiceStep(id="pillars", label=N_("Pillars"), choices=pillars_of, label_of=labeller(PILLAR_LABELS),
                        columns=1, question=N_("Which pillars? Tap all that apply, then Done.")),
        ChoiceStep(id="pledge_type", label=N_("Type"), choices=tuple(PledgeType), label_of=labeller(PLEDGE_TYPE_LABELS),
                   question=N_("What type of pledge is it?"),
                   help=N_("Financial: money invested or lent. Programmatic: projects and services. Policy: "
                           "regulatory or policy commitments. Advocacy: awareness and mobilisation.")),
        AmountStep(id="value_usd", label=N_("Value (USD)"), optional=lambda a: not is_financial(a), doubt=_value_doubt,
                   question=N_("What is its value in US dollars? For example 1.5 million or {example}."),
                   params=lambda _answers: {"example": Number(250_000)}),
        CountryStep(id="countries", label=N_("Countries"), multi=True,
                    question=N_("Where will it be implemented? Type a country's name (any language), or tap "
                                "a group, then Done.")),
        MultiChoiceStep(id="beneficiary_groups", label=N_("Beneficiaries"), choices=BENEFICIARY_GROUPS,
                        label_of=labeller(BENEFICIARY_LABELS), question=N_("Who will benefit? Tap all that apply, "
                                                                           "then Done.")),
        CountStep(id="target_value", label=N_("Target"), minimum=1, maximum=10**12, unit_step="target_unit",
                  units=TARGET_UNITS, unit_forms=TARGET_UNIT_FORMS, unit_counts=TARGET_UNIT_COUNTS,
                  question=N_("What is the target, as a number? For example 2 million (people) or 500 (schools).")),
        ChoiceStep(id="target_unit", label=N_("Target unit"), choices=tuple(TARGET_UNITS),
                   label_of=labeller(TARGET_UNITS), question=N_("The target counts what?")),
        # start ≤ target date ≤ end, each checked when the later of the two is answered (rules.check_answers
        # checks them all again before submitting, and says which date to change)
        DateStep(id="target_date", label=N_("Target date"), not_past=True,
                 question=N_("By when will the target be reached?")),
        DateStep(id="start_date", label=N_("Start date"), not_after="target_date", opening=True,
                 question=N_("When does (or did) the pledge start?"),
                 quick=lambda today: ((str(today.year), today.replace(month=1, day=1)),
                                      ("today", today))),
        DateStep(id="end_date", label=N_("End date"), not_before="target_date", not_past=True,
                 question=N_("When will it end?")),
        MultiChoiceStep(id="sdgs", label=N_("SDGs"), choices=tuple(str(n) for n in SDGS), label_of=sdg_label,
                        columns=4, optional=True, question=N_("Which Sustainable Development Goals does it support? "
                                                              "(optional)")),
        MultiChoiceStep(id="wsis_action_lines", label=N_("WSIS action lines"), choices=WSIS_ACTION_LINES,
                        label_of=labeller(WSIS_LABELS), columns=2, optional=True,
                        question=N_("Which WSIS action lines does it contribute to? (optional)")),
    ),
)
