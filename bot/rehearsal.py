"""A rehearsal of the busiest journeys at start, in a transaction that is rolled back: nothing is written or sent.

SQLAlchemy compiles a statement the first time a process runs it, and then keeps it compiled. Without a
rehearsal, the first people after every start paid for it: their first /report took 32 ms of CPU instead of 4, the
first press 10 ms instead of 2.5, and since updates are handled one after another on a core, everyone who wrote at
that moment waited behind them (ten focal points reporting at once waited 125 ms for their first answer instead of
about 40). So before it takes updates, the bot has a focal point of its own making (an organisation, a validated
pledge) greet it, list its pledges, register a pledge and report on one, through `handlers.router.handle` as
a person's updates are, on units of work that share one transaction and commit nothing (`Database.rehearse`).

A rehearsal that fails is logged and the bot starts all the same: it only saves the first people some waiting.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from handlers.conversation import Deps
from handlers.inputs import Incoming, Person
from handlers.router import handle
from models.clock import utcnow
from models.database import Database, UnitOfWork
from models.repositories.pledges import Pledges
from models.repositories.reports import Reports
from models.tables import Contact, Entity, Pledge
from models.values import EntityStatus, PledgeStatus, PledgeType, Role, Sector

log = logging.getLogger(__name__)

REHEARSAL_ID = 9_000_000_000_000_000
"""The rehearsal's Telegram id, plus the process id (two instances starting together do not wait for each other's
row): far above the ids Telegram gives people, and never committed anyway."""

COMMON: tuple[str, ...] = ("/start", "/help", "/mypledges")

REPORT: tuple[str, ...] = (
    "/report", "f:status:c:in_progress", "25", "80", "1500", "f:women_share:c:50",
    "Forty schools of the first district are connected and their teachers trained.",
    "Equipment arrived three months late.", "f:partnership_needs:skip",
    "https://example.org/rehearsal/evidence.pdf", "f:evidence:done", "f:$sum:submit",
)
"""A report on the rehearsal's pledge (a target of 300 schools), every question answered as a person would."""


def pledge_answers(today: date) -> tuple[str, ...]:
    """A whole pledge, its dates from today (a date in the past would be refused)."""
    return (
        "/pledge", "Connect 300 rural schools", "We will connect 300 rural schools to broadband and train teachers.",
        "f:focus_area:c:access", "f:pillars:c:infrastructure", "f:pillars:done", "f:pledge_type:c:financial",
        "1.5 million", "Kenya", "f:countries:done", "f:beneficiary_groups:c:schools", "f:beneficiary_groups:done",
        "300", "f:target_unit:c:schools", f"{today.year + 2}-12-31", f"{today.year}-01-01",
        f"{today.year + 3}-06-30", "f:sdgs:skip", "f:wsis_action_lines:skip", "f:$sum:submit",
    )


@dataclass(frozen=True)
class Rehearsed:
    """What a rehearsal did, read before its transaction was rolled back."""

    updates: int
    pledged: bool
    """The pledge form reached its end: the rehearsal's organisation had a second pledge."""
    reported: bool
    """The report form reached its end: the rehearsal's pledge had a report."""
    seconds: float


async def rehearse(database: Database, deps: Deps) -> Rehearsed:
    """Run the rehearsal (see the module's docstring); what it did."""
    started = time.perf_counter()
    rehearsed = await database.rehearse(lambda units: _journeys(units, deps))
    return Rehearsed(rehearsed[0], rehearsed[1], rehearsed[2], time.perf_counter() - started)


async def rehearse_or_log(database: Database, deps: Deps) -> None:
    """`rehearse`, logged; a failure is logged and let go (the bot starts all the same)."""
    try:
        done = await rehearse(database, deps)
    except Exception:
        log.warning("the start-up rehearsal of the journeys failed: the first people after this start may wait a "
                    "little longer", exc_info=True)
        return
    if not (done.pledged and done.reported):
        log.warning("the start-up rehearsal did not reach the end of the %s form: its statements are compiled on "
                    "first use", "pledge" if not done.pledged else "report")
    log.info("journeys rehearsed", extra={"updates": done.updates, "seconds": round(done.seconds, 3)})


async def _journeys(units: Callable[[], UnitOfWork], deps: Deps) -> tuple[int, bool, bool]:
    """The rehearsal's person, their updates, and whether each form reached its end."""
    setup = units()
    now = utcnow()
    telegram_id = REHEARSAL_ID + os.getpid()
    entity = Entity(name=f"Rehearsal {telegram_id}", name_key=f"rehearsal {telegram_id}", sector=Sector.government,
                    country_iso3="KEN", status=EntityStatus.validated, created_at=now, validated_at=now)
    setup.session.add(entity)
    await setup.flush()
    assert entity.id is not None
    contact = Contact(telegram_id=telegram_id, chat_id=telegram_id, first_name="Rehearsal", language="en",
                      telegram_language="en", role=Role.focal_point, entity_id=entity.id, consent_at=now,
                      last_seen_at=now)
    setup.session.add(contact)
    await setup.flush()
    pledge = Pledge(entity_id=entity.id, created_by=contact.id, title="Connect 300 rural schools",
                    description="We will connect 300 rural schools.", focus_area="access",
                    pledge_type=PledgeType.programmatic, target_value=Decimal(300), target_unit="schools",
                    start_date=date(now.year - 2, 1, 1), end_date=date(now.year + 3, 6, 30),
                    status=PledgeStatus.validated, validated_at=now,
                    created_at=now)
    setup.session.add(pledge)
    await setup.commit()
    entity_id, pledge_id = entity.id, pledge.id
    assert pledge_id is not None
    person = Person(telegram_id, telegram_id, "Rehearsal", language_code="en")
    answers = (*COMMON, *REPORT, *pledge_answers(now.date()))
    for number, answer in enumerate(answers, start=1):
        received = utcnow()
        origin = f"rehearsal:{telegram_id}:{number}"
        if answer.startswith("f:"):  # a press on the question's message (never sent: no outbox key is found)
            incoming = Incoming(-number, person, received, code=answer, origin=origin, message_id=number)
        else:
            incoming = Incoming.from_text(-number, person, answer, received, origin)
        await handle(incoming, units(), deps)
    check = units()
    pledged = len(await Pledges(check.session).of_entity(entity_id, limit=5)) > 1
    reported = pledge_id in await Reports(check.session).latest_of([pledge_id])
    return len(answers), pledged, reported
