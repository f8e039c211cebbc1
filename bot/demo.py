"""Demo data for the sandbox: entities, people in six languages, pledges with reports, one overdue.

Loading is idempotent: what already exists (by Telegram id, entity name or pledge ref) is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bot import demo_portfolio
from handlers.onboarding import name_key
from handlers.pledges.rules import pledge_ref
from models.database import UnitOfWork
from models.reporting import latest_due_period, period_end, period_start
from models.repositories.contacts import Contacts
from models.repositories.entities import Entities
from models.repositories.pledges import Pledges
from models.repositories.subscriptions import Scopes, Subscriptions
from models.scope import Scope, ScopeKind
from models.tables import Contact, DigestSubscription, Entity, Pledge, ProgressReport
from models.values import EntityStatus, PledgeStatus, Role, Sector


@dataclass(frozen=True)
class DemoPerson:
    """A person of the demo, as the sandbox page lists them."""

    telegram_id: int
    first_name: str
    last_name: str
    language: str
    role: Role
    entity: str | None


ENTITIES: tuple[tuple[str, Sector, str | None], ...] = (
    ("Ministère de l'Économie numérique et des Télécommunications du Sénégal", Sector.government, "SEN"),
    ("Conecta Andes S.A.", Sector.private_sector, "BOL"),
    ("Beijing University of Posts and Telecommunications", Sector.academia, "CHN"),
    ("ITU Regional Office for the Arab States", Sector.un_agency, "EGY"),
    ("ITU Regional Office for CIS", Sector.un_agency, "RUS"),
)

PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson(1001, "Awa", "Diop", "fr", Role.focal_point, ENTITIES[0][0]),
    DemoPerson(1002, "Lucía", "Mamani", "es", Role.focal_point, ENTITIES[1][0]),
    DemoPerson(1003, "Bea", "Keller", "en", Role.staff, None),
    DemoPerson(1004, "Layla", "Haddad", "ar", Role.coordinator, ENTITIES[3][0]),
    DemoPerson(1005, "Ivan", "Petrov", "ru", Role.coordinator, ENTITIES[4][0]),
    DemoPerson(1006, "Wei", "Zhang", "zh", Role.focal_point, ENTITIES[2][0]),
)


def _pledges(entities: dict[str, Entity], now: datetime) -> list[Pledge]:
    """The three pledges of the demo people, dated from the day the demo is loaded (QA: fixed in 2023-2024, they
    showed reports owed for years): Awa's and Lucía's begin with the latest year whose report is overdue, which Awa
    reported on (load_demo) and Lucía owes; Wei's begins the year after, its first report not due yet."""
    year = now.year
    due = latest_due_period("annual", now.date())
    begun, following = period_start(due), period_end(due) + timedelta(days=1)
    senegal, andes, bupt = (entities[ENTITIES[i][0]].id for i in range(3))
    assert senegal is not None and andes is not None and bupt is not None
    common: dict[str, Any] = {"status": PledgeStatus.validated, "submitted_at": now, "validated_at": now,
                              "created_at": now}
    return [
        Pledge(ref="P2C-2025-00001", entity_id=senegal, title="Connecter 2 000 écoles rurales",
               description="Raccordement de 2 000 écoles rurales au haut débit et formation des enseignants.",
               focus_area="access", pillars=["infrastructure", "affordability"], pledge_type="financial",
               value_usd=Decimal("45000000"), countries=["SEN"], beneficiary_groups=["schools", "rural_remote"],
               target_value=Decimal("2000"), target_unit="schools", target_date=date(year + 1, 12, 31),
               start_date=begun, end_date=date(year + 1, 12, 31), sdgs=[4, 9],
               wsis_action_lines=["C2", "C7"], language="fr", targets_ldc=True, itu_regions=["africa"], **common),
        Pledge(ref="P2C-2025-00002", entity_id=andes, title="Conectividad asequible en el altiplano",
               description="Despliegue de 300 estaciones base rurales con tarifas sociales en Bolivia.",
               focus_area="access", pillars=["infrastructure"], pledge_type="financial",
               value_usd=Decimal("120000000"), countries=["BOL"], beneficiary_groups=["rural_remote", "women"],
               target_value=Decimal("1500000"), target_unit="people", target_date=date(year + 1, 12, 31),
               start_date=begun, end_date=date(year + 1, 12, 31), sdgs=[9, 10], language="es",
               targets_lldc=True, itu_regions=["americas"], **common),
        Pledge(ref="P2C-2025-00003", entity_id=bupt, title="数字技能培训：10万名青年",
               description="为最不发达国家的10万名青年提供数字技能培训课程，并开放在线学习平台。",
               focus_area="adoption", pillars=["skills"], pledge_type="programmatic", countries=["LDC"],
               beneficiary_groups=["youth"], target_value=Decimal("100000"), target_unit="people",
               target_date=date(year + 2, 6, 30), start_date=following, end_date=date(year + 2, 6, 30),
               sdgs=[4], language="zh", targets_ldc=True,
               itu_regions=["africa", "americas", "arab_states", "asia_pacific"],  # the LDCs' regions
               **common),
    ]


async def load_demo(uow: UnitOfWork, now: datetime) -> list[DemoPerson]:
    """Create what is missing of the demo; return the demo people (for the sandbox page)."""
    async with uow:
        session = uow.session
        entities: dict[str, Entity] = {}
        for name, sector, country in (*ENTITIES, *demo_portfolio.ENTITIES):
            found = await Entities(session).same_organisation(name_key(name), country)
            if found is None:
                found = Entity(name=name, name_key=name_key(name), sector=sector, country_iso3=country,
                               status=EntityStatus.validated, created_at=now, validated_at=now)
                await Entities(session).add(found)
            entities[name] = found
        for person in PEOPLE:
            if await Contacts(session).by_telegram_id(person.telegram_id) is None:
                session.add(Contact(
                    telegram_id=person.telegram_id, chat_id=person.telegram_id, first_name=person.first_name,
                    last_name=person.last_name, full_name=f"{person.first_name} {person.last_name}",
                    language=person.language, telegram_language=person.language, role=person.role,
                    entity_id=entities[person.entity].id if person.entity else None, consent_at=now, created_at=now))
        for pledge in _pledges(entities, now):
            if await Pledges(session).by_ref(pledge.ref or "") is None:
                await Pledges(session).add(pledge)
                if pledge.ref == "P2C-2025-00001":
                    session.add(ProgressReport(
                        pledge_id=pledge.id or 0, period=latest_due_period("annual", now.date()), status="in_progress",
                        percent_complete=40,
                        value_disbursed_usd=Decimal("18000000"), beneficiaries_reached=320000,
                        women_share_percent=48, created_at=now,
                        steps_taken="820 écoles raccordées dans les régions de Kédougou, Kolda et Sédhiou."))
        first = entities[demo_portfolio.ENTITIES[0][0]].id
        if first is not None and not await Pledges(session).of_entity(first, 1):  # not loaded before
            for pledge, reports in demo_portfolio.portfolio(entities, now):
                await Pledges(session).add(pledge)
                pledge.ref = pledge_ref((pledge.submitted_at or now).year, pledge.id or 0)  # as a real one's
                await Pledges(session).save(pledge)
                for report in reports:
                    report.pledge_id = pledge.id or 0
                    session.add(report)
        await _subscribe_coordinators(session, now)
        await uow.commit()
    return list(PEOPLE)


COORDINATOR_SCOPES = {1004: Scope(ScopeKind.region, ("arab_states",)), 1005: Scope(ScopeKind.region, ("cis",))}
"""The demo coordinators see their regional office's region, and receive a weekly digest on Monday at 09:00."""


async def _subscribe_coordinators(session: Any, now: datetime) -> None:
    for telegram_id, scope in COORDINATOR_SCOPES.items():
        contact = await Contacts(session).by_telegram_id(telegram_id)
        if contact is None or contact.id is None or await Subscriptions(session).of(contact.id) is not None:
            continue
        await Scopes(session).set(contact.id, scope, None, now)
        await Subscriptions(session).save(DigestSubscription(contact_id=contact.id, cadence="weekly", weekday=0,
                                                             hour=9, updated_at=now))
