"""A demo portfolio large enough for a meaningful digest: pledges across regions, types and sectors, with reports.

Deterministic (a fixed seed). Each pledge's reference is made as a real one is, from the year it was submitted and
its id (handlers.pledges.rules.pledge_ref), once it is stored: the demo loads it only into a database where its first
organisation has no pledge yet (bot.demo).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from models.tables import Entity, Pledge, ProgressReport
from models.values import PledgeStatus, Sector

ENTITIES: tuple[tuple[str, Sector, str], ...] = (
    ("Rwanda Information Society Authority", Sector.government, "RWA"),
    ("Pacific Islands Telecommunications Association", Sector.intl_regional_org, "FJI"),
    ("Kazakhtelecom JSC", Sector.private_sector, "KAZ"),
    ("Digital Oman Initiative", Sector.government, "OMN"),
    ("Andean Development Fund", Sector.ifi, "PER"),
    ("Nepal Rural Connectivity Trust", Sector.civil_society, "NPL"),
    ("Nordic Digital Aid", Sector.donor_agency, "NOR"),
    ("Uzbek Academy of Informatics", Sector.academia, "UZB"),
)
PLACES = {"RWA": ("africa", True, True, False), "FJI": ("asia_pacific", False, False, True),
          "KAZ": ("cis", False, True, False), "OMN": ("arab_states", False, False, False),
          "PER": ("americas", False, False, False), "NPL": ("asia_pacific", True, True, False),
          "NOR": ("europe", False, False, False), "UZB": ("cis", False, True, False)}
AREAS = (("access", "infrastructure"), ("adoption", "skills"),
         ("value_creation", "digital_innovation_and_entrepreneurship"),
         ("accelerate", "innovative_financing"))
COUNT = 60


def portfolio(entities: dict[str, Entity], now: datetime) -> list[tuple[Pledge, list[ProgressReport]]]:
    """Sixty pledges of the demo entities, some overdue, some reported, a few new this week."""
    chance = random.Random(2026)
    made: list[tuple[Pledge, list[ProgressReport]]] = []
    for n in range(COUNT):
        name, _, iso3 = ENTITIES[n % len(ENTITIES)]
        entity_id = entities[name].id
        assert entity_id is not None
        region, ldc, lldc, sids = PLACES[iso3]
        area, pillar = AREAS[n % len(AREAS)]
        financial = n % 3 != 2
        age = timedelta(days=chance.randint(3, 700))
        status = (PledgeStatus.submitted if n % 11 == 0 else PledgeStatus.completed if n % 13 == 0
                  else PledgeStatus.withdrawn if n % 17 == 0 else PledgeStatus.validated)
        pledge = Pledge(
            ref=None, entity_id=entity_id, title=f"{area.replace('_', ' ').title()} programme "
            f"{n + 1} in {iso3}", description="A demo pledge of the sandbox, made to fill the digests.",
            focus_area=area, pillars=[pillar], pledge_type="financial" if financial else ("programmatic", "policy",
                                                                                          "advocacy")[n % 3],
            value_usd=Decimal(chance.randrange(1, 400)) * Decimal(1_000_000) if financial else None,
            countries=[iso3], beneficiary_groups=["general_public"], target_value=Decimal(10000),
            target_unit="people", target_date=date(2028, 12, 31), start_date=(now - age).date(),
            end_date=date(2028, 12, 31), status=status, submitted_at=now - age,
            validated_at=None if status == PledgeStatus.submitted else now - age + timedelta(days=2),
            targets_ldc=ldc, targets_lldc=lldc, targets_sids=sids, itu_regions=[region], created_at=now - age,
            updated_at=now - timedelta(days=n % 9), language="en")
        # a report for last year only of a pledge BDT validated that had begun by then (a tester: a pledge waiting
        # for validation had a report waiting for acknowledgement, one begun in August a report for the year before)
        reportable = status in (PledgeStatus.validated, PledgeStatus.completed) and (now - age).year < now.year
        percent, disbursed = chance.randint(5, 90), Decimal(chance.randrange(0, 50)) * Decimal(100_000)
        reports = [ProgressReport(pledge_id=0, period=str(now.year - 1), status="in_progress",
                                  percent_complete=percent, steps_taken="Demo progress: sites connected "
                                  "and people trained as planned.", created_at=now - timedelta(days=n % 20),
                                  value_disbursed_usd=disbursed)
                   ] if n % 4 and reportable else []
        made.append((pledge, reports))
    return made
