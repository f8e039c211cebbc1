"""Domain values of Partner2Connect: roles, sectors, focus areas, pledge and report vocabularies."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

MAX_RECORD_ID = 2**31 - 1
"""Record ids (and versions) are 32-bit integer columns on PostgreSQL: a larger number names no record (and
PostgreSQL's driver refuses it as a query parameter rather than find nothing)."""


class Role(StrEnum):
    """What a person may do with the bot; admin ⊃ staff ⊃ coordinator in what they may see."""

    focal_point = "focal_point"
    coordinator = "coordinator"
    staff = "staff"
    admin = "admin"

    @property
    def is_staff(self) -> bool:
        """True for BDT staff and admins."""
        return self in (Role.staff, Role.admin)


MEMBER_ROLES = frozenset({Role.focal_point, Role.coordinator})
"""The roles of an organisation's own people, who see its pledges, reports and evidence (staff see every one)."""


class Sector(StrEnum):
    """Stakeholder sector of a pledging entity (P2C's own classification)."""

    government = "government"
    private_sector = "private_sector"
    intl_regional_org = "intl_regional_org"
    un_agency = "un_agency"
    academia = "academia"
    civil_society = "civil_society"
    ifi = "ifi"
    donor_agency = "donor_agency"
    other = "other"


class EntityStatus(StrEnum):
    """Entities are validated by staff before their pledges are published."""

    pending = "pending"
    validated = "validated"
    rejected = "rejected"


class FocusArea(StrEnum):
    """The four focus areas of the P2C Action Framework (2022)."""

    access = "access"
    adoption = "adoption"
    value_creation = "value_creation"
    accelerate = "accelerate"


PILLARS: dict[FocusArea, tuple[str, ...]] = {
    FocusArea.access: ("infrastructure", "affordability", "cybersecurity"),
    FocusArea.adoption: ("skills", "digital_inclusion", "local_content_and_services"),
    FocusArea.value_creation: ("digital_innovation_and_entrepreneurship", "other"),
    FocusArea.accelerate: ("innovative_financing", "project_viability", "investor_constellation"),
}


class PledgeType(StrEnum):
    """Kinds of P2C pledge."""

    financial = "financial"
    programmatic = "programmatic"
    policy = "policy"
    advocacy = "advocacy"


class PledgeStatus(StrEnum):
    """Lifecycle: draft → submitted → validated | changes_requested | rejected; validated → completed | withdrawn."""

    draft = "draft"
    submitted = "submitted"
    validated = "validated"
    changes_requested = "changes_requested"
    rejected = "rejected"
    completed = "completed"
    withdrawn = "withdrawn"


PLEDGE_TRANSITIONS: dict[PledgeStatus, frozenset[PledgeStatus]] = {
    PledgeStatus.draft: frozenset({PledgeStatus.submitted}),
    PledgeStatus.submitted: frozenset(
        {PledgeStatus.validated, PledgeStatus.changes_requested, PledgeStatus.rejected, PledgeStatus.withdrawn}
    ),
    PledgeStatus.changes_requested: frozenset({PledgeStatus.submitted, PledgeStatus.withdrawn}),
    PledgeStatus.validated: frozenset({PledgeStatus.completed, PledgeStatus.withdrawn}),
    PledgeStatus.rejected: frozenset(),
    PledgeStatus.completed: frozenset(),
    PledgeStatus.withdrawn: frozenset(),
}


class OutboxStatus(StrEnum):
    """Where an outbox row is: waiting, taken by a delivery worker, or done one way or another."""

    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    unreachable = "unreachable"
    """The person blocked the bot or the chat is gone: not retried."""
    cancelled = "cancelled"


class BroadcastStatus(StrEnum):
    """Lifecycle of a broadcast: scheduled → sending → done, or cancelled before it is done."""

    scheduled = "scheduled"
    sending = "sending"
    done = "done"
    cancelled = "cancelled"


class ReportingCadence(StrEnum):
    """How often a pledge reports progress (annual by default)."""

    annual = "annual"
    semi_annual = "semi_annual"
    quarterly = "quarterly"


class ReportStatus(StrEnum):
    """Status of a pledge as told in a progress report."""

    not_started = "not_started"
    in_progress = "in_progress"
    delayed = "delayed"
    completed = "completed"
    cancelled = "cancelled"


class ReviewStatus(StrEnum):
    """Where a progress report stands with BDT staff."""

    submitted = "submitted"
    acknowledged = "acknowledged"
    clarification_requested = "clarification_requested"


REVIEW_TRANSITIONS: dict[ReviewStatus, frozenset[ReviewStatus]] = {
    ReviewStatus.submitted: frozenset({ReviewStatus.acknowledged, ReviewStatus.clarification_requested}),
    ReviewStatus.clarification_requested: frozenset({ReviewStatus.submitted, ReviewStatus.acknowledged}),
    ReviewStatus.acknowledged: frozenset(),
}
"""Staff decide on a submitted report once; a report in clarification goes back to submitted when edited, or is
acknowledged as it is (the focal point may answer the question in a message to BDT rather than by editing it)."""


BENEFICIARY_GROUPS: tuple[str, ...] = (
    "women",
    "youth",
    "children",
    "persons_with_disabilities",
    "older_persons",
    "indigenous_peoples",
    "rural_remote",
    "refugees_displaced",
    "msmes",
    "schools",
    "general_public",
)

WSIS_ACTION_LINES: tuple[str, ...] = tuple(f"C{n}" for n in range(1, 12))
SDGS: tuple[int, ...] = tuple(range(1, 18))

LANGUAGES: tuple[str, ...] = ("ar", "en", "es", "fr", "ru", "zh")
"""The six official languages of the Union, in the order menus show them."""

LANGUAGE_NAMES: dict[str, str] = {
    "ar": "العربية",
    "zh": "中文",
    "en": "English",
    "fr": "Français",
    "ru": "Русский",
    "es": "Español",
}
"""Each language named in itself, as the /language buttons show it."""


class ThreadStatus(StrEnum):
    """A question to BDT: waiting for staff (open), waiting for the person (answered), or closed."""

    open = "open"
    answered = "answered"
    closed = "closed"


GOAL_USD = Decimal("100000000000")
"""P2C's goal: USD 100 billion of pledges."""


NOT_MINE, LATER = "not_mine", "later"
"""Why a person holds a pledge's reminders (reminder_hold.reason): it is not theirs any more, or later (until a
time)."""
