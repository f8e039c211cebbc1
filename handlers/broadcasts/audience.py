"""Audiences of broadcasts: segments as tokens, combined (any within a kind, all across kinds)."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date

from handlers.forms import countries
from handlers.language import negotiate
from handlers.messages import N_, Label, Text
from handlers.pledges.rules import next_report_due
from handlers.vocabulary import FOCUS_AREA_LABELS, SECTOR_LABELS
from models.database import Session
from models.repositories.contacts import Contacts
from models.repositories.drafts import Drafts
from models.repositories.pledges import Countries, Pledges
from models.repositories.reports import Reports
from models.tables import Contact, Country, Entity
from models.values import LANGUAGE_NAMES, LANGUAGES, MEMBER_ROLES, EntityStatus, FocusArea, Role, Sector

log = logging.getLogger(__name__)

EVERYONE = "everyone"
# The same names as the country step's shortcuts, keyed by the segments' lower-case codes.
REGION_LABELS = {region.value: label for region, label in countries.REGION_LABELS.items()}
ITU_REGIONS = tuple(REGION_LABELS)
ROLE_SEGMENT_LABELS: dict[str, str] = {
    Role.focal_point: N_("Focal points"),
    Role.coordinator: N_("Coordinators"),
    Role.staff: N_("BDT staff members"),
    Role.admin: N_("Administrators"),
}
"""role:<r>: people with the role, named as a group and capitalised like the other segments (handlers.vocabulary's
ROLE_LABELS name one person's role within a sentence: "focal point")."""
GROUP_LABELS = {
    "ldc": N_("🏢 Organisations based in LDCs"),
    "lldc": N_("🏢 Organisations based in LLDCs"),
    "sids": N_("🏢 Organisations based in SIDS"),
}
"""group:<g>: people of organisations whose home country is in the group."""
TARGET_LABELS = {
    "ldc": N_("🎯 Pledges that target LDCs"),
    "lldc": N_("🎯 Pledges that target LLDCs"),
    "sids": N_("🎯 Pledges that target SIDS"),
}
"""targets:<g>: people of organisations with a live pledge (not a draft, rejected or withdrawn) implemented in at
least one country of the group, wherever the organisation itself is based."""

SEGMENTS: tuple[str, ...] = (
    EVERYONE,
    *(f"role:{r}" for r in Role),
    *(f"sector:{s}" for s in Sector),
    *(f"group:{g}" for g in GROUP_LABELS),
    *(f"targets:{g}" for g in TARGET_LABELS),
    *(f"itu:{r}" for r in ITU_REGIONS),
    *(f"focus:{f}" for f in FocusArea),
    *(f"lang:{code}" for code in LANGUAGES),
    "overdue",
    "draft",
)


def segment_label(token: str) -> Label:
    """How a segment is named on its button."""
    kind, _, value = token.partition(":")
    table: dict[str, dict[str, str]] = {"role": ROLE_SEGMENT_LABELS, "sector": SECTOR_LABELS, "group": GROUP_LABELS,
                                        "targets": TARGET_LABELS, "itu": REGION_LABELS, "focus": FOCUS_AREA_LABELS}
    if kind in table and value in table[kind]:
        return Text(table[kind][value])
    if kind == "lang" and value in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[value]
    named = {EVERYONE: N_("👥 Everyone"), "overdue": N_("⏰ Overdue report"), "draft": N_("📝 Pledge in draft")}
    # a code this release does not know is shown as it is stored, never as "Everyone" (a review)
    return Text(named[token]) if token in named else f"❓ {token}"


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a broadcast reaches: reachable contacts, how many are unreachable, and their languages."""

    contacts: list[Contact]
    unreachable: int
    languages: Counter[str]


def unknown_segments(tokens: list[str]) -> list[str]:
    """The segments this release does not know (renamed since a draft or a scheduled broadcast held them)."""
    return [token for token in tokens if token not in SEGMENTS]


async def resolve(session: Session, tokens: list[str], today: date, default_locale: str) -> Audience:
    """The contacts in the audience (everyone with a role and consent, filtered by the segments); nobody when a
    segment is one this release does not know (a draft or a scheduled broadcast made before it was renamed): it was
    dropped, and the broadcast went to everyone (a review)."""
    if unknown := unknown_segments(tokens):
        log.warning("a broadcast's audience has segments this release does not know (%s): it reaches nobody",
                    ", ".join(unknown)[:200])
        return Audience([], 0, Counter())
    rows = await Contacts(session).with_roles()
    kinds: dict[str, set[str]] = {}
    for token in tokens:
        if token != EVERYONE:
            kind, _, value = token.partition(":")
            kinds.setdefault(kind, set()).add(value)
    countries = await Countries(session).all() if kinds.keys() & {"group", "itu"} else {}
    focus = await Pledges(session).focus_areas() if "focus" in kinds else {}
    targeting = await Pledges(session).entities_targeting(today) if "targets" in kinds else {}
    overdue = await _overdue_entities(session, today) if "overdue" in kinds else set()
    drafting = await Drafts(session).contacts_drafting("pledge") if "draft" in kinds else set()
    facts = Facts(countries, focus, overdue, drafting, default_locale, targeting, today)
    # announcements are not essential: a person who withdrew that consent (/settings) is not in any audience; nor is
    # the focal point of an organisation BDT rejected, which is no part of the Coalition
    chosen = [contact for contact, entity in rows if contact.consent_withdrawn_at is None
              and (entity is None or contact.role not in MEMBER_ROLES or entity.status != EntityStatus.rejected)
              and all(_matches(kind, values, contact, entity, facts) for kind, values in kinds.items())]
    reachable = [c for c in chosen if not c.blocked]
    languages = Counter(negotiate(c.language, c.telegram_language, default_locale) for c in reachable)
    return Audience(reachable, len(chosen) - len(reachable), languages)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the segments are checked against, loaded once per resolution."""

    countries: dict[str, Country]
    focus: dict[int, set[str]]
    overdue: set[int]
    drafting: set[int]
    default_locale: str
    targeting: dict[str, set[int]]
    """Per group (ldc, lldc, sids), the entities with a live pledge that targets it."""
    today: date
    """The day the groups are read on (a country that left the LDCs is none of them from that day on)."""


def _matches(kind: str, values: set[str], contact: Contact, entity: Entity | None, facts: Facts) -> bool:
    country = facts.countries.get(entity.country_iso3 or "") if entity else None
    if kind == "role":
        return contact.role in values
    if kind == "lang":
        return negotiate(contact.language, contact.telegram_language, facts.default_locale) in values
    if kind == "draft":
        return contact.id in facts.drafting
    if entity is None or (contact.role in MEMBER_ROLES and entity.status != EntityStatus.validated):
        return False  # a trait of the Coalition's organisations: not of one BDT has not validated (yet)
    if kind == "sector":
        return entity.sector in values
    if kind == "focus":
        return bool(facts.focus.get(entity.id or 0, set()) & values)
    if kind == "overdue":
        return entity.id in facts.overdue
    if kind == "targets":
        return any(entity.id in facts.targeting.get(group, set()) for group in values)
    if country is None:
        return False
    if kind == "group":
        return any(country.in_group(group, facts.today) for group in values)
    return kind == "itu" and country.itu_region in values


async def _overdue_entities(session: Session, today: date) -> set[int]:
    pledges = await Pledges(session).validated()
    reported = await Reports(session).reported_periods()
    return {p.entity_id for p in pledges
            if (due := next_report_due(p, reported.get(p.id or 0, set()), today)) is not None and due < today}
